"""The csv platform: typed records from exports, row sources, and bulk-edit files."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from shopctl import ActionRequest, FrozenClock, PermanentError, PluginContext, Type
from shopctl.cli.main import main
from shopctl_plugins.csv import CsvPlatform
from shopctl_plugins.csv.values import infer_type, parse_cell

DATA = Path(__file__).parent / "data"

Make = Callable[..., CsvPlatform]


@pytest.fixture
def make(tmp_path: Path) -> Make:
    """Open a csv account on a copy of the exports in data/ inside a fresh project folder."""

    def open_account(**settings: Any) -> CsvPlatform:
        target = tmp_path / "exports"
        if not target.exists():
            shutil.copytree(DATA / "csv_shop", target)
        state = tmp_path / ".shopctl"
        state.mkdir(exist_ok=True)
        context = PluginContext(FrozenClock(datetime(2026, 3, 2, tzinfo=UTC)), state)
        return CsvPlatform("exports", {"path": "exports", **settings}, context)

    return open_account


def by_id(records: Any) -> dict[Any, dict[str, Any]]:
    """Records keyed by id (malformed rows without an id under None)."""
    return {r["id"]: dict(r) for r in records}


def test_each_type_file_is_an_entity_type_it_provides(make) -> None:
    assert make().provides == ("ad_group", "customer", "supplier")


def test_canonical_columns_take_canonical_types(make) -> None:
    customers = by_id(make().fetch("customer", None))
    wang = customers["C1"]
    assert wang["points"] == 1200 and wang["accepts_marketing"] is True
    assert wang["last_order_at"] == datetime(2026, 2, 1, 2, 0, tzinfo=UTC)
    assert wang["name"] == "王小明" and wang["_source"] == "customer.csv:2"


def test_empty_cells_are_null_and_a_quoted_comma_stays_in_its_cell(make) -> None:
    li = by_id(make().fetch("customer", None))["C2"]
    assert li["name"] == "Li, Lei"
    assert li["email"] is None and li["tier"] is None and li["points"] is None


def test_timestamps_without_an_offset_are_utc_unless_a_zone_is_set(make) -> None:
    utc = by_id(make().fetch("customer", None))["C2"]["last_order_at"]
    assert utc == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    local = by_id(make(timezone="Asia/Shanghai").fetch("customer", None))["C2"]["last_order_at"]
    assert local == datetime(2026, 1, 15, 1, 30, tzinfo=UTC)


def test_extra_columns_become_fields_of_inferred_types(make) -> None:
    extensions = {t.name: t for t in make().entity_types()}
    customer = {f.name: f.type for f in extensions["customer"].fields}
    assert customer == {
        "vip_level": Type.INTEGER,
        "wechat_bound": Type.BOOLEAN,
        "signup_source": Type.TEXT,
        "first_seen": Type.TIMESTAMP,
    }
    ad_group = {f.name: f.type for f in extensions["ad_group"].fields}
    assert ad_group == {"margin": Type.NUMBER, "note": Type.TEXT}
    assert [m.name for m in extensions["ad_group"].metrics] == ["favorites"]
    c3 = by_id(make().fetch("customer", None))["C3"]
    assert c3["vip_level"] == 1 and c3["wechat_bound"] is None and c3["signup_source"] == "抖音"


def test_declared_types_override_inference(make) -> None:
    platform = make(types={"customer": {"vip_level": "text", "wechat_bound": "integer"}})
    fields = {f.name: f.type for t in platform.entity_types() for f in t.fields}
    assert fields["vip_level"] is Type.TEXT and fields["wechat_bound"] is Type.INTEGER
    assert by_id(platform.fetch("customer", None))["C1"]["vip_level"] == "3"


def test_an_unknown_declared_type_is_refused(make) -> None:
    with pytest.raises(PermanentError, match=r"types\.customer\.vip_level: unknown type 'money'"):
        make(types={"customer": {"vip_level": "money"}})


def test_a_new_entity_type_is_declared_whole(make) -> None:
    supplier = next(t for t in make().entity_types() if t.name == "supplier")
    assert [(f.name, f.type) for f in supplier.fields] == [
        ("id", Type.TEXT),
        ("name", Type.TEXT),
        ("lead_days", Type.INTEGER),
        ("rating", Type.NUMBER),
        ("contracted_at", Type.TIMESTAMP),
    ]


def test_a_bad_number_in_a_canonical_field_keeps_the_raw_cell_and_says_where(make) -> None:
    bad = by_id(make().fetch("ad_group", None))["AG3"]
    assert bad["bid"] == "abc" and bad["_source"] == "ad_group.csv:4"
    assert bad["_error"] == "column bid: expected number, got 'abc'"
    assert bad["note"] == "价格,待定"


def test_a_row_with_the_wrong_number_of_cells_has_no_id_and_says_where(make) -> None:
    records = by_id(make().fetch("ad_group", None))
    assert records[None] == {
        "id": None,
        "_source": "ad_group.csv:5",
        "_error": "expected 8 columns, found 3",
    }
    assert records["AG5"]["_source"] == "ad_group.csv:6"  # the rows after it still load


def test_daily_metrics_are_numbers_by_date_from_since_on(make) -> None:
    platform = make()
    rows = [r for r in platform.fetch_metrics("ad_group", None) if "_error" not in r]
    assert rows[0] == {
        "_source": "ad_group_daily.csv:2",
        "id": "AG1",
        "date": date(2026, 2, 28),
        "impressions": 1000.0,
        "clicks": 30.0,
        "spend": 36.5,
        "revenue": 120.0,
        "conversions": 2.0,
        "favorites": 4.0,
    }
    assert rows[2]["revenue"] is None
    recent = platform.fetch_metrics("ad_group", date(2026, 3, 1))
    assert {r["date"] for r in recent if "_error" not in r} == {date(2026, 3, 1)}
    bad = next(r for r in platform.fetch_metrics("ad_group", None) if "_error" in r)
    assert bad["_source"] == "ad_group_daily.csv:5" and bad["date"] == "2026-03-0x"


def test_a_bom_and_edits_after_opening_are_read(make, tmp_path) -> None:
    platform = make()
    path = tmp_path / "exports" / "supplier.csv"
    path.write_text("\ufeff" + path.read_text(encoding="utf-8") + "S3,潮汕工厂,3,5,\n", "utf-8")
    assert by_id(platform.fetch("supplier", None))["S3"]["name"] == "潮汕工厂"


def test_a_missing_folder_or_id_column_is_reported(make, tmp_path) -> None:
    with pytest.raises(PermanentError, match="does not exist"):
        CsvPlatform("x", {"path": str(tmp_path / "nowhere")}, make().context)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "order.csv").write_text("number,total\n1,2\n", encoding="utf-8")
    with pytest.raises(PermanentError, match=r"order\.csv:1: the header has no 'id' column"):
        CsvPlatform("x", {"path": str(tmp_path / "bad")}, make().context)


def test_a_file_not_named_after_an_entity_type_is_reported(make, tmp_path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "orders 2026.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(PermanentError, match=r"orders 2026\.csv is not named after an entity"):
        CsvPlatform("x", {"path": str(tmp_path / "bad")}, make().context)


def test_a_header_that_is_not_a_field_name_is_reported(make, tmp_path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "order.csv").write_text("id,Unit Price\n1,2\n", encoding="utf-8")
    with pytest.raises(PermanentError, match="column 'Unit Price' is not a field name"):
        CsvPlatform("x", {"path": str(tmp_path / "bad")}, make().context)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1", "0", ""], Type.BOOLEAN),
        (["true", "FALSE"], Type.BOOLEAN),
        (["3", "-12", "+7"], Type.INTEGER),
        (["3", "2.5", "1e3"], Type.NUMBER),
        (["2026-03-01", "2026-03-01T09:30:00+08:00", "2026-03-01 09:30Z"], Type.TIMESTAMP),
        (["3", "three"], Type.TEXT),
        (["", "  "], Type.TEXT),
    ],
)
def test_column_types_are_inferred_from_every_cell(cells, expected) -> None:
    assert infer_type(cells) is expected


def test_list_cells_read_as_lists() -> None:
    assert parse_cell("新品, 热卖|包邮", Type.TEXT_LIST, UTC) == ["新品", "热卖", "包邮"]
    assert parse_cell('["a", "b"]', Type.TEXT_LIST, UTC) == ["a", "b"]
    assert parse_cell("1;2.5", Type.NUMBER_LIST, UTC) == [1.0, 2.5]


def request(platform: CsvPlatform, action: str, entity_id: str, key: str, **args: Any) -> Any:
    """An action request carrying the entity as the store holds it."""
    entity = by_id(platform.fetch("ad_group", None)).get(entity_id, {"id": entity_id})
    return ActionRequest(action, "ad_group", entity_id, entity, args, key)


def lines(path: Path) -> list[str]:
    """A bulk-edit file's lines."""
    return path.read_text(encoding="utf-8-sig").splitlines()


def test_an_action_writes_one_bulk_edit_row_per_entity(make, tmp_path) -> None:
    platform = make()
    result = platform.perform(request(platform, "set_bid", "AG1", "k1", bid=1.32))
    platform.perform(request(platform, "set_bid", "AG2", "k2", bid=0.9))
    out = tmp_path / "exports" / "out" / "ad_group-set_bid.csv"
    assert lines(out) == ["id,bid", "AG1,1.32", "AG2,0.9"]
    assert result.before == {"bid": 1.2} and result.after == {"bid": 1.32}
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheet programs read CJK right


def test_the_same_key_adds_no_second_row_and_can_be_looked_up(make, tmp_path) -> None:
    platform = make()
    pause = request(platform, "pause", "AG1", "pause:AG1:2026-03-02")
    first = platform.perform(pause)
    again = make().perform(pause)  # e.g. retried after a restart
    assert lines(tmp_path / "exports" / "out" / "ad_group-pause.csv") == ["id,status", "AG1,paused"]
    assert again.after == first.after == {"status": "paused"}
    assert platform.lookup(pause) is not None
    assert platform.lookup(request(platform, "pause", "AG1", "other")) is None


def test_a_row_written_before_a_crash_is_not_written_again(make, tmp_path) -> None:
    platform = make()
    out = tmp_path / "exports" / "out"
    platform.perform(request(platform, "set_budget", "AG1", "k1", amount=80))
    (out / ".shopctl-keys.jsonl").write_text("", encoding="utf-8")  # the journal line was lost
    platform.perform(request(platform, "set_budget", "AG1", "k1", amount=80))
    assert lines(out / "ad_group-set_budget.csv") == ["id,daily_budget", "AG1,80"]
    assert platform.lookup(request(platform, "set_budget", "AG1", "k1", amount=80)) is not None


def test_restore_writes_the_old_value_once(make, tmp_path) -> None:
    platform = make()
    pause = request(platform, "pause", "AG1", "k1")
    result = platform.perform(pause)
    platform.restore(pause, result.before)
    platform.restore(pause, result.before)
    assert lines(tmp_path / "exports" / "out" / "ad_group-pause.csv") == [
        "id,status",
        "AG1,paused",
        "AG1,active",
    ]


def test_a_dry_run_writes_nothing(make, tmp_path) -> None:
    platform = make()
    dry = ActionRequest("set_price", "product", "P1", {"price": 10}, {"price": 9}, "k", True)
    assert platform.perform(dry).after == {"price": 9}
    assert not (tmp_path / "exports" / "out").exists()


def test_bad_arguments_fail_permanently_and_write_nothing(make, tmp_path) -> None:
    platform = make()
    with pytest.raises(PermanentError, match="bid must be a number greater than 0"):
        platform.perform(request(platform, "set_bid", "AG1", "k", bid=-1))
    assert not (tmp_path / "exports" / "out" / "ad_group-set_bid.csv").exists()


CELLS = st.one_of(
    st.sampled_from(["", "0", "1", "true", "FALSE", "2026-03-01", "2026-03-01T09:30:00+08:00"]),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.text(max_size=8),
)


@settings(deadline=None, max_examples=150, derandomize=True)
@given(st.lists(CELLS, max_size=8))
def test_every_cell_of_a_column_reads_as_the_type_inferred_for_it(cells: list[str]) -> None:
    inferred = infer_type(cells)
    for cell in cells:
        value = parse_cell(cell, inferred, UTC)
        assert (value is None) == (not cell.strip())


def test_a_huge_cell_is_classified_in_linear_time() -> None:
    started = time.perf_counter()
    assert infer_type(["1" * 20_000 + "x"]) is Type.TEXT
    assert time.perf_counter() - started < 0.5  # a backtracking pattern takes many seconds


@pytest.fixture
def exports_project(tmp_path: Path) -> Path:
    """A project whose only account is the csv folder of data/, and its config path."""
    shutil.copytree(DATA / "csv_shop", tmp_path / "exports")
    config = tmp_path / "shopctl.yaml"
    config.write_text(
        "store: sqlite:///shopctl.db\ntimezone: Asia/Shanghai\n"
        "accounts:\n  exports:\n    plugin: csv\n    path: exports\n",
        encoding="utf-8",
    )
    return config


def cli(config: Path, *args: str) -> Any:
    """Run shopctl on the project; the result's JSON output."""
    result = CliRunner().invoke(main, ["--config", str(config), *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_sync_loads_the_good_rows_and_names_the_bad_ones_by_file_and_line(exports_project):
    code, report = cli(exports_project, "sync")
    assert code == 1  # rows were rejected
    assert {(e["source"], e["id"]) for e in report["errors"]} == {
        ("ad_group.csv:4", "AG3"),
        ("ad_group.csv:5", None),
        ("ad_group_daily.csv:5", "AG2"),
    }
    loaded = {(c["type"], c["kind"]): c["rows"] for c in report["synced"]}
    assert loaded == {
        ("ad_group", "entities"): 3,
        ("ad_group", "metrics"): 3,
        ("customer", "entities"): 3,
        ("supplier", "entities"): 2,
    }


@pytest.mark.parametrize(
    ("expression", "on", "expected"),
    [
        ('margin > 0.3 and note contains "主推"', "ad_group", ["AG1"]),
        ("margin is null", "ad_group", ["AG5"]),
        ('wechat_bound and signup_source == "小红书"', "customer", ["C1"]),
        ("days_since(first_seen) >= 300", "customer", ["C1"]),
        ("days_since(last_order_at) > 40", "customer", ["C2"]),
        ("lead_days < 10 and rating >= 4", "supplier", ["S1"]),
        ("sum(favorites, 7d) >= 4", "ad_group", ["AG1"]),
    ],
)
def test_synced_exports_evaluate_with_their_extra_columns(
    exports_project, expression, on, expected
) -> None:
    cli(exports_project, "sync")
    code, found = cli(exports_project, "query", expression, "--on", on, "--at", "2026-03-02T09:00")
    assert code == 0
    assert [e["id"] for e in found["entities"]] == expected
