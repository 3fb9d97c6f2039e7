"""The audit trail: runs by rule and time, intents by run."""

from datetime import UTC, datetime, timedelta

import pytest

from shopctl.engine import ledger
from shopctl.engine.audit import list_intents, list_runs
from shopctl.errors import ShopctlError
from shopctl.plugins import load_plugins
from shopctl.store.engine import open_store

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_runs_newest_first_by_rule_and_since_and_intents_by_run(sqlite_url: str) -> None:
    engine = open_store(sqlite_url, load_plugins(allowed=set()).registry)
    ids = []
    for rule, age in (("a", 10), ("b", 2), ("a", 1)):
        at = NOW - timedelta(days=age)
        planned = [ledger.NewIntent(f"{rule}{age}", "shop", "ag1", "pause", {})]
        ids.append(
            ledger.open_run(
                engine,
                rule=rule,
                entity_type="ad_group",
                slot=None,
                trigger="manual",
                at=at,
                now=at,
                dry_run=False,
                planned=planned,
            )
        )
    week = NOW - timedelta(days=7)
    assert [r["id"] for r in list_runs(engine, since=week)] == [ids[2], ids[1]]
    assert [r["id"] for r in list_runs(engine, since=week, rule="a")] == [ids[2]]
    assert list_runs(engine, since=week)[0]["started_at"] == "2026-03-01T10:00:00+00:00"
    (only,) = list_intents(engine, run_id=ids[0])
    assert (only["key"], only["status"], only["args"]) == ("a10", "planned", {})
    assert [i["run_id"] for i in list_intents(engine, limit=2)] == [ids[2], ids[1]]
    with pytest.raises(ShopctlError, match="there is no run 99"):
        list_intents(engine, run_id=99)
    engine.dispose()
