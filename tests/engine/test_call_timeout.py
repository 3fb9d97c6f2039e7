"""Plugin calls with a time limit, on a reusable worker thread."""

import threading

import pytest

from shopctl.engine.call_timeout import CallTimeoutError, TimedCaller


def test_a_call_returns_its_value_and_raises_its_error() -> None:
    caller = TimedCaller()
    assert caller.call(lambda: 42, 1.0) == 42
    with pytest.raises(KeyError, match="sku"):
        caller.call(lambda: {}["sku"], 1.0)
    caller.close()


def test_calls_share_one_worker_thread() -> None:
    caller = TimedCaller()
    names = {caller.call(lambda: threading.current_thread().ident, 1.0) for _ in range(5)}
    assert len(names) == 1 and threading.get_ident() not in names
    caller.close()


def test_a_hung_call_times_out_and_the_next_call_gets_a_fresh_worker() -> None:
    caller, release = TimedCaller(), threading.Event()
    with pytest.raises(CallTimeoutError, match=r"no answer within 0\.1s"):
        caller.call(lambda: release.wait(5), 0.1)
    assert caller.call(lambda: "next", 1.0) == "next"
    release.set()
    caller.close()
