"""The action ledger: runs and their intents, claimed with leases, recorded once (SPEC §9).

Every write is a short transaction of its own except a run's opening, which writes the
run row and its intents together: `guarded` holds the store's one guard transaction, in
which a run reads cooldowns and contact history and inserts its intents, so two
processes guarding at once see each other's intents (issue 17). A claim is a
conditional UPDATE, so of two executors racing for one intent exactly one sees its row
change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from shopctl.store.engine import READ_ONLY
from shopctl.store.tables import intents, runs

# Statuses that block the same rule from acting on the entity again within a cooldown.
COOLDOWN_STATUSES = ("planned", "claimed", "done", "unknown", "deferred", "undone")
# Statuses of customer-facing intents that count towards contact frequency caps.
CAP_STATUSES = ("planned", "claimed", "done", "unknown", "deferred")
CHUNK = 500
# PostgreSQL advisory lock held by the guard transaction (`guarded`), per database.
GUARD_LOCK = 0x73686F67


@dataclass(frozen=True)
class NewIntent:
    """An intent about to be written: what to do to which entity, and when."""

    key: str
    account: str
    entity_id: str
    action: str
    args: Mapping[str, Any]  # JSON values (see keys.encode_args)
    status: str = "planned"  # or "deferred"
    not_before: datetime | None = None


@dataclass(frozen=True)
class Intent:
    """One row of the ledger."""

    id: int
    key: str
    run_id: int
    rule: str
    entity_type: str
    account: str
    entity_id: str
    action: str
    args: dict[str, Any]
    status: str
    not_before: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    attempts: int
    last_error: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reference: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row[Any]) -> Intent:
        """Build from a selected `intents` row."""
        return cls(**{name: row._mapping[name] for name in cls.__dataclass_fields__})


class SlotTakenError(Exception):
    """The (rule, slot) pair already has a run."""

    def __init__(self, rule: str, slot: str, run_id: int | None):
        super().__init__(f"rule {rule!r} already ran for slot {slot!r} (run {run_id})")
        self.rule, self.slot, self.run_id = rule, slot, run_id


@contextmanager
def guarded(engine: Engine, rule: str, slot: str | None) -> Iterator[Connection]:
    """The store's one guard transaction: guards read and a run's intents are written in it.

    On SQLite the store's `begin` event opens it with BEGIN IMMEDIATE (store/engine.py),
    taking the write lock before the first read; on PostgreSQL (READ COMMITTED, so each
    statement sees what committed before it) it takes the advisory lock GUARD_LOCK.
    Either way a second process's guards wait, then read the first one's intents.
    Raises SlotTakenError when `slot` already has a run.
    """
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GUARD_LOCK})
            yield conn
    except IntegrityError:
        if slot is None:
            raise
        raise SlotTakenError(rule, slot, slot_run(engine, rule, slot)) from None


def open_run(engine: Engine, **run: Any) -> int:
    """Insert a run and its intents (`insert_run`'s arguments) in a guard transaction."""
    with guarded(engine, run["rule"], run["slot"]) as conn:
        return insert_run(conn, **run)


def insert_run(
    conn: Connection,
    *,
    rule: str,
    entity_type: str,
    slot: str | None,
    trigger: str,
    at: datetime,
    now: datetime,
    dry_run: bool,
    planned: Sequence[NewIntent],
    outcome: str | None = None,
    counts: Mapping[str, int] | None = None,
    trace: Any = None,
    error: str | None = None,
    on_run_inserted: Callable[[], None] | None = None,
) -> int:
    """Insert a run and its intents on `conn` (inside `guarded`); the run's id.

    An intent whose key is already in the ledger is left out (an earlier run wrote it).
    """
    run_id = conn.execute(
        insert(runs).values(
            rule=rule,
            slot=slot,
            trigger=trigger,
            at=at,
            started_at=now,
            finished_at=now if outcome else None,
            outcome=outcome,
            dry_run=dry_run,
            trace=trace,
            error=error,
            **(counts or {}),
        )
    ).inserted_primary_key[0]
    if on_run_inserted is not None:
        on_run_inserted()
    if planned:
        _insert_ignoring_known_keys(conn, run_id, rule, entity_type, planned, now)
    return int(run_id)


def slot_run(engine: Engine, rule: str, slot: str) -> int | None:
    """The id of the run that holds (rule, slot), if any."""
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return conn.scalar(select(runs.c.id).where(runs.c.rule == rule, runs.c.slot == slot))


def finish_run(
    engine: Engine,
    run_id: int,
    *,
    outcome: str,
    now: datetime,
    counts: Mapping[str, int],
    trace: Any = None,
    error: str | None = None,
) -> None:
    """Give a run its outcome, counts and trace."""
    values: dict[str, Any] = {"outcome": outcome, "finished_at": now, "error": error, **counts}
    if trace is not None:
        values["trace"] = trace
    with engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == run_id).values(**values))


def _insert_ignoring_known_keys(
    conn: Connection,
    run_id: int,
    rule: str,
    entity_type: str,
    planned: Sequence[NewIntent],
    now: datetime,
) -> None:
    dialect = {"sqlite": sqlite, "postgresql": postgresql}[conn.dialect.name]
    statement = dialect.insert(intents).on_conflict_do_nothing(index_elements=["key"])
    rows = [
        {
            "key": item.key,
            "run_id": run_id,
            "rule": rule,
            "entity_type": entity_type,
            "account": item.account,
            "entity_id": item.entity_id,
            "action": item.action,
            "args": dict(item.args),
            "status": item.status,
            "not_before": item.not_before,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for item in planned
    ]
    for start in range(0, len(rows), CHUNK):
        conn.execute(statement, rows[start : start + CHUNK])


def known_keys(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    """Which of `keys` the ledger already holds: key -> status."""
    found: dict[str, str] = {}
    for chunk in _chunks(list(keys)):
        rows = conn.execute(select(intents.c.key, intents.c.status).where(intents.c.key.in_(chunk)))
        found.update({key: status for key, status in rows})
    return found


def cooling(
    conn: Connection, rule: str, entity_type: str, since: datetime
) -> dict[tuple[str, str], datetime]:
    """(account, entity id) -> the last time `rule` acted on it after `since`."""
    rows = conn.execute(
        select(intents.c.account, intents.c.entity_id, func.max(intents.c.created_at))
        .where(
            intents.c.rule == rule,
            intents.c.entity_type == entity_type,
            intents.c.created_at > since,
            intents.c.status.in_(COOLDOWN_STATUSES),
        )
        .group_by(intents.c.account, intents.c.entity_id)
    )
    return {(account, entity_id): last for account, entity_id, last in rows}


def contact_history(
    conn: Connection, actions: Sequence[str], since: datetime
) -> list[tuple[str, str, str, datetime]]:
    """(account, entity type, entity id, created_at) of customer-facing intents since."""
    rows = conn.execute(
        select(
            intents.c.account, intents.c.entity_type, intents.c.entity_id, intents.c.created_at
        ).where(
            intents.c.action.in_(actions),
            intents.c.created_at > since,
            intents.c.status.in_(CAP_STATUSES),
        )
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def claimable(
    engine: Engine, now: datetime, *, run_id: int | None = None, after: int = 0, limit: int = 200
) -> list[Intent]:
    """Intents an executor may claim now with ids above `after`, oldest first."""
    query = (
        select(intents)
        .where(_claimable(now), intents.c.id > after)
        .order_by(intents.c.id)
        .limit(limit)
    )
    if run_id is not None:
        query = query.where(intents.c.run_id == run_id)
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return [Intent.from_row(row) for row in conn.execute(query)]


def claim(
    engine: Engine | Connection, intent: Intent, owner: str, now: datetime, until: datetime
) -> bool:
    """Take `intent` for `owner` until `until`; False when another executor won it."""
    values = {"intent_id": intent.id, "seen": intent.status, "owner": owner}
    with _writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            # No need to wait for the disk here: the attempt mark that follows before
            # any plugin call is durable, and flushes this claim with it.
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        changed = conn.execute(_CLAIM, {**values, "now": now, "until": until}).rowcount
    return changed == 1


def start_attempt(engine: Engine | Connection, intent_id: int, owner: str, now: datetime) -> bool:
    """Count an attempt right before the plugin is called; False if the lease was lost."""
    with _writing(engine) as conn:
        changed = conn.execute(_START, {"intent_id": intent_id, "owner": owner, "now": now})
    return changed.rowcount == 1


def record(
    engine: Engine | Connection,
    intent_id: int,
    owner: str,
    now: datetime,
    *,
    status: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reference: str | None = None,
    error: str | None = None,
) -> bool:
    """Record the outcome of an intent this owner holds; False if the lease was lost."""
    values = {
        "intent_id": intent_id,
        "owner": owner,
        "now": now,
        "status": status,
        "error": error,
        "before": dict(before) if before is not None else None,
        "after": dict(after) if after is not None else None,
        "reference": reference,
    }
    with _writing(engine) as conn:
        changed = conn.execute(_RECORD, values)
    return changed.rowcount == 1


def release(engine: Engine | Connection, intent: Intent, owner: str, now: datetime) -> None:
    """Give back a claimed intent that was not started: it returns to its old status."""
    with _writing(engine) as conn:
        conn.execute(
            _RELEASE, {"intent_id": intent.id, "owner": owner, "now": now, "status": intent.status}
        )


def set_status(engine: Engine, intent_id: int, status: str, now: datetime) -> None:
    """Move an intent to `status` (undo marks reversed intents `undone`)."""
    with engine.begin() as conn:
        conn.execute(
            update(intents).where(intents.c.id == intent_id).values(status=status, updated_at=now)
        )


def run_intents(engine: Engine, run_id: int) -> list[Intent]:
    """Every intent of a run, in the order they were planned."""
    with engine.connect().execution_options(**READ_ONLY) as conn:
        rows = conn.execute(
            select(intents).where(intents.c.run_id == run_id).order_by(intents.c.id)
        )
        return [Intent.from_row(row) for row in rows]


@contextmanager
def _writing(target: Engine | Connection) -> Iterator[Connection]:
    """A write transaction on an engine, or on a connection an executor holds open."""
    if isinstance(target, Engine):
        with target.begin() as conn:
            yield conn
    else:
        with target.begin():
            yield target


def _claimable(now: Any) -> Any:
    return or_(
        intents.c.status == "planned",
        and_(intents.c.status == "deferred", intents.c.not_before <= now),
        and_(intents.c.status == "claimed", intents.c.lease_until < now),
    )


# The executor's per-intent statements, built once: three of them run for every action.
_NOW = bindparam("now", type_=intents.c.updated_at.type)
_HELD = and_(
    intents.c.id == bindparam("intent_id"),
    intents.c.status == "claimed",
    intents.c.lease_owner == bindparam("owner"),
)
_CLAIM = (
    update(intents)
    .where(
        intents.c.id == bindparam("intent_id"),
        intents.c.status == bindparam("seen"),
        _claimable(_NOW),
    )
    .values(
        status="claimed",
        lease_owner=bindparam("owner"),
        lease_until=bindparam("until", type_=intents.c.lease_until.type),
        updated_at=_NOW,
    )
)
_START = update(intents).where(_HELD).values(attempts=intents.c.attempts + 1, updated_at=_NOW)
_RECORD = (
    update(intents)
    .where(_HELD)
    .values(
        status=bindparam("status"),
        lease_owner=None,
        lease_until=None,
        last_error=bindparam("error"),
        before=func.coalesce(bindparam("before", type_=intents.c.before.type), intents.c.before),
        after=func.coalesce(bindparam("after", type_=intents.c.after.type), intents.c.after),
        reference=func.coalesce(bindparam("reference"), intents.c.reference),
        updated_at=_NOW,
    )
)
_RELEASE = (
    update(intents)
    .where(_HELD)
    .values(status=bindparam("status"), lease_owner=None, lease_until=None, updated_at=_NOW)
)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
