"""The runs table as the daemon's memory, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from shopctl.daemon import run_records
from shopctl.daemon.slots import Due
from shopctl.store.tables import intents, runs

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def test_missed_slots_are_recorded_once(any_engine: Engine) -> None:
    due = [Due(NOW - timedelta(hours=2), "a"), Due(NOW - timedelta(hours=1), "b")]
    assert run_records.record_missed(any_engine, "r", due, NOW) == due
    again = [*due, Due(NOW, "c")]
    assert run_records.record_missed(any_engine, "r", again, NOW) == [Due(NOW, "c")]
    assert run_records.slot_taken(any_engine, "r", "b") and not run_records.slot_taken(
        any_engine, "r", "d"
    )
    assert run_records.last_handled(any_engine, "r") == NOW
    assert run_records.last_handled(any_engine, "other") is None


def test_latest_and_recent_runs(any_engine: Engine) -> None:
    run_records.record_missed(any_engine, "r", [Due(NOW, "a"), Due(NOW, "b")], NOW)
    run_records.record_missed(any_engine, "s", [Due(NOW, "a")], NOW)
    latest = run_records.latest_runs(any_engine, ["r", "s", "t"])
    assert {name: row["slot"] for name, row in latest.items()} == {"r": "b", "s": "a"}
    missed = run_records.recent_runs(any_engine, ("missed",), limit=2)
    assert len(missed) == 2 and all(row["outcome"] == "missed" for row in missed)
    assert run_records.recent_runs(any_engine, ("failed",)) == []


def test_failure_reasons_are_each_runs_first_failed_action(any_engine: Engine) -> None:
    with any_engine.begin() as conn:
        run = conn.execute(
            insert(runs).values(rule="r", at=NOW, started_at=NOW, outcome="partial")
        ).inserted_primary_key[0]
        quiet = conn.execute(
            insert(runs).values(rule="q", at=NOW, started_at=NOW, outcome="acted")
        ).inserted_primary_key[0]
        for n, (status, error) in enumerate(
            [("done", None), ("failed", "HTTP 400: bad key"), ("unknown", "timed out")]
        ):
            conn.execute(
                insert(intents).values(
                    key=f"k{n}", run_id=run, rule="r", entity_type="product", account="a",
                    entity_id=f"P{n}", action="notify", args={}, status=status,
                    last_error=error, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
    reasons = run_records.failure_reasons(any_engine, [run, quiet])
    assert reasons == {run: "notify P1: HTTP 400: bad key"}
    assert run_records.failure_reasons(any_engine, []) == {}
