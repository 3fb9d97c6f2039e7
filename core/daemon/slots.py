"""Slot keys and due fire times of scheduled rules, in the configured zone (SPEC §8).

A slot is the logical period a scheduled run serves: the local hour bucket of an
`every` rule ("2026-03-29T14:00"), the local date of a daily `at` rule ("2026-03-29"),
the ISO week of a weekly one ("2026-W13"), the local fire time of a cron rule. The
store keeps runs unique by (rule, slot), so a slot never runs twice, whatever the clock
does. APScheduler's triggers do the calendar arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from shopctl.clock import as_utc
from shopctl.rules.cron import cron_trigger
from shopctl.rules.model import WEEKDAYS, Schedule

# After downtime, the latest missed fire still runs if it is at most this old.
MAX_GRACE = timedelta(days=1)
# How far back missed slots are looked for; older ones are counted, not recorded.
LOOKBACK = timedelta(days=7)
# Intervals of `every` rules are counted from this local midnight, so hourly buckets
# start on the hour in any zone (also in +05:30 ones).
# Fires older than LOOKBACK are counted up to this many (an alert says "at least").
MAX_UNCOUNTED = 10_000
_INTERVAL_ORIGIN = (2000, 1, 3)  # a Monday
_ONE_SECOND = timedelta(seconds=1)
_DST_MARGIN = timedelta(hours=3)


@dataclass(frozen=True)
class Due:
    """One fire of a rule: its instant (UTC) and its slot key."""

    fire_at: datetime
    slot: str


@dataclass(frozen=True)
class DuePlan:
    """What to do for a rule at an instant: the slot to run, the slots it missed."""

    run: Due | None = None
    missed: tuple[Due, ...] = ()
    # Missed fires older than LOOKBACK: too many to record one by one.
    uncounted: int = 0
    checked_until: datetime | None = field(default=None, compare=False)


def trigger_for(schedule: Schedule, zone: ZoneInfo) -> BaseTrigger:
    """The APScheduler trigger of a rule's schedule in `zone`."""
    if schedule.every is not None:
        origin = datetime(*_INTERVAL_ORIGIN, tzinfo=zone)
        return IntervalTrigger(
            seconds=int(schedule.every.total_seconds()), start_date=origin, timezone=zone
        )
    if schedule.cron is not None:
        return cron_trigger(schedule.cron, zone)
    assert schedule.at is not None, "a schedule has every, cron or at"
    return CronTrigger(
        day_of_week=schedule.weekday,
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        timezone=zone,
    )


def slot_key(schedule: Schedule, fire_at: datetime, zone: ZoneInfo) -> str:
    """The slot a fire at `fire_at` serves, named in local time."""
    local = fire_at.astimezone(zone)
    if schedule.at is not None and schedule.weekday is not None:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    if schedule.at is not None:
        return local.date().isoformat()
    key = local.strftime("%Y-%m-%dT%H:%M")
    if schedule.every is not None and _is_ambiguous(local):
        # The repeated hour of a fall-back day holds two buckets of an `every` rule.
        key += local.strftime("%z")
    return key


def _is_ambiguous(local: datetime) -> bool:
    # A real instant's local time never falls in a gap, so differing offsets mean
    # the wall time occurs twice.
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def grace(schedule: Schedule) -> timedelta:
    """How old the latest missed fire may be and still run after downtime."""
    return min(schedule.every or MAX_GRACE, MAX_GRACE)


def next_fire(trigger: BaseTrigger, after: datetime) -> datetime | None:
    """The first fire strictly after `after` (UTC), or None if there is none."""
    after = as_utc(after)
    for fire in _fires_from(trigger, after - _margin(trigger)):
        if fire > after:
            return fire
    return None


def fires_between(
    trigger: BaseTrigger, start: datetime, end: datetime, limit: int | None = None
) -> list[datetime]:
    """Every fire in (start, end], oldest first, UTC; at most `limit` of them."""
    start, end = as_utc(start), as_utc(end)
    fires: list[datetime] = []
    for fire in _fires_from(trigger, start - _margin(trigger)):
        if fire > end or (limit is not None and len(fires) >= limit):
            break
        if fire > start:
            fires.append(fire)
    return fires


def _margin(trigger: BaseTrigger) -> timedelta:
    # Cron arithmetic works in wall time: asked from inside the hour after a spring-
    # forward gap, it skips the fire the gap moved there (02:30 -> 03:30). Starting
    # the walk before the gap finds it.
    return _DST_MARGIN if isinstance(trigger, CronTrigger) else timedelta(0)


def _fires_from(trigger: BaseTrigger, cursor: datetime) -> Iterator[datetime]:
    """The trigger's fires from `cursor` on, strictly increasing."""
    cursor = cursor.replace(microsecond=0)
    while True:
        fire = _first_at_or_after(trigger, cursor)
        if fire is None:
            return
        yield fire
        cursor = fire + _ONE_SECOND


def _first_at_or_after(trigger: BaseTrigger, cursor: datetime) -> datetime | None:
    for step in (timedelta(minutes=1),) * 8 + (timedelta(hours=1),) * 4:
        fire = trigger.get_next_fire_time(None, cursor)
        if fire is None:
            return None
        if as_utc(fire) >= cursor:
            return as_utc(fire)
        # APScheduler 3's cron arithmetic can step backwards inside a fall-back hour;
        # moving the cursor on gets it past the repeated wall time.
        cursor = cursor.replace(second=0) + step
    return None


def plan_due(schedule: Schedule, zone: ZoneInfo, since: datetime, now: datetime) -> DuePlan:
    """What is due at `now` for a rule whose fires up to `since` were handled.

    The latest fire in (since, now] runs if it is within the rule's grace; every older
    one, and a latest one past grace, is missed. A clock that went backwards
    (`now` < `since`) makes nothing due: the slots up to `since` were handled.
    """
    now, since = as_utc(now), as_utc(since)
    if now <= since:
        return DuePlan(checked_until=since)
    trigger = trigger_for(schedule, zone)
    horizon = max(since, now - LOOKBACK)
    uncounted = len(fires_between(trigger, since, horizon, MAX_UNCOUNTED)) if horizon > since else 0
    fires = fires_between(trigger, horizon, now)
    if not fires:
        return DuePlan(uncounted=uncounted, checked_until=now)
    keys = _unique_slots(fires, schedule, zone)
    latest = keys[-1]
    if now - latest.fire_at <= grace(schedule):
        return DuePlan(latest, tuple(keys[:-1]), uncounted, now)
    return DuePlan(None, tuple(keys), uncounted, now)


def _unique_slots(fires: list[datetime], schedule: Schedule, zone: ZoneInfo) -> list[Due]:
    # Two fires can serve one slot (02:30 twice on a fall-back day): the first counts.
    seen: dict[str, Due] = {}
    for fire in fires:
        key = slot_key(schedule, fire, zone)
        seen.setdefault(key, Due(fire, key))
    return list(seen.values())


def describe(schedule: Schedule) -> str:
    """The schedule as an operator wrote it: `every 1h`, `cron 0 9 * * mon`, `at mon 09:00`."""
    if schedule.every is not None:
        return f"every {_duration(schedule.every)}"
    if schedule.cron is not None:
        return f"cron {schedule.cron}"
    assert schedule.at is not None
    day = f"{schedule.weekday} " if schedule.weekday in WEEKDAYS else ""
    return f"at {day}{schedule.at:%H:%M}"


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
