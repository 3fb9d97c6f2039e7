"""Nothing in the rule language reaches Python, SQL or unbounded work."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from shopctl.errors import RuleError, RuleErrors
from shopctl.registry import Registry
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import check_and_compile, compile_expression
from shopctl.rules.model import Rule
from shopctl.rules.parser import parse_action, parse_expression
from shopctl.rules.regex_guard import MAX_PATTERN, RegexTimeout

if TYPE_CHECKING:
    from conftest import RuleStore


def rejection(when: str, registry: Registry, *do: str) -> str:
    """The error message a rule on items gets; fails the test if the rule is accepted."""
    try:
        rule = Rule("r", "item", parse_expression(when), tuple(parse_action(a) for a in do))
        check_and_compile(rule, registry, {"ops"})
    except RuleErrors as errors:
        return str(errors.errors[0])
    except RuleError as error:
        return str(error)
    raise AssertionError(f"accepted: {when} / {do}")


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("x.__class__ == 1", "names starting with '__' are not allowed"),
        ('__import__("os") == 1', "names starting with '__' are not allowed"),
        ("__builtins__ is null", "names starting with '__' are not allowed"),
        ("name.upper == 1", "`name` is a field of item, not a related entity"),
        ("owner.__dict__ is null", "names starting with '__' are not allowed"),
        ('eval("1") == 1', "unknown function `eval`"),
        ('exec("x") is null', "unknown function `exec`"),
        ('open("/etc/passwd") is null', "unknown function `open`"),
        ('getattr(name, "upper") is null', "unknown function `getattr`"),
        ("import os", "error:"),
        ("(lambda: 1)() == 1", "error:"),
        ("name[0] == 1", "error:"),
    ],
)
def test_the_language_cannot_reach_python(when: str, message: str, registry: Registry) -> None:
    assert message in rejection(when, registry)


@pytest.mark.parametrize(
    "template",
    [
        "{0.__class__}",
        "{name.__class__}",
        "{x!r}",
        "{x:{n}}",
        "{name:{0.__class__}}",
        "{__import__('os')}",
        "{x:>1000000}",
        "{name:.2f}",
    ],
)
def test_format_string_tricks_in_templates_are_rejected(template: str, registry: Registry) -> None:
    message = rejection("x > 1", registry, f'notify(ops, "{template}")')
    assert "error:" in message


def test_values_that_look_like_format_strings_are_rendered_as_they_are(
    registry: Registry, ctx: EvalContext
) -> None:
    rule = Rule("r", "item", parse_expression("x > 1"), (parse_action('notify(ops, "{name}")'),))
    text = check_and_compile(rule, registry, {"ops"}).actions[0].args["text"]
    for sneaky in ("{0.__class__}", "{x!r}", "%s%s%s", "{}{}"):
        assert text({"name": sneaky}, ctx) == sneaky


def test_catastrophic_regexes_stop_in_bounded_time(registry: Registry, ctx: EvalContext) -> None:
    for pattern in ("(a+)+$", "(a|a)*$", "(a|aa)+$"):
        compiled = compile_expression(
            parse_expression(f'name matches "{pattern}"'), "item", registry
        )
        started = time.monotonic()
        with pytest.raises(RegexTimeout, match="took longer than"):
            compiled.condition({"name": "a" * 100_000 + "b"}, ctx)
        assert time.monotonic() - started < 1.0


def test_regexes_are_bounded_in_size(registry: Registry) -> None:
    pattern = "a" * (MAX_PATTERN + 1)
    assert f"at most {MAX_PATTERN} are allowed" in rejection(f'name matches "{pattern}"', registry)


def test_text_literals_reach_sql_only_as_bound_parameters(
    rule_store: RuleStore, registry: Registry, ctx: EvalContext
) -> None:
    rule_store.insert([{"id": "a", "name": "x'); DROP TABLE entity_item; --"}])
    for text in ("x'); DROP TABLE entity_item; --", "' OR 1=1 --", '" OR ""="'):
        escaped = text.replace('"', '\\"')
        compiled = compile_expression(parse_expression(f'name == "{escaped}"'), "item", registry)
        expected = {"a": text == "x'); DROP TABLE entity_item; --"}
        assert rule_store.sql_values(compiled, ctx) == expected
