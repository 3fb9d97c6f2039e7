"""Crontab schedules read once, for both the rule checker and the daemon's scheduler.

Crontab numbers weekdays 0-7 with 0 and 7 both Sunday; APScheduler's CronTrigger numbers
them from Monday = 0. Numbers are therefore turned into day names before APScheduler
sees them, so `0 9 * * 7` means Sunday in validation and in scheduling alike.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

_CRON_NUMERIC_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expression: str, zone: tzinfo | str) -> CronTrigger:
    """The APScheduler trigger of a five-field crontab `expression` in `zone`.

    Raises ValueError with APScheduler's or our own reason when a field is invalid.
    """
    minute, hour, day, month, weekday = expression.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=cron_weekdays(weekday),
        timezone=zone,
    )


def cron_weekdays(field_text: str) -> str:
    """A crontab weekday field in APScheduler's terms: crontab's 0 and 7 are Sunday,
    APScheduler's 0 is Monday, so numbers become names."""
    if field_text.startswith("*/"):
        field_text = "0-6" + field_text[1:]
    if not any(ch.isdigit() for ch in field_text):
        return field_text
    return ",".join(_expand(part) for part in field_text.split(","))


def _expand(part: str) -> str:
    if part.isalpha():
        return part
    span, _, step = part.partition("/")
    first, _, last = span.partition("-")
    try:
        start = int(first)
        stop = int(last) if last else (6 if step else start)
        every = int(step or 1)
    except ValueError:
        raise ValueError(f"weekday '{part}' is not a number 0-7 or a day name") from None
    if not (0 <= start <= 7 and 0 <= stop <= 7) or start > stop or every < 1:
        raise ValueError(f"weekday '{part}' is outside 0-7 (0 and 7 are Sunday)")
    days = range(start, stop + 1, every)
    return ",".join(dict.fromkeys(_CRON_NUMERIC_DAYS[d] for d in days))
