"""The daemon's stop flag, which also trips when the daemon may no longer act.

Everything the daemon runs reads the flag: the scheduler before each slot, the
executor between actions. Once armed, reading it also asks, at most every `every`
seconds, whether the store is still the one the daemon started on and the lease still
names this daemon; a "no" stops every worker at its next read, with the reason kept
for the log, the alert and the exit status. A query per action would cost throughput;
one per `every` bounds how long a daemon that lost its store or lease goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

# What a check answers: None while the daemon may act, else (event name, reason).
Check = Callable[[], tuple[str, str] | None]


class StopFlag(threading.Event):
    """A threading.Event that a failed check sets, keeping why."""

    def __init__(self, monotonic: Callable[[], float], every: float = 1.0):
        super().__init__()
        self.monotonic = monotonic  # the project clock's
        self.every = every
        self.reason: tuple[str, str] | None = None
        self._check: Check | None = None
        self._checked = 0.0
        self._checking = threading.Lock()
        self._tripping = threading.Lock()

    def arm(self, check: Check) -> None:
        """Start asking `check` (once the daemon holds the store's lease)."""
        self._check = check
        self._checked = self.monotonic()

    def trip(self, name: str, reason: str) -> None:
        """Stop, saying why (the first reason wins)."""
        with self._tripping:
            if self.reason is None:
                self.reason = (name, reason)
        self.set()

    def is_set(self) -> bool:
        """Whether to stop: asked to, or the check (when due) says the daemon may not act."""
        if super().is_set():
            return True
        if self._check is not None and self.monotonic() - self._checked >= self.every:
            self.check_now()
        return super().is_set()

    def check_now(self) -> bool:
        """Run the check at once (before a slot); True when the daemon may act."""
        if self._check is None or super().is_set():
            return not super().is_set()
        if not self._checking.acquire(blocking=False):
            return True  # another thread is asking right now
        try:
            self._checked = self.monotonic()
            found = self._check()
        finally:
            self._checking.release()
        if found is not None:
            self.trip(*found)
            return False
        return True
