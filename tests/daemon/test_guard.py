"""The daemon's stop flag trips, with a reason, when its check says the daemon may not act."""

from __future__ import annotations

import time

from shopctl.daemon.guard import StopFlag


def test_an_unarmed_flag_is_a_plain_event() -> None:
    flag = StopFlag(every=0.0)
    assert not flag.is_set() and flag.check_now()
    flag.set()
    assert flag.is_set() and flag.reason is None


def test_a_failed_check_stops_and_keeps_the_first_reason() -> None:
    answers: list[tuple[str, str] | None] = [None, ("daemon.lease_lost", "taken")]
    flag = StopFlag(every=0.0)
    flag.arm(lambda: answers.pop(0))
    assert flag.check_now()  # the first answer: may act
    assert flag.is_set() and flag.reason == ("daemon.lease_lost", "taken")
    flag.trip("daemon.stalled", "later")
    assert flag.reason == ("daemon.lease_lost", "taken")


def test_reads_between_checks_do_not_ask_the_store() -> None:
    asked: list[float] = []
    flag = StopFlag(every=0.2)
    flag.arm(lambda: asked.append(time.monotonic()))  # type: ignore[func-returns-value]
    for _ in range(1000):
        assert not flag.is_set()
    assert asked == []
    time.sleep(0.25)
    assert not flag.is_set() and len(asked) == 1
    assert flag.check_now() and len(asked) == 2  # before a slot: asked at once
