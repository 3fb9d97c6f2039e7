"""The one formatter every command shows values with: times, durations, arguments, tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from shopctl.cli.formatting import (
    Column,
    args_text,
    count_summary,
    duration,
    local_time,
    plural,
    print_table,
    sample,
    value_text,
)
from shopctl.registry import ActionSpec, Param
from shopctl.types import Type

SHANGHAI = ZoneInfo("Asia/Shanghai")
COUPON = ActionSpec(
    "send_coupon",
    ("customer",),
    (Param("amount", Type.NUMBER, "Yuan"), Param("expires", Type.DURATION, "Valid for")),
    "A coupon",
)


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 12, 3, 18, 20, 25, 123456, tzinfo=UTC), "2026-12-04 02:20"),
        ("2026-12-03T18:20:25.123456+00:00", "2026-12-04 02:20"),
        ("2026-12-04T02:20:25+08:00", "2026-12-04 02:20"),
        (datetime(2026, 12, 3, 18, 20), "2026-12-04 02:20"),  # naive: the store's UTC
        (None, "-"),
    ],
)
def test_times_show_in_the_configured_zone_to_the_minute(moment: object, shown: str) -> None:
    assert local_time(moment, SHANGHAI) == shown  # type: ignore[arg-type]


def test_seconds_are_shown_only_when_asked_and_never_microseconds() -> None:
    moment = datetime(2026, 12, 3, 18, 20, 25, 999999, tzinfo=UTC)
    assert local_time(moment, SHANGHAI, seconds=True) == "2026-12-04 02:20:25"
    assert value_text(moment, SHANGHAI) == "2026-12-04 02:20:25"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(days=7), "7d"),
        (604800, "7d"),
        (86400 * 1.5, "1d12h"),
        (timedelta(weeks=2), "14d"),
        (timedelta(minutes=90), "1h30m"),
        (30, "30s"),  # below a minute, which rules cannot write, in seconds
    ],
)
def test_durations_show_as_rules_write_them(value: object, shown: str) -> None:
    assert duration(value) == shown  # type: ignore[arg-type]


def test_stored_arguments_read_by_their_declared_types() -> None:
    args = {"amount": 20, "expires": 604800}
    assert args_text(COUPON, args, SHANGHAI) == "amount=20, expires=7d"
    # Undeclared (the plugin is gone): shown as stored rather than guessed at.
    assert args_text(None, args, SHANGHAI) == "amount=20, expires=604800"
    assert args_text(None, {"text": "差评 “好”"}, SHANGHAI) == 'text="差评 “好”"'


def test_counts_read_in_the_given_order_and_leave_out_zeros() -> None:
    counts = {"no_match": 8, "acted": 3, "failed": 0, "partial": 1}
    assert count_summary(counts, ("acted", "no_match")) == "3 acted, 8 no_match, 1 partial"


def test_a_sample_names_what_fits_and_counts_the_rest() -> None:
    names = [f"C{n:05}" for n in range(100)]
    shown = sample(names, 40)
    assert shown.startswith("C00000, C00001") and shown.endswith(", … and 97 more")
    assert len(shown) <= 40
    assert sample(names[:3], 40) == "C00000, C00001, C00002"


def render(width: int, columns: list[Column], rows: list[list[str]]) -> str:
    out = StringIO()
    print_table(Console(file=out, width=width, color_system=None), columns, rows)
    return out.getvalue()


def test_a_table_too_wide_leaves_out_its_least_important_columns_never_a_name() -> None:
    columns = [Column("rule", 9), Column("outcome", 5), Column("note", 1)]
    rows = [["raise-budget-for-winners", "limit_exceeded", "x" * 30]]
    wide = render(120, columns, rows)
    assert "note" in wide and "(hidden" not in wide
    narrow = render(70, columns, rows)
    assert "raise-budget-for-winners  limit_exceeded" in narrow
    assert "note" not in narrow.splitlines()[0]
    assert "(hidden to fit 70 columns: note; --json has them)" in narrow


def test_wrapping_columns_wrap_instead_of_being_left_out() -> None:
    columns = [Column("rule", 9), Column("error", 9, wrap=True)]
    rows = [["low-stock-alert", "notify P0007: HTTP 400 from 127.0.0.1: bad robot key"]]
    text = render(50, columns, rows)
    assert all(len(line) <= 50 for line in text.splitlines())
    assert "bad robot key" in " ".join(text.split())


def test_counted_nouns_agree_with_their_count() -> None:
    assert [plural(n, "rule") for n in (0, 1, 11)] == ["0 rules", "1 rule", "11 rules"]
    assert plural(2, "entity") == "2 entities" and plural(1, "entity") == "1 entity"
