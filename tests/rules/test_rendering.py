"""Template values formatted for people, with format specs checked up front."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shopctl.rules.compiled import EvalContext
from shopctl.rules.rendering import format_problem, format_value
from shopctl.types import Type


@pytest.mark.parametrize(
    ("value", "spec", "text"),
    [
        (None, ".2f", "-"),
        (1.23456, "", "1.2346"),
        (0.1 + 0.2, "", "0.3"),
        (3.0, "", "3"),
        (1234567.891, ",.1f", "1,234,567.9"),
        (0.153, ".1%", "15.3%"),
        (7, "03d", "007"),
        (True, "", "true"),
        ("新疆", ">4", "  新疆"),
        (["vip", "新客"], "", "vip, 新客"),
        (datetime(2026, 3, 28, 16, 0, tzinfo=UTC), "", "2026-03-29 00:00"),
        (datetime(2026, 3, 28, 16, 0, tzinfo=UTC), "%m月%d日", "03月29日"),
    ],
)
def test_values_are_formatted_for_people(
    value: object, spec: str, text: str, ctx: EvalContext
) -> None:
    assert format_value(value, spec, ctx) == text


@pytest.mark.parametrize(
    ("spec", "kind", "problem"),
    [
        ("", Type.TEXT, None),
        (".2f", Type.NUMBER, None),
        (",d", Type.INTEGER, None),
        ("%Y-%m-%d", Type.TIMESTAMP, None),
        (".2f", Type.TEXT, "format `.2f` does not apply to text"),
        ("d", Type.NUMBER, "format `d` does not apply to number"),
        ("{x}", Type.NUMBER, "format `{x}` may not contain braces"),
        ("!r", Type.TEXT, "`!r` is not a format; write e.g. `.2f`, `>8` or `,`"),
        ("1000000000", Type.NUMBER, "format `1000000000` asks for more than 200 characters"),
        (".99f", Type.NUMBER, "format `.99f` asks for more than 200 characters"),
    ],
)
def test_format_specs_are_checked_before_any_value_is_formatted(
    spec: str, kind: Type, problem: str | None
) -> None:
    assert format_problem(spec, kind) == problem
