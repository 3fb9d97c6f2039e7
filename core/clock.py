"""The one injectable clock: nothing else in shopctl reads the wall clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time, always timezone-aware UTC, and sleeping."""

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never jump (for timeouts)."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`."""
        if seconds > 0:
            time.sleep(seconds)


class FrozenClock(Clock):
    """A clock that stands still until moved: for `--at`, tests and DST drills."""

    def __init__(self, at: datetime):
        self._at = as_utc(at)
        self._mono = 0.0

    def now(self) -> datetime:
        """The frozen instant."""
        return self._at

    def monotonic(self) -> float:
        """Seconds moved since creation."""
        return self._mono

    def sleep(self, seconds: float) -> None:
        """Move forward instead of waiting."""
        self.advance(timedelta(seconds=max(0.0, seconds)))

    def advance(self, delta: timedelta) -> None:
        """Move the clock by `delta` (negative jumps backwards, like a bad NTP step)."""
        self._at += delta
        self._mono += max(0.0, delta.total_seconds())

    def set(self, at: datetime) -> None:
        """Jump to `at`."""
        self._at = as_utc(at)


def as_utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
