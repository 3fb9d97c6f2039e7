"""Durations as operators write them: `15m`, `12h`, `30d`, `2w`, or combined `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
         "w": timedelta(weeks=1)}  # fmt: skip
_DURATION = re.compile(r"(?:\d+[mhdw])+")
_PART = re.compile(r"(\d+)([mhdw])")
# timedelta holds at most 999,999,999 days; far beyond any schedule or window.
MAX_DAYS = 100 * 365


def parse_duration(text: str) -> timedelta:
    """`"1h30m"` -> timedelta(hours=1, minutes=30); ValueError with an operator's
    message when the text is not a duration."""
    text = text.strip()
    if not _DURATION.fullmatch(text):
        raise ValueError(f"'{text}' is not a duration; write e.g. 15m, 12h, 30d or 2w")
    total = timedelta()
    for amount, unit in _PART.findall(text):
        if len(amount) > 6:
            raise ValueError(f"duration '{text}' is too long (at most {MAX_DAYS} days)")
        total += int(amount) * UNITS[unit]
    if total > timedelta(days=MAX_DAYS):
        raise ValueError(f"duration '{text}' is too long (at most {MAX_DAYS} days)")
    return total
