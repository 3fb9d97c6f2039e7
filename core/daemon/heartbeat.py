"""The daemon's heartbeat row: who is active, since when, and what it is doing."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from shopctl.store.tables import heartbeat

NAME = "daemon"
# A heartbeat older than this many intervals means the daemon is gone or stuck.
STALE_AFTER_BEATS = 3


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

    def alive(self, now: datetime, interval: timedelta) -> bool:
        """Whether it beat recently enough, given the daemon's beat interval."""
        if self.info.get("state") == "stopped":
            return False
        return now - self.beat_at <= interval * STALE_AFTER_BEATS


class Heartbeat:
    """Writes the heartbeat row of the active daemon."""

    def __init__(self, engine: Engine, owner: str):
        self.engine = engine
        self.owner = owner
        self.started_at: datetime | None = None

    def start(self, now: datetime, info: dict[str, Any]) -> None:
        """Claim the row for this daemon (the lock says it is ours to take)."""
        self.started_at = now
        row = {"owner": self.owner, "started_at": now, "beat_at": now, "info": info}
        with self.engine.begin() as conn:
            conn.execute(delete(heartbeat).where(heartbeat.c.name == NAME))
            conn.execute(insert(heartbeat).values(name=NAME, **row))

    def beat(self, now: datetime, info: dict[str, Any]) -> None:
        """Say this daemon is alive and what it is doing."""
        query = (
            update(heartbeat)
            .where(heartbeat.c.name == NAME, heartbeat.c.owner == self.owner)
            .values(beat_at=now, info=info)
        )
        with self.engine.begin() as conn:
            if conn.execute(query).rowcount == 0 and self.started_at is not None:
                row = {"owner": self.owner, "started_at": self.started_at, "info": info}
                conn.execute(delete(heartbeat).where(heartbeat.c.name == NAME))
                conn.execute(insert(heartbeat).values(name=NAME, beat_at=now, **row))


def read_beat(engine: Engine) -> Beat | None:
    """The last heartbeat written, or None if no daemon ever ran on this store."""
    with engine.connect() as conn:
        row = conn.execute(select(heartbeat).where(heartbeat.c.name == NAME)).mappings().first()
    if row is None:
        return None
    return Beat(row["owner"], row["started_at"], row["beat_at"], row["info"] or {})
