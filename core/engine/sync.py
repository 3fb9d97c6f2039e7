"""Sync: pull entities and daily metrics from every platform account into the store.

Records are pulled incrementally from the cursor kept in `sync_state`, coerced to the
declared types and upserted in batches. Each batch is one transaction, so nothing is
ever half-written. The cursor only moves when a fetch ran to its end, in the same
transaction as the last batch: if a platform fails midway, the batches already
written stay (they are newer data) and the next sync starts again from the old cursor.
A bad record is reported with its account, type, position and `_source`, and the
other rows still load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from shopctl.engine.redact import redact
from shopctl.engine.sync_report import PlatformFailure, RowError, SyncCount, SyncReport
from shopctl.errors import ShopctlError
from shopctl.platform import Rejected
from shopctl.project import Project
from shopctl.registry import EntityType
from shopctl.store.coerce import CoercionError, RowCoercer, to_date, to_text, to_timestamp
from shopctl.store.engine import READ_ONLY
from shopctl.store.entities import ACCOUNT, LABELS, SYNCED_AT, EntityTables
from shopctl.store.pg_copy import CopyUpsert
from shopctl.store.tables import sync_state
from shopctl.store.upsert import BulkUpsert, bulk_upsert, upsert

BATCH_SIZE = 5000
# Keys a record may carry to say when it last changed; the newest one is the cursor.
CURSOR_KEYS = ("updated_at", "_updated_at")
# Ad platforms revise the last days' figures (late conversions), so those are re-read.
METRICS_LOOKBACK = timedelta(days=2)
SOURCE_KEY = "_source"

Progress = Callable[[str, int, int | None], None]
"""Called as rows are written: (label such as "shop.customer", rows done, total or None)."""


def sync(
    project: Project,
    account: str | None = None,
    entity_type: str | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Pull every configured account's entity types (or only the ones asked for)."""
    accounts = [account] if account is not None else list(project.config.accounts)
    report = SyncReport()
    accounts = _learn(project, accounts, report)
    registry = project.registry
    plan = [(name, t) for name in accounts for t in project.platform(name).provides]
    if entity_type is not None:
        plan = [(name, t) for name, t in plan if t == entity_type]
        if not plan:
            who = f"account {account!r} does not provide" if account else "no account provides"
            raise ShopctlError(f"{who} entity type {entity_type!r}")
    syncer = _Syncer(project, EntityTables(registry), progress, report)
    started = project.clock.monotonic()
    for name, type_name in plan:
        declared = registry.entity_types.get(type_name)
        if declared is None:
            plugin = project.config.accounts[name].plugin
            message = f"it provides {type_name!r}, which no plugin declares"
            report.failures.append(PlatformFailure(name, plugin, type_name, "entities", message))
            continue
        syncer.entities(name, declared)
        if declared.metrics:
            syncer.metrics(name, declared)
    report.seconds = project.clock.monotonic() - started
    return report


def _learn(project: Project, accounts: list[str], report: SyncReport) -> list[str]:
    """Let each account whose platform learns its schema read it; keep what changed.

    An account whose data cannot be read is reported and left out; the others go on.
    """
    readable = []
    for name in accounts:
        platform = project.platform(name)
        if not platform.learns():
            readable.append(name)
            continue
        try:
            body = platform.learn()
        except Exception as exc:  # one account's unreadable data hurts only itself
            plugin = project.config.accounts[name].plugin
            message = redact(str(exc), project.config.secrets())
            report.failures.append(PlatformFailure(name, plugin, "*", "schema", message))
            continue
        kept = project.learned.get(name)
        if body is not None and (kept is None or dict(kept.body) != dict(body)):
            project.keep_learned(name, body)
        readable.append(name)
    return readable


class _Syncer:
    """One sync run: the engine, compiled coercers and statements, and the report."""

    def __init__(
        self,
        project: Project,
        tables: EntityTables,
        progress: Progress | None,
        report: SyncReport,
    ):
        self.project = project
        self.tables = tables
        self.engine: Engine = project.engine
        self.progress = progress
        self.report = report
        self.now = project.clock.now()
        self._secrets = [s for s in project.config.secrets() if s]

    def entities(self, account: str, entity_type: EntityType) -> None:
        """Sync the records of one type from one account."""
        table = self.tables.entity(entity_type.name)
        writer = bulk_upsert(table, self.engine.dialect, keep=(LABELS,))
        constants: dict[str, Any] = {ACCOUNT: account, SYNCED_AT: self.now}
        if LABELS in table.columns:
            constants[LABELS] = []
        fields = [(f.name, f.type) for f in entity_type.fields if f.name != LABELS]
        coerce = RowCoercer(fields, writer.columns, constants, writer.storage())
        id_slot = coerce.index("id")
        state = self._state(account, entity_type.name, "entities")
        since = state.cursor_at if state is not None else None
        newest: list[datetime | None] = [since]

        def to_row(record: Mapping[str, Any]) -> tuple[Any, ...]:
            if record.__class__ is Rejected:
                raise RejectedRecord(record)  # type: ignore[arg-type]
            row = coerce(record)
            if not row[id_slot]:
                raise CoercionError("id", record.get("id"), "text (an id is required)")
            changed = record.get(CURSOR_KEYS[0])
            if changed is None:
                changed = record.get(CURSOR_KEYS[1])
            if changed is not None:
                try:
                    moment = to_timestamp(changed)
                except (TypeError, ValueError):
                    raise CoercionError("updated_at", changed, "timestamp") from None
                if newest[0] is None or moment > newest[0]:  # type: ignore[operator]
                    newest[0] = moment
            return row

        platform = self.project.platform(account)
        self._load(
            account,
            entity_type.name,
            "entities",
            lambda: platform.fetch(entity_type.name, since),
            to_row,
            writer,
            lambda: {"cursor_at": newest[0], "cursor_date": None},
        )

    def metrics(self, account: str, entity_type: EntityType) -> None:
        """Sync the daily metric rows of one type from one account."""
        table = self.tables.metrics(entity_type.name)
        writer = bulk_upsert(table, self.engine.dialect)
        columns: list[tuple[str, Any]] = [("id", "text"), ("date", "date")]
        columns += [(m.name, "number") for m in entity_type.metrics]
        coerce = RowCoercer(columns, writer.columns, {ACCOUNT: account}, writer.storage())
        id_slot, date_slot = coerce.index("id"), coerce.index("date")
        state = self._state(account, entity_type.name, "metrics")
        last = state.cursor_date if state is not None else None
        since = last - METRICS_LOOKBACK if last is not None else None
        # The newest date seen, in the row's storage form (ISO text on SQLite).
        newest: list[Any] = [None]

        def to_row(record: Mapping[str, Any]) -> tuple[Any, ...]:
            if record.__class__ is Rejected:
                raise RejectedRecord(record)  # type: ignore[arg-type]
            row = coerce(record)
            day = row[date_slot]
            if not row[id_slot] or day is None:
                name = "date" if row[id_slot] else "id"
                raise CoercionError(name, record.get(name), f"{name} (required)")
            if newest[0] is None or day > newest[0]:
                newest[0] = day
            return row

        def cursor() -> dict[str, Any]:
            seen = to_date(newest[0]) if isinstance(newest[0], str) else newest[0]
            known = [d for d in (last, seen) if d is not None]
            return {"cursor_at": None, "cursor_date": max(known) if known else None}

        platform = self.project.platform(account)
        self._load(
            account,
            entity_type.name,
            "metrics",
            lambda: platform.fetch_metrics(entity_type.name, since),
            to_row,
            writer,
            cursor,
        )

    def _load(
        self,
        account: str,
        type_name: str,
        kind: str,
        fetch: Callable[[], Iterable[Mapping[str, Any]]],
        to_row: Callable[[Mapping[str, Any]], tuple[Any, ...]],
        writer: BulkUpsert | CopyUpsert,
        cursor: Callable[[], dict[str, Any]],
    ) -> None:
        count = SyncCount(account, type_name, kind)
        self.report.counts.append(count)
        label = f"{account}.{type_name}" + (" metrics" if kind == "metrics" else "")
        started = self.project.clock.monotonic()
        position = 0
        try:
            records = fetch()
            total = len(records) if hasattr(records, "__len__") else None  # type: ignore[arg-type]
            if self.progress:
                self.progress(label, 0, total)
            batches = _batches(records, BATCH_SIZE)
            batch = next(batches, [])
            while True:
                following = next(batches, None)
                try:
                    rows = list(map(to_row, batch))
                except (CoercionError, RejectedRecord):
                    rows = self._good_rows(batch, position, to_row, count)
                position += len(batch)
                with self.engine.begin() as conn:
                    writer.execute(conn, rows)
                    if following is None:
                        self._save_state(conn, account, type_name, kind, count, rows, cursor())
                count.rows += len(rows)
                if self.progress:
                    self.progress(label, position, total)
                if following is None:
                    count.complete = True
                    break
                batch = following
        except SQLAlchemyError:
            raise  # the store failing is not the platform's fault
        except Exception as exc:  # a plugin's failure is reported, the others go on
            plugin = self.project.config.accounts[account].plugin
            message = self._scrub(f"{type(exc).__name__}: {exc}")
            self.report.failures.append(PlatformFailure(account, plugin, type_name, kind, message))
        finally:
            count.seconds = self.project.clock.monotonic() - started

    def _good_rows(
        self,
        batch: list[Mapping[str, Any]],
        before: int,
        to_row: Callable[[Mapping[str, Any]], tuple[Any, ...]],
        count: SyncCount,
    ) -> list[tuple[Any, ...]]:
        """The rows of a batch that has bad records; each bad one becomes a RowError."""
        rows = []
        for position, record in enumerate(batch, start=before + 1):
            try:
                rows.append(to_row(record))
            except RejectedRecord as exc:
                count.rejected += 1
                rejected = exc.record
                self.report.errors.append(
                    RowError(
                        count.account,
                        count.entity_type,
                        count.kind,
                        position,
                        rejected.id,
                        rejected.source,
                        rejected.reason,
                    )
                )
            except CoercionError as exc:
                count.rejected += 1
                self.report.errors.append(
                    _row_error(count.account, count.entity_type, count.kind, position, record, exc)
                )
        return rows

    def _state(self, account: str, type_name: str, kind: str) -> Any:
        query = select(sync_state).where(
            sync_state.c.account == account,
            sync_state.c.entity_type == type_name,
            sync_state.c.kind == kind,
        )
        with self.engine.connect().execution_options(**READ_ONLY) as conn:
            return conn.execute(query).first()

    def _save_state(
        self,
        conn: Connection,
        account: str,
        type_name: str,
        kind: str,
        count: SyncCount,
        last_rows: list[tuple[Any, ...]],
        cursor: dict[str, Any],
    ) -> None:
        values = {
            "account": account,
            "entity_type": type_name,
            "kind": kind,
            "synced_at": self.now,
            "rows": count.rows + len(last_rows),
            **cursor,
        }
        conn.execute(upsert(sync_state, conn.dialect), [values])

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class RejectedRecord(Exception):
    """A `Rejected` record met where a row was expected."""

    def __init__(self, record: Rejected):
        super().__init__(record.reason)
        self.record = record


def _row_error(
    account: str, type_name: str, kind: str, position: int, record: Any, exc: CoercionError
) -> RowError:
    record_id = record.get("id") if isinstance(record, Mapping) else None
    try:
        shown_id = to_text(record_id)
    except TypeError:
        shown_id = None
    source = record.get(SOURCE_KEY) if isinstance(record, Mapping) else None
    return RowError(account, type_name, kind, position, shown_id, source, str(exc))


def _batches(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch
