"""Checking `do` items: action names, arguments, channels and message templates."""

from __future__ import annotations

import pytest

from shopctl.errors import RuleErrors
from shopctl.registry import Registry
from shopctl.rules.compiler import check_and_compile
from shopctl.rules.model import Rule
from shopctl.rules.parser import parse_action, parse_expression
from shopctl.rules.source_text import SourceText


def action_errors(text: str, registry: Registry) -> list[str]:
    """Every error reported for the `do` item `text` of a rule on items."""
    rule = Rule("r", "item", parse_expression("x > 1"), (parse_action(text),))
    with pytest.raises(RuleErrors) as raised:
        check_and_compile(rule, registry, {"ops", "sms"})
    return [str(error) for error in raised.value.errors]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "set_prize(1)",
            "1:1: error: unknown action `set_prize` for item; did you mean `set_price`?",
        ),
        ("pause", "1:1: error: `pause` is not an action of item (it is for ad_group)"),
        ("set_price(x, price=1)", "1:20: error: `price` is given twice"),
        (
            'set_price(x, reson="a")',
            "1:20: error: set_price() has no parameter `reson`; did you mean `reason`?",
        ),
        ("set_price()", "1:1: error: set_price() is missing `price`"),
        ('set_price(x, "a", 3)', "1:19: error: set_price() takes 2 argument(s), 3 given"),
        ('set_price("cheap")', "1:11: error: set_price() expects number as `price`, not text"),
        ('notify(opz, "hi")', "1:8: error: unknown channel `opz`; did you mean `ops`?"),
        ('notify(email, "hi")', "1:8: error: unknown channel `email` (channels: ops, sms)"),
        (
            'notify("ops", "hi")',
            "1:8: error: `channel` must be a channel name from shopctl.yaml, like ops",
        ),
        (
            'notify(ops, "hi {nme}")',
            "1:18: error: unknown field `nme` on item; did you mean `name`?",
        ),
        ('notify(ops, "hi {name:.2f}")', "1:17: error: format `.2f` does not apply to text"),
        ('notify(ops, "{x:>999}")', "1:14: error: format `>999` asks for more than 200 characters"),
        ("notify(ops, x)", '1:13: error: `text` must be a quoted message, like "库存不足 {title}"'),
        ("tag(x)", "1:5: error: tag() expects text as `name`, not number"),
    ],
)
def test_each_action_mistake_is_reported(text: str, message: str, registry: Registry) -> None:
    assert action_errors(text, registry) == [f"<expr>:{message}"]


def test_errors_of_the_condition_and_of_actions_come_together_in_order(registry: Registry) -> None:
    rule = Rule(
        "r",
        "item",
        parse_expression(SourceText("nme > 1", "r.rules", line=3, column=8)),
        (
            parse_action(SourceText("set_price()", "r.rules", line=4, column=6)),
            parse_action(SourceText('notify(opz, "{x:.1f}")', "r.rules", line=4, column=19)),
        ),
    )
    with pytest.raises(RuleErrors) as raised:
        check_and_compile(rule, registry, {"ops"})
    assert [str(e) for e in raised.value.errors] == [
        "r.rules:3:8: error: unknown field `nme` on item; did you mean `name`?",
        "r.rules:4:6: error: set_price() is missing `price`",
        "r.rules:4:26: error: unknown channel `opz`; did you mean `ops`?",
    ]
