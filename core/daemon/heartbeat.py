"""The daemon's heartbeat row: who is active (the lease), since when, and what it is doing."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from shopctl.store.engine import READ_ONLY
from shopctl.store.tables import heartbeat

NAME = "daemon"
# A heartbeat older than this many intervals means the daemon is gone or stuck.
STALE_AFTER_BEATS = 3
DEFAULT_INTERVAL = timedelta(seconds=5)


def daemon_owner() -> str:
    """This process's identity as a daemon: host:pid:random, unique per start."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Beat:
    """The heartbeat as read from the store."""

    owner: str
    started_at: datetime
    beat_at: datetime
    info: dict[str, Any]

    @property
    def host(self) -> str:
        """The host the daemon runs on."""
        return self.owner.split(":")[0]

    @property
    def pid(self) -> int | None:
        """The daemon's process id."""
        parts = self.owner.split(":")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    @property
    def interval(self) -> timedelta:
        """The holder's own beat interval (what "recently" means for it)."""
        seconds = self.info.get("heartbeat_seconds")
        return timedelta(seconds=float(seconds)) if seconds else DEFAULT_INTERVAL

    def alive(self, now: datetime, interval: timedelta) -> bool:
        """Whether it beat recently enough, given the daemon's beat interval."""
        if self.info.get("state") == "stopped":
            return False
        return now - self.beat_at <= interval * STALE_AFTER_BEATS

    def same(self, other: Beat | None) -> bool:
        """Whether `other` is this very beat: same owner, not renewed since."""
        return other is not None and (self.owner, self.beat_at) == (other.owner, other.beat_at)

    def free(self, now: datetime) -> bool:
        """Whether another daemon may take the lease: stopped, or stale by its interval."""
        return not self.alive(now, self.interval)


class Heartbeat:
    """The active daemon's lease: the heartbeat row, taken atomically and renewed.

    The row is the one thing every daemon on a store shares, however it names the
    store (a symlink, a hard link) and whatever happened to a lock file: only the
    owner it names may act.
    """

    def __init__(self, engine: Engine, owner: str):
        self.engine = engine
        self.owner = owner
        self.started_at: datetime | None = None

    def take(
        self, now: datetime, info: dict[str, Any], *, force: bool = False, over: Beat | None = None
    ) -> Beat | None:
        """Claim the row if it is free (none, stopped or stale), ours, exactly `over` (a
        holder seen not beating), or `force`d; None when claimed, else the holder."""
        values = {"owner": self.owner, "started_at": now, "beat_at": now, "info": info}
        try:
            with self.engine.begin() as conn:  # BEGIN IMMEDIATE on SQLite: one taker at a time
                holder = _current(conn, lock=True)
                if holder is None:
                    conn.execute(insert(heartbeat).values(name=NAME, **values))
                elif force or holder.owner == self.owner or holder.same(over) or holder.free(now):
                    conn.execute(update(heartbeat).where(_named).values(**values))
                else:
                    return holder
        except IntegrityError:  # another daemon inserted the first row at the same time
            return read_beat(self.engine)
        self.started_at = now
        return None

    def start(self, now: datetime, info: dict[str, Any]) -> None:
        """Claim the row whoever holds it (a lock already proved this daemon alone)."""
        self.take(now, info, force=True)

    def beat(self, now: datetime, info: dict[str, Any]) -> bool:
        """Renew the lease; False when the row names another owner (the lease is lost)."""
        query = update(heartbeat).where(_named, heartbeat.c.owner == self.owner)
        with self.engine.begin() as conn:
            return conn.execute(query.values(beat_at=now, info=info)).rowcount == 1

    def ours(self) -> bool:
        """Whether the row still names this daemon (read before acting)."""
        beat = read_beat(self.engine)
        return beat is not None and beat.owner == self.owner


def read_beat(engine: Engine) -> Beat | None:
    """The last heartbeat written, or None if no daemon ever ran on this store."""
    with engine.connect().execution_options(**READ_ONLY) as conn:
        return _current(conn)


_named = heartbeat.c.name == NAME


def _current(conn: Connection, lock: bool = False) -> Beat | None:
    query = select(heartbeat).where(_named)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return Beat(row["owner"], row["started_at"], row["beat_at"], row["info"] or {})
