"""The first of two gates to being the active daemon of a store (SPEC §8).

SQLite: an exclusive, non-blocking OS lock on a file next to the resolved database
(`filelock`, so Windows works). The OS drops it when the process dies, even by
`kill -9`. It is a fast refusal only: a hard link or a deleted lock file gets past it,
so the store's own lease (`shopctl.daemon.heartbeat`) decides. PostgreSQL: a
session-level advisory lock held on a dedicated connection for the daemon's life; when
the holder dies its connection closes and the lock is free for a standby to take, which
proves it alone and lets it take the lease at once.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Protocol

import filelock
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
    """An OS lock (`filelock`: flock on Unix, LockFileEx on Windows) on a file beside the
    resolved database, so every symlink to the store names the same lock file."""

    waits = False

    def __init__(self, path: Path):
        self.path = path
        # Kept on release (no unlink race), never a soft marker a kill -9 would leave.
        self._lock = filelock.FileLock(
            path, thread_local=False, fallback_to_soft=False, preserve_lock_file=True
        )

    def acquire(self) -> bool:
        """Take the lock if no other process holds it."""
        try:
            self._lock.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True

    def held(self) -> bool:
        """True while this process holds it."""
        return self._lock.is_locked

    def release(self) -> None:
        """Let it go."""
        if self._lock.is_locked:
            self._lock.release(force=True)


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
    resolved = Path(database).resolve()
    return FileLock(resolved.with_name(resolved.name + ".daemon.lock"))
