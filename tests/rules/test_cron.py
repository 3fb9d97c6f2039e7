"""Crontab weekday fields: 0 and 7 are Sunday, read the same by checker and scheduler."""

from __future__ import annotations

import pytest

from shopctl.rules.cron import cron_trigger, cron_weekdays


@pytest.mark.parametrize(
    ("crontab", "apscheduler"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("5-7", "fri,sat,sun"),
        ("*/3", "sun,wed,sat"),
        ("mon-fri", "mon-fri"),
    ],
)
def test_crontab_weekday_numbers_count_from_sunday(crontab: str, apscheduler: str) -> None:
    assert cron_weekdays(crontab) == apscheduler


@pytest.mark.parametrize(("weekday", "reason"), [("8", "outside 0-7"), ("5-2", "outside 0-7"),
                                                 ("x1", "not a number")])  # fmt: skip
def test_a_weekday_outside_crontab_range_is_refused_with_its_reason(
    weekday: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        cron_trigger(f"0 9 * * {weekday}", "UTC")
