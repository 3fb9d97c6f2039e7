"""The injectable clock: frozen for --at and tests, always aware UTC."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shopctl.clock import FrozenClock, as_utc


def test_a_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    clock.sleep(90)
    assert clock.now() == datetime(2026, 3, 29, 1, 31, 30, tzinfo=UTC)
    clock.advance(timedelta(hours=-1))  # a backwards NTP step
    assert clock.now().hour == 0
    assert clock.monotonic() == 90  # monotonic time never goes back


def test_local_time_crosses_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    clock = FrozenClock(datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
    assert clock.now().astimezone(berlin).hour == 1
    clock.advance(timedelta(minutes=2))
    assert clock.now().astimezone(berlin).hour == 3  # 02:00-03:00 does not exist that night


def test_naive_times_are_taken_as_utc() -> None:
    assert as_utc(datetime(2026, 1, 1, 12)).tzinfo is UTC
    shanghai = datetime(2026, 1, 1, 20, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert as_utc(shanghai) == datetime(2026, 1, 1, 12, tzinfo=UTC)
