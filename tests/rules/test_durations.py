"""Durations as operators write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopctl.rules.durations import MAX_DAYS, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1m", timedelta(minutes=1)),
        ("15m", timedelta(minutes=15)),
        ("12h", timedelta(hours=12)),
        ("30d", timedelta(days=30)),
        ("2w", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 7d ", timedelta(days=7)),
    ],
)
def test_units_and_combinations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "7 d", "7x", "1.5h", "-1d", "7D", "1h 30m"])
def test_what_is_not_a_duration_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match=r"write e\.g\. 15m, 12h, 30d or 2w"):
        parse_duration(text)


def test_absurd_lengths_are_refused_not_overflowed() -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration(f"{MAX_DAYS + 1}d")
    with pytest.raises(ValueError, match="too long"):
        parse_duration("9" * 400 + "w")
