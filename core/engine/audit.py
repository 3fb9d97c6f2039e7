"""The audit trail: past runs and the action ledger, as plain JSON-ready rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from shopctl.errors import ShopctlError
from shopctl.store.engine import READ_ONLY
from shopctl.store.tables import intents, runs

RUN_COLUMNS = (
    "id",
    "rule",
    "slot",
    "trigger",
    "at",
    "started_at",
    "finished_at",
    "outcome",
    "dry_run",
    "matched",
    "acted",
    "skipped",
    "failed",
    "error",
)
INTENT_COLUMNS = (
    "id",
    "key",
    "run_id",
    "rule",
    "entity_type",
    "account",
    "entity_id",
    "action",
    "args",
    "status",
    "not_before",
    "attempts",
    "last_error",
    "before",
    "after",
    "reference",
    "created_at",
    "updated_at",
)


def list_runs(engine: Engine, *, since: datetime, rule: str | None = None) -> list[dict[str, Any]]:
    """Runs started since `since` (of one rule if given), newest first."""
    query = (
        select(*(runs.c[name] for name in RUN_COLUMNS))
        .where(runs.c.started_at >= since)
        .order_by(runs.c.id.desc())
    )
    if rule is not None:
        query = query.where(runs.c.rule == rule)
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return [_plain(row._mapping) for row in conn.execute(query)]


def list_intents(
    engine: Engine, *, run_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Intents of one run in planned order, or the newest `limit` of all runs."""
    query = select(*(intents.c[name] for name in INTENT_COLUMNS))
    if run_id is not None:
        with engine.connect().execution_options(**READ_ONLY) as conn:
            if conn.scalar(select(runs.c.id).where(runs.c.id == run_id)) is None:
                raise ShopctlError(f"there is no run {run_id} (see `shopctl history`)")
        query = query.where(intents.c.run_id == run_id).order_by(intents.c.id)
    else:
        query = query.order_by(intents.c.id.desc()).limit(limit)
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return [_plain(row._mapping) for row in conn.execute(query)]


def _plain(row: Any) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
