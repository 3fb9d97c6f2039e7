"""Sync on SQLite and PostgreSQL: incremental pulls, upserts, bad rows, failing platforms."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from shopctl.engine import sync as sync_module
from shopctl.engine.sync import sync
from shopctl.errors import ShopctlError, TransientError
from shopctl.project import Project
from shopctl.store.entities import EntityTables
from shopctl.store.tables import sync_state

from .conftest import Shop, ShopPlatform, make_project


def customer(n: int, updated: str = "2026-03-01T00:00:00Z", **fields: Any) -> dict[str, Any]:
    """A valid customer record."""
    return {"id": f"c{n}", "name": f"客户{n}", "points": n * 10, "updated_at": updated, **fields}


def stored(project: Project, type_name: str = "customer") -> dict[str, dict[str, Any]]:
    """The stored rows of a type, by id."""
    table = EntityTables(project.registry).entity(type_name)
    with project.engine.connect() as conn:
        return {row.id: row._asdict() for row in conn.execute(select(table))}


def state(project: Project, type_name: str, kind: str) -> Any:
    """The sync_state row of the `shop` account for a type and kind."""
    query = select(sync_state).where(
        sync_state.c.account == "shop",
        sync_state.c.entity_type == type_name,
        sync_state.c.kind == kind,
    )
    with project.engine.connect() as conn:
        return conn.execute(query).one()


def test_first_sync_loads_everything_typed(project: Project, shop: Shop) -> None:
    shop.records["customer"] = [
        customer(1, accepts_marketing="true", last_order_at="2026-03-01T08:00:00+08:00"),
        customer(2, tags="vip, 老客户", total_spent="12.50"),
    ]
    report = sync(project)
    rows = stored(project)
    assert set(rows) == {"c1", "c2"}
    assert rows["c1"]["accepts_marketing"] is True
    assert rows["c1"]["last_order_at"] == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert rows["c2"]["tags"] == ["vip", "老客户"]
    assert rows["c2"]["total_spent"] == 12.5
    assert rows["c1"]["_account"] == "shop"
    assert rows["c1"]["labels"] == []
    assert report.exit_code == 0
    assert report.to_json()["synced"][0] == {
        "account": "shop",
        "type": "customer",
        "kind": "entities",
        "rows": 2,
        "rejected": 0,
        "complete": True,
        "seconds": 0.0,
    }


def test_second_sync_asks_only_for_changes_since_the_cursor(project: Project, shop: Shop) -> None:
    shop.records["customer"] = [customer(1, "2026-03-01T00:00:00Z"), customer(2, "2026-03-02")]
    sync(project)
    cursor = datetime(2026, 3, 2, tzinfo=UTC)
    assert state(project, "customer", "entities").cursor_at == cursor
    shop.records["customer"].append(customer(3, "2026-03-05T10:00:00Z"))
    shop.records["customer"][0] = customer(1, "2026-03-04T00:00:00Z", name="改名")
    report = sync(project)
    assert ("customer", cursor) in shop.asked
    assert report.counts[0].rows == 2
    rows = stored(project)
    assert rows["c1"]["name"] == "改名"
    assert set(rows) == {"c1", "c2", "c3"}
    assert state(project, "customer", "entities").cursor_at == datetime(2026, 3, 5, 10, tzinfo=UTC)


def test_without_change_times_every_sync_is_full(project: Project, shop: Shop) -> None:
    shop.records["ad_group"] = [{"id": "g1", "bid": 1.5}]
    sync(project, entity_type="ad_group")
    sync(project, entity_type="ad_group")
    assert [a for a in shop.asked if a[0] == "ad_group"] == [("ad_group", None)] * 2
    assert state(project, "ad_group", "entities").cursor_at is None


def test_upsert_updates_fields_but_keeps_labels(project: Project, shop: Shop) -> None:
    shop.records["ad_group"] = [{"id": "g1", "name": "春季", "bid": 1.5, "labels": ["x"]}]
    sync(project)
    table = EntityTables(project.registry).entity("ad_group")
    with project.engine.begin() as conn:
        conn.execute(update(table).values(labels=["low-roi"]))
    shop.records["ad_group"] = [{"id": "g1", "name": "春季", "bid": 0.9, "labels": []}]
    sync(project)
    row = stored(project, "ad_group")["g1"]
    assert row["bid"] == 0.9
    assert row["labels"] == ["low-roi"]


def test_bad_rows_are_reported_with_their_source_and_good_rows_load(
    project: Project, shop: Shop
) -> None:
    shop.records["customer"] = [
        customer(1),
        customer(2, points="lots", _source="customer.csv:3"),
        {"name": "no id", "_source": "customer.csv:4"},
        customer(4, accepts_marketing="maybe"),
        customer(5),
    ]
    report = sync(project)
    assert set(stored(project)) == {"c1", "c5"}
    messages = [str(e) for e in report.errors]
    assert messages[0] == (
        "shop: customer.csv:3: customer c2: field points: expected integer, got text 'lots'"
    )
    assert "customer.csv:4" in messages[1]
    assert "field id" in messages[1]
    assert report.errors[2].row == 4
    assert report.errors[2].source is None
    assert "row 4" in messages[2]
    assert "expected boolean" in messages[2]
    assert report.counts[0].rejected == 3
    assert report.exit_code == 1


def test_secret_looking_values_are_not_echoed(project: Project, shop: Shop) -> None:
    token = "sk_live_9f8e7d6c5b4a3210"
    shop.records["customer"] = [customer(1, points=token)]
    report = sync(project)
    assert token not in str(report.errors[0])
    assert "text of 24 characters" in str(report.errors[0])


def test_a_failing_platform_leaves_whole_batches_and_the_old_cursor(
    project: Project, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_module, "BATCH_SIZE", 2)
    shop.records["customer"] = [customer(n, f"2026-03-0{n}") for n in range(1, 8)]
    shop.records["ad_group"] = [{"id": "g1"}]
    shop.fail_after["customer"] = 5
    report = sync(project)
    assert len(stored(project)) % 2 == 0  # only whole batches
    assert stored(project, "ad_group").keys() == {"g1"}  # the other types still synced
    [failure] = report.failures
    assert (failure.account, failure.plugin, failure.entity_type) == (
        "shop",
        "testshop",
        "customer",
    )
    assert str(failure) == (
        "shop (platform testshop) failed while syncing customer entities: "
        "ConnectionError: shop API timed out"
    )
    assert report.exit_code == 3
    assert report.counts[0].complete is False
    with pytest.raises(Exception, match="No row"):
        state(project, "customer", "entities")

    del shop.fail_after["customer"]
    report = sync(project)
    assert len(stored(project)) == 7
    assert shop.asked[-3] == ("customer", None)  # started again from the old (no) cursor
    assert state(project, "customer", "entities").cursor_at == datetime(2026, 3, 7, tzinfo=UTC)


def test_platform_errors_never_show_secrets(
    tmp_path: Path, sqlite_url: str, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = next(k for k, v in ShopPlatform.shops.items() if v is shop)
    monkeypatch.setenv("SHOP_TOKEN", "hunter2-secret")

    def leaky(self: ShopPlatform, entity_type: str, since: Any) -> Any:
        raise PermissionError(f"401 for https://api.example/?token={self.config['token']}")

    monkeypatch.setattr(ShopPlatform, "fetch", leaky)
    account = {"plugin": "testshop", "shop": key, "token": "${SHOP_TOKEN}"}
    project = make_project(sqlite_url, tmp_path, {"shop": account})
    report = sync(project, entity_type="customer")
    assert "hunter2-secret" not in str(report.failures[0])
    assert "token=***" in str(report.failures[0])


def test_metrics_upsert_by_day_and_reread_the_last_days(project: Project, shop: Shop) -> None:
    shop.metrics["ad_group"] = [
        {"id": "g1", "date": "2026-03-20", "spend": 100, "revenue": "150.5"},
        {"id": "g1", "date": date(2026, 3, 21), "spend": 80, "clicks": 7},
        {"id": "g1", "date": "not a day", "spend": 1, "_source": "ad_group_daily.csv:4"},
    ]
    report = sync(project, entity_type="ad_group")
    assert state(project, "ad_group", "metrics").cursor_date == date(2026, 3, 21)
    assert "ad_group_daily.csv:4" in str(report.errors[0])
    shop.metrics["ad_group"][1] = {"id": "g1", "date": "2026-03-21", "spend": 90}
    sync(project, entity_type="ad_group")
    assert ("ad_group metrics", date(2026, 3, 19)) == shop.asked[-1]
    table = EntityTables(project.registry).metrics("ad_group")
    with project.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.date)).all()
    assert [(r.date, r.spend, r.revenue, r.clicks) for r in rows] == [
        (date(2026, 3, 20), 100.0, 150.5, None),
        (date(2026, 3, 21), 90.0, None, None),
    ]


def test_progress_reports_rows_done(project: Project, shop: Shop) -> None:
    shop.records["customer"] = [customer(n) for n in range(3)]
    seen: list[tuple[str, int, int | None]] = []
    sync(project, entity_type="customer", progress=lambda *args: seen.append(args))
    assert seen[0] == ("shop.customer", 0, None)
    assert seen[-1] == ("shop.customer", 3, None)


def test_progress_knows_the_total_when_the_platform_returns_a_list(
    project: Project, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [customer(n) for n in range(4)]
    monkeypatch.setattr(ShopPlatform, "fetch", lambda self, entity_type, since: records)
    seen: list[tuple[str, int, int | None]] = []
    sync(project, entity_type="customer", progress=lambda *args: seen.append(args))
    assert seen == [("shop.customer", 0, 4), ("shop.customer", 4, 4)]


def test_asking_for_a_type_no_account_provides_is_an_error(project: Project) -> None:
    with pytest.raises(ShopctlError, match="no account provides entity type 'review'"):
        sync(project, entity_type="review")
    with pytest.raises(ShopctlError, match="account 'shop' does not provide entity type 'review'"):
        sync(project, account="shop", entity_type="review")


def test_a_platform_raising_its_own_error_type_does_not_stop_the_sync(
    project: Project, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    def throttled(self: ShopPlatform, entity_type: str, since: Any) -> Any:
        raise TransientError("429 too many requests")

    monkeypatch.setattr(ShopPlatform, "fetch", throttled)
    shop.metrics["ad_group"] = [{"id": "g1", "date": "2026-03-20", "spend": 1}]
    report = sync(project)
    assert [f.entity_type for f in report.failures] == ["customer", "ad_group"]
    assert "TransientError: 429 too many requests" in str(report.failures[0])
    assert report.counts[-1].rows == 1  # ad_group metrics still loaded


def test_the_last_record_of_an_id_wins_within_one_batch(project: Project, shop: Shop) -> None:
    shop.records["ad_group"] = [{"id": "g1", "bid": 1.0}, {"id": "g2"}, {"id": "g1", "bid": 2.0}]
    report = sync(project, entity_type="ad_group")
    assert stored(project, "ad_group")["g1"]["bid"] == 2.0
    assert report.counts[0].rows == 3
