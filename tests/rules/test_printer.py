"""Expressions printed back as text: what traces and `explain` show for each sub-expression."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopctl.rules.ast import Binary, Compare, Literal, Name, Unary
from shopctl.rules.parser import parse_expression
from shopctl.rules.printer import duration_text, print_expr, quote


@pytest.mark.parametrize(
    "text",
    [
        'roi(7d) < 2 and spend(7d) >= 100 and status == "active"',
        "(a or b) and not c",
        "not (x >= 2)",
        "a - (b - c) * d / (e % f)",
        "-(x + 1) > 0",
        'region not in ["新疆", "西藏"]',
        "customer.tier is not null",
        "x between 1 and y + 2",
        'title matches "^(新|旧)" or tags contains "vip"',
        "days_since(last_order_at) >= 30",
        "created_at < now() - 1d12h",
    ],
)
def test_printing_gives_back_what_was_written(text: str) -> None:
    assert print_expr(parse_expression(text)) == text


def test_parentheses_appear_only_where_precedence_needs_them() -> None:
    a, b, c = Name(("a",)), Name(("b",)), Name(("c",))
    assert print_expr(Binary("and", Binary("or", a, b), c)) == "(a or b) and c"
    assert print_expr(Binary("or", Binary("and", a, b), c)) == "a and b or c"
    assert print_expr(Unary("not", Compare("eq", a, b))) == "not (a == b)"
    assert print_expr(Compare("eq", Unary("not", a), b)) == "(not a) == b"


def test_literals_print_in_the_language_s_own_notation() -> None:
    assert print_expr(Literal(1e-09, "number")) == "0.000000001"
    assert print_expr(Literal(1e9, "number")) == "1000000000.0"
    assert print_expr(Literal(None, "null")) == "null"
    assert quote('说 "好"\n') == '"说 \\"好\\"\\n"'
    assert duration_text(timedelta(days=14)) == "14d"
    assert duration_text(timedelta(minutes=90)) == "1h30m"
    assert duration_text(-timedelta(hours=12)) == "-12h"
