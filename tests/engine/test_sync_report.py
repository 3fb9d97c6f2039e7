"""The sync report: exit status, throughput and the `sync --json` shape."""

from __future__ import annotations

from shopctl.engine.sync_report import PlatformFailure, RowError, SyncCount, SyncReport


def test_a_failed_platform_outranks_rejected_rows() -> None:
    report = SyncReport()
    assert report.exit_code == 0
    report.errors.append(RowError("shop", "customer", "entities", 3, "c3", None, "bad"))
    assert report.exit_code == 1
    report.failures.append(PlatformFailure("shop", "demo", "order", "entities", "timeout"))
    assert report.exit_code == 3


def test_throughput_needs_measured_time() -> None:
    report = SyncReport(counts=[SyncCount("shop", "customer", "entities", rows=500)])
    assert report.rows_per_second is None
    report.seconds = 2.0
    assert report.rows_per_second == 250


def test_json_names_every_row_error_field() -> None:
    error = RowError("shop", "customer", "entities", 17, "c9", "customer.csv:17", "field x: …")
    data = SyncReport(errors=[error], seconds=1.0).to_json()
    assert data["errors"] == [
        {
            "account": "shop",
            "type": "customer",
            "kind": "entities",
            "row": 17,
            "id": "c9",
            "source": "customer.csv:17",
            "message": "field x: …",
        }
    ]
    assert str(error) == "shop: customer.csv:17: customer c9: field x: …"
    assert data["rows_per_second"] == 0
