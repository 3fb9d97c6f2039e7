"""The store's fixed tables: sync state, runs, the action ledger, learned schemas, the
heartbeat.

Entity and metric tables are built from the registry's declarations (see
`shopctl.store.entities`). The migrations build exactly these tables;
`tests/store/test_migrations.py` fails when they drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shopctl.store.columns import JsonText, UtcDateTime

metadata = MetaData()

sync_state = Table(
    "sync_state",
    metadata,
    Column("account", String(100), primary_key=True),
    Column("entity_type", String(100), primary_key=True),
    Column("kind", String(20), primary_key=True),  # "entities" or "metrics"
    Column("cursor_at", UtcDateTime),  # entities: newest change seen
    Column("cursor_date", Date),  # metrics: newest day seen
    Column("synced_at", UtcDateTime, nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    # What the latest sync could not take (SPEC §4.5: rules do not act on it).
    Column("rejected", Integer, nullable=False, default=0),
    Column("error", Text),  # the latest sync's failure; None when it ran to its end
    Column("source", Text),  # where the first rejected row or the failure came from
    Column("succeeded_at", UtcDateTime),  # the latest sync that took every row
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(200), nullable=False),
    # The logical period a scheduled run serves ("2026-03-29"); null for manual runs.
    Column("slot", String(64)),
    Column("trigger", String(20), nullable=False, default="manual"),
    Column("at", UtcDateTime, nullable=False),  # the evaluation instant (now())
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # acted, no_match, all_skipped, dry_run, limit_exceeded, partial, failed, interrupted,
    # missed;
    # null while running.
    Column("outcome", String(20)),
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("matched", Integer, nullable=False, default=0),
    Column("acted", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("trace", JsonText),
    UniqueConstraint("rule", "slot", name="uq_runs_rule_slot"),
    Index("ix_runs_rule_started", "rule", "started_at"),
)

intents = Table(
    "intents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Idempotency key: rule, entity, action, arguments, period. Never executed twice.
    Column("key", String(128), nullable=False, unique=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("rule", String(200), nullable=False),
    Column("entity_type", String(100), nullable=False),
    Column("account", String(100), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("args", JsonText, nullable=False),
    # planned, claimed, done, failed, unknown, deferred, cancelled, undone
    Column("status", String(20), nullable=False),
    Column("not_before", UtcDateTime),  # deferred by quiet hours until then
    Column("lease_owner", String(100)),
    Column("lease_until", UtcDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("before", JsonText),
    Column("after", JsonText),
    Column("reference", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_intents_run", "run_id"),
    Index("ix_intents_status", "status", "not_before"),
    Index("ix_intents_cooldown", "rule", "entity_type", "entity_id", "created_at"),
)

learned_schemas = Table(
    "learned_schemas",
    metadata,
    # What a platform learned about an account's data at sync (a csv folder's formats
    # and columns), handed back to it on every later command so none re-reads the data.
    Column("account", String(100), primary_key=True),
    Column("plugin", String(100), nullable=False),
    Column("body", JsonText, nullable=False),
    Column("learned_at", UtcDateTime, nullable=False),
)

heartbeat = Table(
    "heartbeat",
    metadata,
    Column("name", String(50), primary_key=True),  # "daemon"
    Column("owner", String(200), nullable=False),  # host:pid:uuid of the active daemon
    Column("started_at", UtcDateTime, nullable=False),
    Column("beat_at", UtcDateTime, nullable=False),
    Column("info", JsonText),
)
