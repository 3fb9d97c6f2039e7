"""Checks `do` items: action names, their arguments, channels and message templates."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from shopctl.errors import RuleError
from shopctl.registry import ActionSpec, Param
from shopctl.rules.ast import ActionCall, Expr, Hole, Literal, Name, Template
from shopctl.rules.checked import Checked
from shopctl.rules.checker import ExpressionChecker
from shopctl.rules.rendering import format_problem
from shopctl.rules.source_text import SourceText
from shopctl.rules.suggest import did_you_mean
from shopctl.types import Type


@dataclass(frozen=True)
class CheckedArg:
    """One argument: an expression, a channel name, a template, or a default value.

    `kind` is "expr" (checked in `expr`), "channel" or "default" (`value`), or
    "template" (`parts` with `holes`, the holes' checked expressions in order).
    """

    kind: str
    expr: Checked | None = None
    value: Any = None
    parts: tuple[str | Hole, ...] = ()
    holes: tuple[Checked, ...] = ()

    def checked(self) -> list[Checked]:
        """The checked expressions this argument evaluates."""
        return [self.expr] if self.expr else list(self.holes)


@dataclass(frozen=True)
class CheckedAction:
    """A `do` item whose name and arguments are valid for the rule's entity type."""

    spec: ActionSpec
    args: dict[str, CheckedArg]


class ActionChecker:
    """Checks action calls on the expression checker's entity type; errors go to it."""

    def __init__(self, checker: ExpressionChecker, channels: Collection[str]):
        self.checker = checker
        self.channels = channels

    def check(self, call: ActionCall) -> CheckedAction | None:
        """The checked action, or None when it has errors (recorded)."""
        entity = self.checker.entity_type.name
        actions = self.checker.registry.actions_for(entity)
        spec = actions.get(call.name)
        if spec is None:
            other = self.checker.registry.actions.get(call.name)
            if other is not None:
                where = ", ".join(other.on)
                self.checker.fail(
                    call, f"`{call.name}` is not an action of {entity} (it is for {where})"
                )
            else:
                hint = did_you_mean(call.name, actions)
                self.checker.fail(call, f"unknown action `{call.name}` for {entity}{hint}")
            return None
        given = self._bind(call, spec)
        if given is None:
            return None
        args: dict[str, CheckedArg] = {}
        for param in spec.params:
            if param.name in given:
                arg = self._argument(call, param, given[param.name])
                if arg is None:
                    continue
                args[param.name] = arg
            elif param.required:
                self.checker.fail(call, f"{call.name}() is missing `{param.name}`")
            else:
                args[param.name] = CheckedArg("default", value=param.default)
        if len(args) != len(spec.params):
            return None
        return CheckedAction(spec, args)

    def _bind(self, call: ActionCall, spec: ActionSpec) -> dict[str, Expr] | None:
        given: dict[str, Expr] = {}
        ok = True
        for index, arg in enumerate(call.args):
            if index >= len(spec.params):
                most = len(spec.params)
                self.checker.fail(
                    arg, f"{call.name}() takes {most} argument(s), {len(call.args)} given"
                )
                return None
            given[spec.params[index].name] = arg
        names = [p.name for p in spec.params]
        for name, value in call.kwargs:
            if name not in names:
                hint = did_you_mean(name, names)
                self.checker.fail(value, f"{call.name}() has no parameter `{name}`{hint}")
                ok = False
            elif name in given:
                self.checker.fail(value, f"`{name}` is given twice")
                ok = False
            else:
                given[name] = value
        return given if ok else None

    def _argument(self, call: ActionCall, param: Param, arg: Expr) -> CheckedArg | None:
        if param.type is Type.CHANNEL:
            return self._channel(param, arg)
        if isinstance(arg, Template) or param.type is Type.TEMPLATE:
            return self._template(param, arg)
        checked = self.checker.check(arg)
        if checked is None:
            return None
        if not param.type.accepts(checked.type):
            self.checker.fail(
                arg, f"{call.name}() expects {param.type} as `{param.name}`, not {checked.type}"
            )
            return None
        return CheckedArg("expr", expr=checked)

    def _channel(self, param: Param, arg: Expr) -> CheckedArg | None:
        if not isinstance(arg, Name) or len(arg.parts) != 1:
            self.checker.fail(
                arg, f"`{param.name}` must be a channel name from shopctl.yaml, like ops"
            )
            return None
        if arg.dotted not in self.channels:
            hint = did_you_mean(arg.dotted, self.channels)
            known = ", ".join(sorted(self.channels)) or "none configured"
            self.checker.fail(
                arg, f"unknown channel `{arg.dotted}`{hint or f' (channels: {known})'}"
            )
            return None
        return CheckedArg("channel", value=arg.dotted)

    def _template(self, param: Param, arg: Expr) -> CheckedArg | None:
        if not Type.TEMPLATE.accepts(param.type) and not param.type.accepts(Type.TEXT):
            self.checker.fail(arg, f"`{param.name}` takes {param.type}, not a message")
            return None
        if isinstance(arg, Literal) and arg.kind == "text":
            arg = self._parse(arg)
        if not isinstance(arg, Template):
            if arg is not None:
                self.checker.fail(
                    arg, f'`{param.name}` must be a quoted message, like "库存不足 {{title}}"'
                )
            return None
        holes = []
        for part in arg.parts:
            if isinstance(part, Hole):
                checked = self.checker.check(part.expr)
                problem = checked and format_problem(part.format_spec, checked.type)
                if problem:
                    self.checker.fail(part, problem)
                holes.append(checked if not problem else None)
        if None in holes:
            return None
        return CheckedArg("template", parts=arg.parts, holes=tuple(h for h in holes if h))

    def _parse(self, literal: Literal) -> Template | None:
        if "{" not in literal.value and "}" not in literal.value:
            return Template((literal.value,), span=literal.span)
        from shopctl.rules.parser import parse_template

        where = literal.span.start
        source = SourceText(literal.value, where.path, where.line, where.column + 1)
        try:
            return parse_template(source)
        except RuleError as error:
            self.checker.errors.append(error)
            return None
