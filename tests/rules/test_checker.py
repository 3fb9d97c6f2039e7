"""The checker: the type of every expression, and an exact, helpful error for each mistake."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shopctl.errors import RuleErrors
from shopctl.registry import DerivedMetric, Registry
from shopctl.rules.checker import ExpressionChecker
from shopctl.rules.compiler import compile_expression
from shopctl.rules.parser import parse_expression
from shopctl.rules.source_text import SourceText
from shopctl.types import Type

WINDOW = "the window must be whole days written as a duration, like 7d (at least 1d)"


def errors_of(text: str, registry: Registry) -> list[str]:
    """Every error the checker reports for the condition `text` on items."""
    with pytest.raises(RuleErrors) as raised:
        compile_expression(parse_expression(text), "item", registry)
    return [str(error) for error in raised.value.errors]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("n + 1", Type.INTEGER),
        ("n * m - 3", Type.INTEGER),
        ("n % 2", Type.INTEGER),
        ("n / 2", Type.NUMBER),
        ("x + n", Type.NUMBER),
        ("-x", Type.NUMBER),
        ("at + 1d", Type.TIMESTAMP),
        ("12h + at", Type.TIMESTAMP),
        ("now() - 2w", Type.TIMESTAMP),
        ("at - now()", Type.DURATION),
        ("-(1d + 12h)", Type.DURATION),
        ("days_since(at)", Type.NUMBER),
        ("roi(7d)", Type.NUMBER),
        ("sum(spend, 7d)", Type.NUMBER),
        ("min(revenue, 30d)", Type.NUMBER),
        ("min(n, m)", Type.INTEGER),
        ("max(at, due)", Type.TIMESTAMP),
        ('coalesce(owner.tier, "none")', Type.TEXT),
        ("coalesce(n, 2.5)", Type.NUMBER),
        ("len(tags)", Type.INTEGER),
        ("len(name)", Type.INTEGER),
        ("abs(n)", Type.INTEGER),
        ("round(x, 2)", Type.NUMBER),
        ("owner.since", Type.TIMESTAMP),
        ("tags", Type.TEXT_LIST),
        ('name matches "^新"', Type.BOOLEAN),
        ("at - due between 1d and 2w", Type.BOOLEAN),
        ('"vip" in tags', Type.BOOLEAN),
        ("flag == true", Type.BOOLEAN),
    ],
)
def test_every_expression_has_a_type(text: str, expected: Type, registry: Registry) -> None:
    checker = ExpressionChecker(registry, registry.entity_type("item"))
    checked = checker.check(parse_expression(text))
    assert checker.errors == []
    assert checked is not None and checked.type is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('nme == "a"', "1:1: error: unknown field `nme` on item; did you mean `name`?"),
        (
            'ownr.tier == "x"',
            "1:1: error: unknown related entity `ownr` on item; did you mean `owner`?",
        ),
        ("name.x == 1", "1:1: error: `name` is a field of item, not a related entity"),
        (
            'owner.tire == "gold"',
            "1:1: error: unknown field `owner.tire` on person; did you mean `owner.tier`?",
        ),
        (
            "spend > 1",
            "1:1: error: `spend` is a daily metric: use it over a window, e.g. sum(spend, 7d)",
        ),
        ("roi > 2", "1:1: error: `roi` is a metric over a window: call it as roi(7d)"),
        (
            "roi(7) > 2",
            "1:5: error: " + WINDOW,
        ),
        (
            "roi(36h) > 2",
            "1:5: error: " + WINDOW,
        ),
        ("roi(7d, 1d) > 2", "1:1: error: roi() takes one window, like roi(7d)"),
        (
            "sum(spend, 12h) > 2",
            "1:12: error: " + WINDOW,
        ),
        (
            "sum(x, 7d) > 1",
            "1:5: error: `x` is not a daily metric of item (daily metrics: spend, revenue)",
        ),
        (
            "sum(spnd, 7d) > 1",
            "1:5: error: `spnd` is not a daily metric of item; did you mean `spend`?",
        ),
        (
            "sum(spend) > 1",
            "1:1: error: sum() over a window takes a daily metric and a window, like "
            "sum(spend, 7d)",
        ),
        (
            "dayz_since(at) > 1",
            "1:1: error: unknown function `dayz_since`; did you mean `days_since`?",
        ),
        ("days_since() > 1", "1:1: error: days_since() takes 1 argument(s), 0 given"),
        ("round(x, 1, 2) > 1", "1:1: error: round() takes 1 to 2 argument(s), 3 given"),
        ("coalesce(x) > 1", "1:1: error: coalesce() takes at least 2 argument(s), 1 given"),
        ("days_since(name) > 1", "1:12: error: days_since() expects timestamp as `t`, not text"),
        (
            "min(name, 1) == 1",
            "1:1: error: min(): values must all be numbers, or all of one type, "
            "not integer and text",
        ),
        (
            "len(x) > 1",
            "1:1: error: len(): counts the characters of a text or the items of a list, not number",
        ),
        ("name > 1", "1:1: error: cannot compare text with integer"),
        ("at > 5", "1:1: error: cannot compare timestamp with integer"),
        ("at - now() > 5", "1:1: error: cannot compare duration with integer"),
        ("flag < true", "1:1: error: boolean values cannot be compared with `<`, `>` or `between`"),
        ("x == null", "1:1: error: a comparison with null is never true; write `is null` instead"),
        ('name in "abc"', '1:1: error: `in` needs a list, e.g. ["a", "b"], not text'),
        (
            'name in ["a", 1]',
            "1:9: error: a list holds either texts or numbers, not integer and text",
        ),
        ("n in tags", "1:1: error: cannot compare integer with text"),
        ("x contains 1", "1:1: error: `contains` needs text or a list on its left, not number"),
        (
            "name matches note",
            "1:14: error: `matches` needs a quoted regular expression on its right",
        ),
        ('name matches "("', "1:14: error: invalid regular expression: missing ) at position 1"),
        ('x matches "a"', "1:1: error: `matches` needs text on its left, not number"),
        ("x + 1", "1:1: error: the condition must be true or false, but this is a number"),
        ("x and flag", "1:1: error: `and` needs true/false on both sides, not number"),
        ("not x", "1:1: error: `not` needs true or false, not number"),
        ('-name == "a"', "1:1: error: `-` needs a number or a duration, not text"),
        ("x % 2 == 0", "1:1: error: % needs two whole numbers (integers), not number and integer"),
        ("at + at > now()", "1:1: error: cannot add timestamp and timestamp"),
        (
            "[1] is null",
            '1:1: error: a list can only follow `in` or `not in`, as in region in ["新疆", "西藏"]',
        ),
    ],
)
def test_each_mistake_is_reported_where_it_stands(
    text: str, message: str, registry: Registry
) -> None:
    assert errors_of(text, registry) == [f"<expr>:{message}"]


def test_all_errors_of_a_condition_are_reported_at_once(registry: Registry) -> None:
    assert errors_of("nme == 1 and spend > 2 and dayz(1)", registry) == [
        "<expr>:1:1: error: unknown field `nme` on item; did you mean `name`?",
        "<expr>:1:14: error: `spend` is a daily metric: use it over a window, e.g. sum(spend, 7d)",
        "<expr>:1:28: error: unknown function `dayz`; did you mean `today`?",
    ]


def test_errors_point_into_the_rule_file(registry: Registry) -> None:
    source = SourceText('x > 1 and\n    客户等级 == "gold"', "rules/shop.rules", line=4, column=8)
    with pytest.raises(RuleErrors) as raised:
        compile_expression(parse_expression(source), "item", registry)
    (error,) = raised.value.errors
    assert str(error) == "rules/shop.rules:5:5: error: unknown field `客户等级` on item"
    assert error.length == len("客户等级")


def test_an_unknown_entity_type_is_reported_with_a_suggestion(registry: Registry) -> None:
    with pytest.raises(RuleErrors, match=r"unknown entity type `itme`; did you mean `item`\?"):
        compile_expression(parse_expression("x > 1"), "itme", registry)


def test_a_derived_metric_with_a_broken_formula_is_reported_at_the_call(registry: Registry) -> None:
    item = registry.entity_type("item")
    registry.entity_types["item"] = replace(
        item, derived=(DerivedMetric("bad", "sum(clicks, w) / sum(spend, w)"),)
    )
    assert errors_of("bad(7d) > 1", registry) == [
        "<expr>:1:1: error: the formula of bad is invalid: `clicks` is not a daily metric of "
        "item (daily metrics: spend, revenue)"
    ]


def test_a_derived_metric_whose_formula_does_not_parse_is_reported_at_the_call(
    registry: Registry,
) -> None:
    item = registry.entity_type("item")
    registry.entity_types["item"] = replace(item, derived=(DerivedMetric("odd", "sum(spend, w"),))
    (message,) = errors_of("odd(7d) > 1", registry)
    assert message.startswith("<expr>:1:1: error: the formula of odd is invalid: ")
