"""The daemon's stop flag trips, with a reason, when its check says the daemon may not act."""

from __future__ import annotations

from datetime import timedelta

from shopctl.clock import FrozenClock
from shopctl.daemon.guard import StopFlag


def test_an_unarmed_flag_is_a_plain_event(clock: FrozenClock) -> None:
    flag = StopFlag(clock.monotonic, every=0.0)
    assert not flag.is_set() and flag.check_now()
    flag.set()
    assert flag.is_set() and flag.reason is None


def test_a_failed_check_stops_and_keeps_the_first_reason(clock: FrozenClock) -> None:
    answers: list[tuple[str, str] | None] = [None, ("daemon.lease_lost", "taken")]
    flag = StopFlag(clock.monotonic, every=0.0)
    flag.arm(lambda: answers.pop(0))
    assert flag.check_now()  # the first answer: may act
    assert flag.is_set() and flag.reason == ("daemon.lease_lost", "taken")
    flag.trip("daemon.stalled", "later")
    assert flag.reason == ("daemon.lease_lost", "taken")


def test_reads_between_checks_do_not_ask_the_store(clock: FrozenClock) -> None:
    asked: list[float] = []

    def check() -> None:
        asked.append(clock.monotonic())

    flag = StopFlag(clock.monotonic, every=1.0)
    flag.arm(check)
    for _ in range(1000):
        assert not flag.is_set()
    assert asked == []
    clock.advance(timedelta(seconds=1))
    assert not flag.is_set() and asked == [1.0]
    assert flag.check_now() and len(asked) == 2  # before a slot: asked at once
