"""A rule, checked against the registry and compiled once: SQL pushdown, closures, actions."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from shopctl.errors import RuleError, RuleErrors
from shopctl.registry import EntityType, Registry
from shopctl.rules.action_checker import ActionChecker, CheckedAction, CheckedArg
from shopctl.rules.ast import Expr
from shopctl.rules.checked import Checked, error_at
from shopctl.rules.checker import ExpressionChecker
from shopctl.rules.closures import compile_closure, compile_explain
from shopctl.rules.compiled import CompiledAction, CompiledRule, EvalContext, Row, TraceItem, Window
from shopctl.rules.model import Rule
from shopctl.rules.rendering import compile_template
from shopctl.rules.sql import compile_filter, conjuncts, pushable
from shopctl.rules.suggest import did_you_mean
from shopctl.types import Type

ArgFn = Callable[[Row, EvalContext], Any]


def check_and_compile(rule: Rule, registry: Registry, channels: Collection[str]) -> CompiledRule:
    """Check `rule` (every error of it at once, as RuleErrors) and compile it."""
    entity_type = _entity_type(rule, registry)
    checker = ExpressionChecker(registry, entity_type)
    when = _condition(checker, rule.when)
    actions_checker = ActionChecker(checker, channels)
    actions = [actions_checker.check(call) for call in rule.do]
    if checker.errors:
        raise RuleErrors(sorted(checker.errors, key=_where))
    assert when is not None
    checked = [a for a in actions if a is not None]
    return _compile(rule, entity_type, when, checked)


def compile_expression(expr: Expr, entity_type: str, registry: Registry) -> CompiledRule:
    """A condition alone, for `shopctl query EXPR --on TYPE`: no actions."""
    rule = Rule(name="query", on=entity_type, when=expr, do=())
    checker = ExpressionChecker(registry, _entity_type(rule, registry))
    when = _condition(checker, expr)
    if checker.errors:
        raise RuleErrors(sorted(checker.errors, key=_where))
    assert when is not None
    return _compile(rule, checker.entity_type, when, [])


def _entity_type(rule: Rule, registry: Registry) -> EntityType:
    found = registry.entity_types.get(rule.on)
    if found is None:
        hint = did_you_mean(rule.on, registry.entity_types)
        raise RuleErrors([RuleError(f"unknown entity type `{rule.on}`{hint}", rule.source)])
    return found


def _condition(checker: ExpressionChecker, expr: Expr) -> Checked | None:
    when = checker.check(expr)
    if when is not None and when.type is not Type.BOOLEAN:
        checker.errors.append(
            error_at(expr, f"the condition must be true or false, but this is a {when.type}")
        )
        return None
    return when


def _where(error: RuleError) -> tuple[int, int]:
    return (error.position.line, error.position.column) if error.position else (0, 0)


def _compile(
    rule: Rule, entity_type: EntityType, when: Checked, actions: list[CheckedAction]
) -> CompiledRule:
    parts = conjuncts(when)
    pushed = [p for p in parts if pushable(p)]
    rest = [compile_closure(p) for p in parts if not pushable(p)]
    nodes = [
        n
        for root in [when, *(c for a in actions for arg in a.args.values() for c in arg.checked())]
        for n in root.walk()
    ]
    fields = dict.fromkeys(n.value for n in nodes if n.kind == "field")
    windows: dict[Window, None] = dict.fromkeys(n.value for n in nodes if n.kind == "window")
    explain = compile_explain(when, "when")

    def trace(row: Row, ctx: EvalContext) -> list[TraceItem]:
        out: list[TraceItem] = []
        explain(row, ctx, out)
        return out

    return CompiledRule(
        rule=rule,
        entity_type=entity_type,
        fields=tuple(fields),
        windows=tuple(windows),
        sql=compile_filter(pushed),
        residual=_residual(rest) if rest else None,
        condition=compile_closure(when),
        explain=trace,
        actions=tuple(
            CompiledAction(a.spec, {n: _argument(arg) for n, arg in a.args.items()})
            for a in actions
        ),
    )


def _residual(parts: list[ArgFn]) -> Callable[[Row, EvalContext], bool]:
    def residual(row: Row, ctx: EvalContext) -> bool:
        return all(part(row, ctx) is True for part in parts)

    return residual


def _argument(arg: CheckedArg) -> ArgFn:
    if arg.kind == "template":
        return compile_template(arg.parts, [compile_closure(h) for h in arg.holes])
    if arg.expr is not None:
        return compile_closure(arg.expr)
    value = arg.value
    return lambda row, ctx: value
