"""One active daemon per store (SPEC §8).

SQLite: an exclusive, non-blocking `flock` on a file next to the database. The OS
drops it when the process dies, even by `kill -9`, so a stale lock cannot outlive its
holder. PostgreSQL: a session-level advisory lock held on a dedicated connection for
the daemon's life; when the holder dies its connection closes and the lock is free
for a standby to take.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from shopctl.errors import ShopctlError

# Advisory lock keys are one 64-bit number per database; this one is shopctl's.
ADVISORY_KEY = zlib.crc32(b"shopctl-daemon")


class DaemonRunning(ShopctlError):
    """Another daemon holds the store's lock."""


class StoreLock(Protocol):
    """The store's daemon lock: taken without waiting, held until released."""

    waits: bool  # whether a daemon that cannot take it stands by (True) or gives up

    def acquire(self) -> bool:
        """Take the lock if it is free; True when this process now holds it."""

    def held(self) -> bool:
        """Whether this process still holds it (a lost connection loses the lock)."""

    def release(self) -> None:
        """Let it go (also safe when not held)."""


class FileLock:
    """An `flock` on `<database>.daemon.lock`."""

    waits = False

    def __init__(self, path: Path):
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock if no other process holds it."""
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def held(self) -> bool:
        """True while the file is open and locked by us."""
        return self._file is not None

    def release(self) -> None:
        """Unlock and close the file."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class AdvisoryLock:
    """`pg_try_advisory_lock` on a connection kept open for as long as it is held."""

    waits = True

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY):
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        """Take the lock if no other session holds it."""
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        except Exception:
            conn.close()
            raise
        if not taken:
            conn.close()
            return False
        self._conn = conn
        return True

    def held(self) -> bool:
        """Ask the server whether our session still holds it."""
        if self._conn is None:
            return False
        try:
            query = text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND objid::bigint = :k"
            )
            return bool(self._conn.execute(query, {"k": self.key & 0xFFFFFFFF}).scalar())
        except Exception:
            return False

    def release(self) -> None:
        """Unlock and close the connection (closing alone would release it too)."""
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except Exception:  # the connection is gone, and the lock with it
            pass
        finally:
            self._conn.close()
            self._conn = None


def store_lock(engine: Engine) -> StoreLock:
    """The lock that keeps a second daemon off this store."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ShopctlError("the daemon needs a store file or server, not an in-memory SQLite")
    return FileLock(Path(database).with_name(Path(database).name + ".daemon.lock"))
