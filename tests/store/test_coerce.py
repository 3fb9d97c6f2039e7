"""Platform values become the declared types, or a clear error that names the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopctl.store.coerce import CONVERTERS, CoercionError, RowCoercer, describe, to_date
from shopctl.types import Type

CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (Type.INTEGER, "42", 42),
        (Type.INTEGER, " -7 ", -7),
        (Type.INTEGER, 3.0, 3),
        (Type.INTEGER, Decimal("12"), 12),
        (Type.NUMBER, "12.50", 12.5),
        (Type.NUMBER, 3, 3.0),
        (Type.NUMBER, Decimal("0.1"), 0.1),
        (Type.TEXT, "新疆", "新疆"),
        (Type.TEXT, 1234567, "1234567"),
        (Type.TEXT, "", ""),
        (Type.BOOLEAN, "TRUE", True),
        (Type.BOOLEAN, "0", False),
        (Type.BOOLEAN, 1, True),
        (Type.BOOLEAN, False, False),
        (Type.TIMESTAMP, "2026-03-29T08:00:00+08:00", datetime(2026, 3, 29, tzinfo=UTC)),
        (Type.TIMESTAMP, "2026-03-29 08:00", datetime(2026, 3, 29, 8, tzinfo=UTC)),
        (Type.TIMESTAMP, "2026-03-29T00:00:00Z", datetime(2026, 3, 29, tzinfo=UTC)),
        (Type.TIMESTAMP, datetime(2026, 3, 29, 8, tzinfo=CST), datetime(2026, 3, 29, tzinfo=UTC)),
        (Type.TIMESTAMP, datetime(2026, 3, 29, 8), datetime(2026, 3, 29, 8, tzinfo=UTC)),
        (Type.TIMESTAMP, date(2026, 3, 29), datetime(2026, 3, 29, tzinfo=UTC)),
        (Type.TEXT_LIST, '["新疆", "西藏"]', ["新疆", "西藏"]),
        (Type.TEXT_LIST, "a, b", ["a", "b"]),
        (Type.TEXT_LIST, ("a", 1), ["a", "1"]),
        (Type.TEXT_LIST, "", []),
        (Type.NUMBER_LIST, [1, "2.5"], [1.0, 2.5]),
        (Type.INTEGER, "", None),
        (Type.TIMESTAMP, None, None),
    ],
)
def test_values_are_read_as_their_declared_type(kind: Type, raw: Any, value: Any) -> None:
    result = CONVERTERS[kind](raw)
    assert result == value
    assert type(result) is type(value)
    if isinstance(result, datetime):
        assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (Type.INTEGER, "1.5"),
        (Type.INTEGER, 2.5),
        (Type.INTEGER, True),
        (Type.NUMBER, "nan"),
        (Type.NUMBER, "inf"),
        (Type.NUMBER, "abc"),
        (Type.TEXT, True),
        (Type.TEXT, ["a"]),
        (Type.BOOLEAN, "yes"),
        (Type.BOOLEAN, 2),
        (Type.TIMESTAMP, "29/03/2026"),
        (Type.TIMESTAMP, 1774742400),
        (Type.TEXT_LIST, {"a": 1}),
        (Type.NUMBER_LIST, ["x"]),
        (Type.NUMBER_LIST, [1, None]),
    ],
)
def test_values_that_do_not_fit_are_refused(kind: Type, raw: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        CONVERTERS[kind](raw)


def test_a_day_is_a_date_never_a_datetime() -> None:
    assert to_date("2026-03-29") == date(2026, 3, 29)
    with pytest.raises(TypeError):
        to_date(datetime(2026, 3, 29, 23, tzinfo=UTC))


def test_a_row_coercer_builds_rows_in_column_order_with_constants() -> None:
    coerce = RowCoercer(
        [("id", Type.TEXT), ("points", Type.INTEGER)],
        order=["_account", "points", "id"],
        constants={"_account": "shop"},
        storage={"points": lambda v: v * 100},
    )
    assert coerce({"id": 7, "points": "3", "ignored": 1}) == ("shop", 300, "7")
    assert coerce.index("id") == 2


def test_missing_fields_are_null() -> None:
    coerce = RowCoercer([("id", Type.TEXT), ("rating", Type.INTEGER)])
    assert coerce({"id": "r1"}) == ("r1", None)


def test_the_error_names_the_field_the_kind_and_the_expected_type() -> None:
    coerce = RowCoercer([("id", Type.TEXT), ("rating", Type.INTEGER)])
    with pytest.raises(CoercionError) as caught:
        coerce({"id": "r1", "rating": "five"})
    assert str(caught.value) == "field rating: expected integer, got text 'five'"
    assert (caught.value.field, caught.value.kind, caught.value.expected) == (
        "rating",
        "text",
        "integer",
    )


@pytest.mark.parametrize(
    "secret",
    ["sk_live_51HxYzAbCdEf0123456789", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "x" * 40],
)
def test_secret_looking_text_is_described_not_shown(secret: str) -> None:
    assert secret not in describe(secret)
    assert describe(secret) == f"text of {len(secret)} characters"


@settings(deadline=None, max_examples=200, derandomize=True)
@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integers_survive_a_round_trip_through_text(n: int) -> None:
    assert CONVERTERS[Type.INTEGER](str(n)) == n
    assert CONVERTERS[Type.TEXT](n) == str(n)


@settings(deadline=None, max_examples=200, derandomize=True)
@given(st.datetimes(timezones=st.timezones()))
def test_every_aware_instant_comes_back_as_the_same_instant_in_utc(moment: datetime) -> None:
    result = CONVERTERS[Type.TIMESTAMP](moment.isoformat())
    assert result.tzinfo is UTC
    # Compared in UTC: Python calls an inter-zone comparison of a time in a repeated
    # (fall-back) hour unequal by definition (PEP 495), whatever the instant.
    assert result == moment.astimezone(UTC)
