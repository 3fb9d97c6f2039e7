"""Undo restores every reversible change of a run, once."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shopctl import FrozenClock
from shopctl.config import build_config
from shopctl.engine import ledger
from shopctl.engine.runs import RunReport, run_rule
from shopctl.engine.sync import sync
from shopctl.engine.undo import undo_run
from shopctl.errors import ShopctlError
from shopctl.plugins import load_plugins
from shopctl.project import Project
from shopctl.store.entities import EntityTables


@pytest.fixture
def acting_store(sqlite_url: str) -> str:
    """Undo's SQL is the ledger's and the tag column's, tested on both databases elsewhere."""
    return sqlite_url


def labels(project: Project, entity_type: str, entity_id: str) -> list[str]:
    table = EntityTables(project.registry).entity(entity_type)
    with project.engine.connect() as conn:
        return conn.scalar(select(table.c.labels).where(table.c.id == entity_id)) or []


def test_undo_restores_every_reversible_change_in_reverse_order(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    rule = compile_rule(
        project, "bid >= 2", 'set_bid(bid * 2), pause, tag("boosted"), boost', max_percent=1.0
    )
    before = {k: dict(v) for k, v in counting_shop.records["ad_group"].items()}
    report = run_rule(project, rule)
    assert isinstance(report, RunReport) and report.outcome == "acted"
    assert counting_shop.records["ad_group"]["ag2"] == {
        **before["ag2"],
        "bid": 4.0,
        "status": "paused",
        "boosts": 1,
    }
    assert labels(project, "ad_group", "ag2") == ["boosted"]

    undone = undo_run(project, report.run_id)
    assert len(undone.undone) == 6 and undone.failed == {}
    assert len(undone.irreversible) == 2  # boost cannot be reversed
    for entity_id in ("ag2", "ag3"):
        record = counting_shop.records["ad_group"][entity_id]
        assert {k: record[k] for k in before[entity_id]} == before[entity_id]
    assert labels(project, "ad_group", "ag2") == []
    # Newest change first: for each entity the status came back before the bid.
    restores = [(a, i) for a, i, _ in counting_shop.effects if a.startswith("restore:")]
    assert restores == [
        ("restore:pause", "ag3"),
        ("restore:set_bid", "ag3"),
        ("restore:pause", "ag2"),
        ("restore:set_bid", "ag2"),
    ]
    statuses = [i.status for i in ledger.run_intents(project.engine, report.run_id)]
    assert statuses.count("undone") == 6 and statuses.count("done") == 2


def test_undoing_twice_does_nothing_the_second_time(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    report = run_rule(project, compile_rule(project, "bid >= 3", "set_bid(9)"))
    assert undo_run(project, report.run_id).undone
    effects = len(counting_shop.effects)
    again = undo_run(project, report.run_id)
    assert (again.undone, again.failed) == ([], {})
    assert len(counting_shop.effects) == effects


def test_undo_refuses_an_unknown_run(acting_project) -> None:
    project = acting_project()
    with pytest.raises(ShopctlError, match="there is no run 42"):
        undo_run(project, 42)


@pytest.fixture
def demo_project(sqlite_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Project]:
    """The demo shop, small, on a fresh store, synced."""
    config = build_config(
        {
            "store": sqlite_url,
            "timezone": "Asia/Shanghai",
            "accounts": {"shop": {"plugin": "demo", "seed": 7, "scale": 0.3}},
            "channels": {"ops": {"plugin": "console", "file": "ops.log"}},
            "alerts": "ops",
        },
        tmp_path / "shopctl.yaml",
    )
    project = Project(config, clock, load_plugins(allowed={"demo", "console"}))
    sync(project)
    yield project
    project.close()


def demo_state(project: Project, entity_type: str) -> dict[str, dict[str, Any]]:
    """The demo shop's own records, without its change stamps."""
    records = project.platform("shop").fetch(entity_type, None)
    return {r["id"]: {k: v for k, v in r.items() if k != "updated_at"} for r in records}


def test_undo_puts_the_demo_shop_back_as_it_was(demo_project: Project, compile_rule) -> None:
    project = demo_project
    ads = compile_rule(
        project,
        'status == "active"',
        "set_bid(round(bid * 1.5, 2)), set_budget(round(daily_budget * 2)), pause",
        limit=5,
        max_percent=1.0,
        name="shake-ads",
    )
    products = compile_rule(
        project,
        'status == "active"',
        "set_price(round(price * 0.9, 2)), refresh_title",
        on="product",
        limit=5,
        max_percent=1.0,
        name="shake-products",
    )
    before = {t: demo_state(project, t) for t in ("ad_group", "product")}
    reports = [run_rule(project, ads), run_rule(project, products)]
    assert all(r.outcome == "acted" and r.failed == 0 for r in reports)
    changed = {t: demo_state(project, t) for t in ("ad_group", "product")}
    assert changed != before
    project.clock.advance(timedelta(minutes=10))
    for report in reversed(reports):
        assert undo_run(project, report.run_id).failed == {}
    assert {t: demo_state(project, t) for t in ("ad_group", "product")} == before
