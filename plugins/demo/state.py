"""The demo shop's persisted state: one SQLite file per account under the state folder.

Records are kept as JSON; fields whose names end in `_at` are instants. The file
survives restarts, so what actions did (a paused ad group, a new title, an issued
coupon) stays done, and the `effects` table remembers every idempotency key.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

Row = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    type TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, profile TEXT,
    updated_at TEXT NOT NULL, PRIMARY KEY (type, id));
CREATE INDEX IF NOT EXISTS entities_updated ON entities (type, updated_at);
CREATE INDEX IF NOT EXISTS entities_newest ON entities (updated_at);
CREATE TABLE IF NOT EXISTS metrics (
    type TEXT NOT NULL, id TEXT NOT NULL, date TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (type, date, id));
CREATE TABLE IF NOT EXISTS effects (
    key TEXT PRIMARY KEY, action TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
    result TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS coupons (
    code TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, customer_id TEXT NOT NULL,
    amount REAL NOT NULL, issued_at TEXT NOT NULL, expires_at TEXT NOT NULL, via TEXT);
"""


def stamp(moment: datetime) -> str:
    """An instant as fixed-width UTC text, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def encode(row: Row) -> str:
    """A record as JSON; instants as ISO 8601 text."""
    return json.dumps(
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()},
        ensure_ascii=False,
    )


def decode(text: str) -> Row:
    """A record from JSON; `…_at` fields back to aware datetimes."""
    row = json.loads(text)
    for key, value in row.items():
        if key.endswith("_at") and isinstance(value, str):
            row[key] = datetime.fromisoformat(value)
    return row


class DemoState:
    """The SQLite file of one demo account."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE so a
        # key check and its effect are one atomic step even across processes.
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic, exclusive-for-writers step; nested uses join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def meta(self, key: str) -> str | None:
        """A stored setting of the shop itself (seed, generation time…)."""
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the shop itself."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def add_generated(self, shop: dict[str, list[Row]], profiles: dict, at: datetime) -> None:
        """Insert a freshly generated shop, every record changed at `at`."""
        for entity_type, rows in shop.items():
            self._insert(entity_type, rows, profiles, stamp(at))

    def add_entities(self, entity_type: str, rows: list[Row], profiles: dict, at: datetime) -> None:
        """Insert new records (with their hidden traits), changed at `at` or just after."""
        self._insert(entity_type, rows, profiles, self._change_time(at))

    def _insert(self, entity_type: str, rows: list[Row], profiles: dict, changed: str) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO entities VALUES (?, ?, ?, ?, ?)",
            [
                (
                    entity_type,
                    row["id"],
                    encode(row),
                    json.dumps(profiles.get((entity_type, row["id"]))),
                    changed,
                )
                for row in rows
            ],
        )

    def entities(self, entity_type: str, since: datetime | None = None) -> list[Row]:
        """Records of a type changed after `since` (all when None), by id, with updated_at."""
        query = "SELECT data, updated_at FROM entities WHERE type = ?"
        params: list[Any] = [entity_type]
        if since is not None:
            query += " AND updated_at > ?"
            params.append(stamp(since))
        rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [{**decode(data), "updated_at": datetime.fromisoformat(at)} for data, at in rows]

    def entity(self, entity_type: str, entity_id: str) -> Row | None:
        """One record, or None."""
        found = self._db.execute(
            "SELECT data FROM entities WHERE type = ? AND id = ?", (entity_type, entity_id)
        ).fetchone()
        return decode(found[0]) if found else None

    def profiles(self, entity_type: str) -> list[tuple[Row, Row]]:
        """Every record of a type with its hidden traits."""
        rows = self._db.execute(
            "SELECT data, profile FROM entities WHERE type = ? ORDER BY id", (entity_type,)
        ).fetchall()
        return [(decode(data), json.loads(profile or "{}")) for data, profile in rows]

    def ids(self, entity_type: str) -> list[str]:
        """The ids of a type, in order."""
        rows = self._db.execute(
            "SELECT id FROM entities WHERE type = ? ORDER BY id", (entity_type,)
        )
        return [row[0] for row in rows]

    def open_orders(self) -> list[tuple[Row, Row]]:
        """Orders not yet delivered, with their shipping plan."""
        rows = self._db.execute(
            "SELECT data, profile FROM entities WHERE type = 'order' AND profile IS NOT NULL "
            "AND json_extract(data, '$.status') IN ('paid', 'shipped') ORDER BY id"
        ).fetchall()
        return [(decode(data), json.loads(profile)) for data, profile in rows]

    def expiring_points(self, now: datetime) -> list[Row]:
        """Customers whose points expire at or before `now` and are not yet cleared."""
        return [
            row
            for row, _ in self.profiles("customer")
            if row.get("points") and row.get("points_expire_at") and row["points_expire_at"] <= now
        ]

    def update(self, entity_type: str, entity_id: str, changes: Row, at: datetime) -> None:
        """Change some fields of a record and mark it changed at `at`.

        Change times never go back and each change gets a new one, even under a frozen
        clock, so a sync asking for changes after the newest time it saw misses none.
        """
        row = self.entity(entity_type, entity_id)
        if row is None:
            raise KeyError(entity_id)
        row.update(changes)
        self._db.execute(
            "UPDATE entities SET data = ?, updated_at = ? WHERE type = ? AND id = ?",
            (encode(row), self._change_time(at), entity_type, entity_id),
        )

    def _change_time(self, at: datetime) -> str:
        """`at`, or just after the newest change time if that is not earlier."""
        newest = self._db.execute("SELECT MAX(updated_at) FROM entities").fetchone()[0]
        if newest is not None:
            at = max(at, datetime.fromisoformat(newest) + timedelta(microseconds=1))
        return stamp(at)

    def add_metrics(self, entity_type: str, rows: list[tuple[str, date, Row]]) -> None:
        """Insert daily metric rows (id, date, values)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO metrics VALUES (?, ?, ?, ?)",
            [(entity_type, i, d.isoformat(), json.dumps(values)) for i, d, values in rows],
        )

    def metrics(
        self, entity_type: str, since: date | None = None, until: date | None = None
    ) -> list[Row]:
        """Daily metric rows `{id, date, …}` from `since` to `until`, by date then id."""
        query = "SELECT id, date, data FROM metrics WHERE type = ?"
        params: list[Any] = [entity_type]
        if since is not None:
            query += " AND date >= ?"
            params.append(since.isoformat())
        if until is not None:
            query += " AND date <= ?"
            params.append(until.isoformat())
        rows = self._db.execute(query + " ORDER BY date, id", params).fetchall()
        return [{"id": i, "date": date.fromisoformat(d), **json.loads(data)} for i, d, data in rows]

    def effect(self, key: str) -> Row | None:
        """What the action done under idempotency key `key` returned, or None."""
        found = self._db.execute("SELECT result FROM effects WHERE key = ?", (key,)).fetchone()
        return decode_result(found[0]) if found else None

    def add_effect(
        self, key: str, action: str, entity: tuple[str, str], result: Row, at: datetime
    ) -> None:
        """Remember that the action under `key` took effect."""
        self._db.execute(
            "INSERT INTO effects VALUES (?, ?, ?, ?, ?, ?)",
            (key, action, entity[0], entity[1], encode_result(result), at.isoformat()),
        )

    def add_coupon(self, coupon: Row) -> None:
        """Record an issued coupon."""
        self._db.execute(
            "INSERT INTO coupons VALUES (:code, :key, :customer_id, :amount, :issued_at, "
            ":expires_at, :via)",
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in coupon.items()},
        )

    def coupons(self, customer_id: str) -> list[Row]:
        """The coupons issued to a customer, oldest first."""
        cursor = self._db.execute(
            "SELECT code, key, customer_id, amount, issued_at, expires_at, via FROM coupons "
            "WHERE customer_id = ? ORDER BY issued_at, code",
            (customer_id,),
        )
        names = [c[0] for c in cursor.description]
        return [decode(json.dumps(dict(zip(names, row, strict=True)))) for row in cursor]

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def encode_result(result: Row) -> str:
    """An action result (before/after/reference/detail) as JSON."""
    return json.dumps(
        {k: json.loads(encode(v)) if isinstance(v, dict) else v for k, v in result.items()},
        ensure_ascii=False,
    )


def decode_result(text: str) -> Row:
    """An action result back from JSON."""
    return {
        k: decode(json.dumps(v)) if isinstance(v, dict) else v for k, v in json.loads(text).items()
    }
