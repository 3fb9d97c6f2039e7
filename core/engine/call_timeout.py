"""Plugin calls with a time limit: a hung platform must not hang the executor.

Calls run one at a time on a daemon worker thread, reused from call to call (starting
a thread per call costs more than many plugin calls). When a call overruns, the caller
stops waiting, treats the outcome as unknown and abandons that worker: Python cannot
kill it, so the stuck call may still take effect — which is exactly why a timed-out
call is never blindly resent. The next call gets a fresh worker.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Job = tuple[Callable[[], Any], dict[str, Any], threading.Event] | None


class CallTimeoutError(Exception):
    """The plugin call did not return within its time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"no answer within {seconds:g}s")
        self.seconds = seconds


class TimedCaller:
    """Runs calls on a worker thread and waits for each at most a given time."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job] | None = None

    def call(self, func: Callable[[], T], seconds: float) -> T:
        """`func()`, or CallTimeoutError when it takes longer than `seconds`."""
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(
                target=_work, args=(self._jobs,), name="shopctl-plugin-call", daemon=True
            ).start()
        outcome: dict[str, Any] = {}
        finished = threading.Event()
        self._jobs.put((func, outcome, finished))
        if not finished.wait(seconds):
            self.close()  # the stuck worker exits once its call returns, if ever
            raise CallTimeoutError(seconds)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    def close(self) -> None:
        """Let the worker thread end after its current call."""
        if self._jobs is not None:
            self._jobs.put(None)
            self._jobs = None


def _work(jobs: queue.SimpleQueue[Job]) -> None:
    while (job := jobs.get()) is not None:
        func, outcome, finished = job
        try:
            outcome["value"] = func()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finished.set()
