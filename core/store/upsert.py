"""Bulk upserts: INSERT … ON CONFLICT DO UPDATE for SQLite and PostgreSQL.

On SQLite the statement is compiled once and run through the driver's executemany
with rows already in storage form, which is what makes a sync of a million rows take
seconds: SQLAlchemy's per-row parameter processing would cost more than SQLite itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Float, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeEngine

from shopctl.store.columns import JsonText, UtcDateTime
from shopctl.store.pg_copy import CopyUpsert

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def upsert(table: Table, dialect: Dialect, keep: Collection[str] = ()) -> Insert:
    """An insert of every column that updates the existing row on a primary-key clash.

    Columns named in `keep` are written when the row is new and left alone otherwise.
    """
    try:
        insert = _INSERTS[dialect.name]
    except KeyError:
        raise NotImplementedError(f"bulk upsert is not supported on {dialect.name}") from None
    statement = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    changed = {
        c.name: statement.excluded[c.name]
        for c in table.columns
        if c.name not in keys and c.name not in keep
    }
    if not changed:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def bulk_upsert(
    table: Table, dialect: Dialect, keep: Collection[str] = ()
) -> BulkUpsert | CopyUpsert:
    """The fastest whole-row upsert for the dialect: COPY on PostgreSQL, else executemany."""
    if dialect.name == "postgresql":
        return CopyUpsert(table, dialect, keep)
    return BulkUpsert(table, dialect, keep)


class BulkUpsert:
    """An upsert of whole rows, given as tuples in `columns` order, in one executemany."""

    def __init__(self, table: Table, dialect: Dialect, keep: Collection[str] = ()):
        self.statement = upsert(table, dialect, keep)
        compiled = self.statement.compile(dialect=dialect)
        names = [c.name for c in table.columns]
        order = list(compiled.positiontup or ()) if compiled.positional else []
        self._driver_sql = dialect.name == "sqlite" and sorted(order) == sorted(names)
        self.columns: tuple[str, ...] = tuple(order if self._driver_sql else names)
        self._sql = compiled.string
        self._storage = {c.name: _storage(c.type, dialect) for c in table.columns}

    def storage(self) -> dict[str, Callable[[Any], Any]]:
        """Per column, what turns a Python value into the form the driver is given."""
        if not self._driver_sql:
            return {}
        return {name: proc for name, proc in self._storage.items() if proc is not None}

    def execute(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write `rows` (each as produced with `storage()` applied)."""
        if not rows:
            return
        if self._driver_sql:
            conn.exec_driver_sql(self._sql, list(rows))
        else:
            conn.execute(
                self.statement, [dict(zip(self.columns, row, strict=True)) for row in rows]
            )


def _storage(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor, or a faster one proven to give the same value.

    Coerced floats and bools need no processing at all: the driver binds them as is.
    """
    general = column_type.dialect_impl(dialect).bind_processor(dialect)
    kind = type(column_type)
    if general is None or dialect.name != "sqlite" or kind not in _SAMPLES:
        return general
    sample = _SAMPLES[kind]
    fast = _FAST.get(kind)
    if fast is None:
        return None if general(sample) == sample else general
    return fast if fast(sample) == general(sample) and fast(None) is None else general


def _utc_text(value: datetime | None) -> str | None:
    # Values arrive coerced to aware UTC; this is SQLAlchemy's SQLite DATETIME format.
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 - fastest formatting
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def _json_text(value: Any) -> str | None:
    return None if value is None else _JSON.encode(value)


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


_FAST: dict[type, Callable[[Any], Any]] = {
    UtcDateTime: _utc_text,
    JsonText: _json_text,
    Date: _date_text,
}
_SAMPLES: dict[type, Any] = {
    Float: 0.1,
    Boolean: True,
    Date: date(2026, 3, 9),
    UtcDateTime: datetime(2026, 3, 29, 1, 2, 3, 4005, tzinfo=UTC),
    JsonText: ["新疆", 1.5, {"b": 1, "a": None}],
}
