"""Slot keys and due fires: one run per logical period, across DST and clock jumps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shopctl.daemon.slots import (
    describe,
    fires_between,
    grace,
    next_fire,
    plan_due,
    slot_key,
    trigger_for,
)
from shopctl.rules.model import Schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURLY = Schedule(every=timedelta(hours=1))
DAILY_0230 = Schedule(at=time(2, 30))


def utc(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)


def test_an_hourly_slot_is_the_local_hour_it_starts() -> None:
    fire = next_fire(trigger_for(HOURLY, SHANGHAI), utc(2026, 3, 29, 6, 20))
    assert fire == utc(2026, 3, 29, 7, 0)
    assert slot_key(HOURLY, fire, SHANGHAI) == "2026-03-29T15:00"


def test_intervals_are_aligned_to_local_midnight_in_half_hour_zones() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    fire = next_fire(trigger_for(HOURLY, kolkata), utc(2026, 3, 29, 6, 20))
    assert fire is not None
    assert fire.astimezone(kolkata).minute == 0


def test_daily_weekly_and_cron_slots() -> None:
    fire = utc(2026, 3, 23, 8, 0)  # Monday 09:00 in Berlin
    assert slot_key(Schedule(at=time(9, 0)), fire, BERLIN) == "2026-03-23"
    assert slot_key(Schedule(at=time(9, 0), weekday="mon"), fire, BERLIN) == "2026-W13"
    assert slot_key(Schedule(cron="0 9 * * mon"), fire, BERLIN) == "2026-03-23T09:00"


def test_weekly_at_fires_on_its_weekday_only() -> None:
    schedule = Schedule(at=time(9, 0), weekday="mon")
    fires = fires_between(trigger_for(schedule, BERLIN), utc(2026, 3, 20), utc(2026, 4, 6))
    assert [f.astimezone(BERLIN).strftime("%a %H:%M") for f in fires] == ["Mon 09:00"] * 2
    assert [slot_key(schedule, f, BERLIN) for f in fires] == ["2026-W13", "2026-W14"]


@pytest.mark.parametrize(("weekday", "day"), [("0", "Sun"), ("7", "Sun"), ("1", "Mon")])
def test_a_crontab_rule_fires_on_its_crontab_weekday(weekday: str, day: str) -> None:
    schedule = Schedule(cron=f"0 9 * * {weekday}")
    fire = next_fire(trigger_for(schedule, BERLIN), utc(2026, 3, 23))
    assert fire is not None and fire.astimezone(BERLIN).strftime("%a %H:%M") == f"{day} 09:00"


@pytest.mark.parametrize(
    ("zone", "change_day"),
    [
        (BERLIN, date(2026, 3, 29)),  # spring forward: 02:30 does not exist
        (BERLIN, date(2026, 10, 25)),  # fall back: 02:30 happens twice
        (NEW_YORK, date(2026, 3, 8)),
        (NEW_YORK, date(2026, 11, 1)),
    ],
)
def test_a_daily_0230_rule_runs_once_per_local_date_around_dst(
    zone: ZoneInfo, change_day: date
) -> None:
    # Walk the clock minute by minute across three days, as the daemon's sweeps would.
    # The store's unique (rule, slot) key is modelled by `taken`.
    start = datetime.combine(change_day - timedelta(days=1), time(0, 0), zone).astimezone(UTC)
    since, now, ran, taken = start, start, [], set()
    while now < start + timedelta(days=3):
        now += timedelta(minutes=1)
        plan = plan_due(DAILY_0230, zone, since, now)
        assert not plan.missed
        if plan.run is not None and plan.run.slot not in taken:
            taken.add(plan.run.slot)
            ran.append(plan.run.fire_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
        since = plan.checked_until or since
    days = [(change_day + timedelta(days=d)).isoformat() for d in (-1, 0, 1)]
    assert [r[:10] for r in ran] == days
    assert ran[0].endswith("02:30") and ran[2].endswith("02:30")
    assert ran[1][11:] in ("02:30", "03:30")  # 03:30 where 02:30 did not exist


def test_on_the_spring_forward_day_the_missing_0230_runs_at_0330_summer_time() -> None:
    fires = fires_between(
        trigger_for(DAILY_0230, BERLIN), utc(2026, 3, 28, 12), utc(2026, 3, 30, 1)
    )
    assert [f.astimezone(BERLIN).strftime("%d %H:%M %Z") for f in fires] == [
        "29 03:30 CEST",
        "30 02:30 CEST",
    ]


def test_the_repeated_hour_of_a_fall_back_day_holds_two_hourly_slots() -> None:
    fires = fires_between(trigger_for(HOURLY, BERLIN), utc(2026, 10, 24, 23), utc(2026, 10, 25, 2))
    assert [slot_key(HOURLY, f, BERLIN) for f in fires] == [
        "2026-10-25T02:00+0200",
        "2026-10-25T02:00+0100",
        "2026-10-25T03:00",
    ]


def test_cron_fires_keep_moving_forward_through_a_fall_back_hour() -> None:
    schedule = Schedule(cron="*/15 2 * * *")
    fires = fires_between(
        trigger_for(schedule, BERLIN), utc(2026, 10, 24, 23), utc(2026, 10, 26, 2)
    )
    assert fires == sorted(set(fires))
    assert len(fires) == 8 + 4  # both 02:xx hours on the 25th, one on the 26th


def test_downtime_runs_the_latest_slot_and_misses_the_older_ones() -> None:
    plan = plan_due(HOURLY, SHANGHAI, utc(2026, 5, 1, 10, 0, 5), utc(2026, 5, 1, 13, 30))
    assert plan.run is not None and plan.run.slot == "2026-05-01T21:00"
    assert [d.slot for d in plan.missed] == ["2026-05-01T19:00", "2026-05-01T20:00"]


def test_a_weekly_slot_older_than_a_day_is_missed_not_run() -> None:
    weekly = Schedule(at=time(9, 0), weekday="mon")
    plan = plan_due(weekly, SHANGHAI, utc(2026, 4, 20, 2), utc(2026, 5, 7, 3))
    assert plan.run is None
    assert [d.slot for d in plan.missed] == ["2026-W19"]
    assert plan.uncounted == 1  # 2026-W18 is older than the lookback


def test_missed_fires_beyond_the_lookback_are_counted_not_listed() -> None:
    plan = plan_due(HOURLY, SHANGHAI, utc(2026, 4, 1), utc(2026, 5, 1, 0, 30))
    assert plan.run is not None
    assert len(plan.missed) == 7 * 24 - 1
    assert plan.uncounted == 23 * 24


def test_a_clock_that_jumped_back_makes_nothing_due() -> None:
    plan = plan_due(HOURLY, SHANGHAI, utc(2026, 5, 1, 10, 30), utc(2026, 5, 1, 9, 45))
    assert plan.run is None and not plan.missed
    assert plan.checked_until == utc(2026, 5, 1, 10, 30)


def test_grace_is_one_interval_capped_at_a_day() -> None:
    assert grace(Schedule(every=timedelta(minutes=15))) == timedelta(minutes=15)
    assert grace(Schedule(every=timedelta(days=3))) == timedelta(days=1)
    assert grace(Schedule(cron="0 9 * * *")) == timedelta(days=1)


def test_schedules_are_described_as_operators_write_them() -> None:
    assert describe(HOURLY) == "every 1h"
    assert describe(Schedule(every=timedelta(minutes=90))) == "every 90m"
    assert describe(Schedule(at=time(9, 0), weekday="mon")) == "at mon 09:00"
    assert describe(Schedule(cron="0 9 * * mon")) == "cron 0 9 * * mon"
