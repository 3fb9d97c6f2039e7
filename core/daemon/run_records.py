"""What the runs table says about scheduled runs: the daemon's memory across restarts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, RowMapping

from shopctl.daemon.slots import Due
from shopctl.store.tables import intents, runs

FAILED_OUTCOMES = ("failed", "partial")


def last_handled(engine: Engine, rule: str) -> datetime | None:
    """The newest instant a scheduled run (or missed slot) of `rule` was recorded at."""
    query = select(func.max(runs.c.at)).where(runs.c.rule == rule, runs.c.slot.is_not(None))
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def record_missed(engine: Engine, rule: str, missed: Sequence[Due], now: datetime) -> list[Due]:
    """Record `missed` slots of `rule` as runs with outcome `missed`; the ones that were
    new (a slot already run or recorded stays as it is)."""
    if not missed:
        return []
    insert = _insert_ignoring_duplicates(engine).returning(runs.c.id)
    recorded = []
    with engine.begin() as conn:
        for due in missed:
            result = conn.execute(
                insert.values(
                    rule=rule,
                    slot=due.slot,
                    trigger="schedule",
                    at=due.fire_at,
                    started_at=now,
                    finished_at=now,
                    outcome="missed",
                    dry_run=False,
                    matched=0,
                    acted=0,
                    skipped=0,
                    failed=0,
                    error="the daemon was not running at the scheduled time",
                )
            )
            if result.first() is not None:  # nothing comes back for a slot already held
                recorded.append(due)
    return recorded


def _insert_ignoring_duplicates(engine: Engine) -> Any:
    dialect = {"sqlite": sqlite, "postgresql": postgresql}[engine.dialect.name]
    return dialect.insert(runs).on_conflict_do_nothing(index_elements=["rule", "slot"])


def slot_taken(engine: Engine, rule: str, slot: str) -> bool:
    """Whether a run of `rule` for `slot` is recorded (run, running or missed)."""
    query = select(runs.c.id).where(runs.c.rule == rule, runs.c.slot == slot)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def latest_runs(engine: Engine, rules: Iterable[str]) -> dict[str, RowMapping]:
    """The most recently recorded run of each of `rules`."""
    names = list(rules)
    if not names:
        return {}
    newest = (
        select(runs.c.rule, func.max(runs.c.id).label("id"))
        .where(runs.c.rule.in_(names))
        .group_by(runs.c.rule)
        .subquery()
    )
    query = select(runs).join(newest, runs.c.id == newest.c.id)
    with engine.connect() as conn:
        return {row.rule: row for row in conn.execute(query).mappings()}


def recent_runs(engine: Engine, outcomes: Sequence[str], limit: int = 10) -> list[RowMapping]:
    """The newest runs that ended with one of `outcomes`, newest first."""
    query = (
        select(runs)
        .where(runs.c.outcome.in_(outcomes))
        .order_by(runs.c.started_at.desc(), runs.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).mappings())


def failure_reasons(engine: Engine, run_ids: Iterable[int]) -> dict[int, str]:
    """For each of `run_ids`, the error of its first failed or unknown action, if any."""
    ids = list(run_ids)
    if not ids:
        return {}
    query = (
        select(intents.c.run_id, intents.c.action, intents.c.entity_id, intents.c.last_error)
        .where(intents.c.run_id.in_(ids), intents.c.status.in_(("failed", "unknown", "lost")))
        .order_by(intents.c.run_id, intents.c.id)
    )
    reasons: dict[int, str] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            why = row.last_error or "no reason recorded"
            reasons.setdefault(row.run_id, f"{row.action} {row.entity_id}: {why}")
    return reasons


def close_orphan_runs(engine: Engine, now: datetime) -> int:
    """Mark scheduled runs a dead daemon left open as `interrupted`; how many.

    Only the active daemon starts scheduled runs, so when it starts, any that are still
    open were cut off. Their intents stay in the ledger and are executed all the same.
    """
    query = (
        update(runs)
        .where(runs.c.trigger == "schedule", runs.c.outcome.is_(None))
        .values(outcome="interrupted", finished_at=now, error="the daemon stopped mid-run")
    )
    with engine.begin() as conn:
        return conn.execute(query).rowcount


def expire_leases(engine: Engine, prefix: str, keep: str, now: datetime) -> int:
    """End the leases of intents claimed by earlier daemons (owners starting with `prefix`,
    other than `keep`), so they are recovered now rather than when the lease runs out.

    Safe because the store lock proves no other daemon is alive; the executor then
    retries, reconciles or marks each one `unknown` as SPEC §9 says.
    """
    query = (
        update(intents)
        .where(
            intents.c.status == "claimed",
            intents.c.lease_owner.startswith(prefix, autoescape=True),
            intents.c.lease_owner != keep,
        )
        .values(lease_until=now)
    )
    with engine.begin() as conn:
        return conn.execute(query).rowcount
