"""The Python path: SQL semantics in closures built once, and `explain` traces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shopctl.registry import Registry
from shopctl.rules.compiled import EvalContext, TraceItem
from shopctl.rules.compiler import compile_expression
from shopctl.rules.parser import parse_expression
from shopctl.rules.regex_guard import RegexTimeout

T, F, N = True, False, None


def evaluate(text: str, registry: Registry, ctx: EvalContext, **row: Any) -> Any:
    """The condition's three-valued value for one row (unlisted fields are null)."""
    compiled = compile_expression(parse_expression(text), "item", registry)
    full = {".".join(path): row.get("_".join(path)) for path in compiled.fields}
    full |= {w.key: row.get(w.key.replace(":", "_")) for w in compiled.windows}
    return compiled.condition(full, ctx)


@pytest.mark.parametrize(
    ("a", "b", "and_", "or_"),
    [
        (T, T, T, T),
        (T, F, F, T),
        (T, N, N, T),
        (F, F, F, F),
        (F, N, F, N),
        (N, N, N, N),
        (N, T, N, T),
        (N, F, F, N),
    ],
)
def test_and_or_follow_kleene_logic(
    a: bool | None,
    b: bool | None,
    and_: bool | None,
    or_: bool | None,
    registry: Registry,
    ctx: EvalContext,
) -> None:
    row = {"n": None if a is None else int(a), "m": None if b is None else int(b)}
    assert evaluate("n == 1 and m == 1", registry, ctx, **row) is and_
    assert evaluate("n == 1 or m == 1", registry, ctx, **row) is or_


def test_not_unknown_is_unknown_so_neither_form_matches(
    registry: Registry, ctx: EvalContext
) -> None:
    no_spend = {"sum_revenue_7": 0.0, "sum_spend_7": 0.0}
    assert evaluate("roi(7d) < 2", registry, ctx, **no_spend) is None
    assert evaluate("not (roi(7d) >= 2)", registry, ctx, **no_spend) is None
    assert evaluate('owner.tier != "platinum"', registry, ctx) is None
    assert evaluate("owner.tier is null", registry, ctx) is True


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("x / y is null", {"x": 1.0, "y": 0.0}, T),
        ("n / m == 0.5", {"n": 1, "m": 2}, T),
        ("n % m == -1", {"n": -7, "m": 2}, T),
        ("n % m == 1", {"n": 7, "m": -2}, T),
        ("n % m is null", {"n": 7, "m": 0}, T),
        ("x + y == 0.3", {"x": 0.1, "y": 0.2}, F),
        ("-x < 0", {"x": 0.0}, F),
        ('name < "a"', {"name": "Zed"}, T),
        ('name > "新"', {"name": "西藏"}, T),
        ('name contains ""', {"name": ""}, T),
        ('name in ["a", null]', {"name": "b"}, N),
        ('name in ["a", null]', {"name": "a"}, T),
        ("name not in []", {}, T),
        ('"vip" in tags', {"tags": ["vip"]}, T),
        ('"vip" in tags', {"tags": None}, N),
        ("len(tags) == 0", {"tags": []}, T),
        ("x between 1 and y", {"x": 2.0}, N),
        ("x between 3 and y", {"x": 2.0}, F),
        ("coalesce(x, y, 7) == 7", {}, T),
        ("min(x, y) is null", {"x": 1.0}, T),
        ("round(x) == 3", {"x": 2.5}, T),
        ("round(x, 1) == -0.2", {"x": -0.15}, T),
        ('lower(name) == "äbc"', {"name": "ÄBC"}, T),
    ],
)
def test_values_follow_sql_semantics(
    text: str, row: dict[str, Any], expected: bool | None, registry: Registry, ctx: EvalContext
) -> None:
    assert evaluate(text, registry, ctx, **row) is expected


def test_time_is_exact_and_zone_aware(registry: Registry, ctx: EvalContext) -> None:
    thirty_days = ctx.now - timedelta(days=30)
    assert evaluate("days_since(at) >= 30", registry, ctx, at=thirty_days) is True
    assert (
        evaluate("days_since(at) >= 30", registry, ctx, at=thirty_days + timedelta(microseconds=1))
        is False
    )
    assert (
        evaluate("hours_since(at) == 1.5", registry, ctx, at=ctx.now - timedelta(minutes=90))
        is True
    )
    assert (
        evaluate("at - due == 1d", registry, ctx, at=ctx.now, due=ctx.now - timedelta(days=1))
        is True
    )
    # Shanghai's day began at 16:00 UTC the day before.
    midnight = datetime(2026, 3, 28, 16, 0, tzinfo=UTC)
    assert evaluate("at >= today()", registry, ctx, at=midnight) is True
    assert (
        evaluate("at >= today()", registry, ctx, at=midnight - timedelta(microseconds=1)) is False
    )


def test_explain_gives_every_sub_expression_parents_first(
    registry: Registry, ctx: EvalContext
) -> None:
    compiled = compile_expression(
        parse_expression('roi(7d) < 2 and (name contains "新" or x > 10)'), "item", registry
    )
    row = {"name": "新疆", "x": None, "sum:revenue:7": 3.0, "sum:spend:7": 2.0}
    assert compiled.explain(row, ctx) == [
        TraceItem("when", 'roi(7d) < 2 and (name contains "新" or x > 10)', True),
        TraceItem("when/0", "roi(7d) < 2", True),
        TraceItem("when/0/0", "roi(7d)", 1.5),
        TraceItem("when/0/1", "2", 2),
        TraceItem("when/1", 'name contains "新" or x > 10', True),
        TraceItem("when/1/0", 'name contains "新"', True),
        TraceItem("when/1/0/0", "name", "新疆"),
        TraceItem("when/1/0/1", '"新"', "新"),
        TraceItem("when/1/1", "x > 10", None),
        TraceItem("when/1/1/0", "x", None),
        TraceItem("when/1/1/1", "10", 10),
    ]


def test_closures_read_only_the_row_keys_the_rule_declares(
    registry: Registry, ctx: EvalContext
) -> None:
    compiled = compile_expression(
        parse_expression('owner.tier == "gold" and sum(spend, 7d) > 1'), "item", registry
    )
    assert compiled.fields == (("owner", "tier"),)
    assert [w.key for w in compiled.windows] == ["sum:spend:7"]
    with pytest.raises(KeyError):
        compiled.condition({"owner.tier": "gold"}, ctx)


def test_a_runaway_regex_stops_with_a_clear_error(registry: Registry, ctx: EvalContext) -> None:
    with pytest.raises(RegexTimeout, match=r"took longer than .* simplify it"):
        evaluate('name matches "(a|aa)+$"', registry, ctx, name="a" * 5000 + "b")
