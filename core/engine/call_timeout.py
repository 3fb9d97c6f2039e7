"""Plugin calls with a time limit: a hung platform must not hang the executor.

The call runs in a daemon worker thread; when it overruns, the executor stops waiting
and treats the outcome as unknown. Python cannot kill the thread, so a call that
eventually returns may still have had its effect — which is exactly why a timed-out
call is never blindly resent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class CallTimeoutError(Exception):
    """The plugin call did not return within its time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"no answer within {seconds:g}s")
        self.seconds = seconds


def call_with_timeout(func: Callable[[], T], seconds: float) -> T:
    """`func()`, or CallTimeoutError when it takes longer than `seconds`."""
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["value"] = func()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="shopctl-plugin-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise CallTimeoutError(seconds)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
