"""Static types of expressions against an entity type's schema, with precise errors.

The checker turns a syntax tree into a `Checked` tree: every node with its type and
what it resolved to (a field path, a window aggregate, a function's declaration, a
derived metric's expansion). Both compilers read only the checked tree, so anything
that compiles has been type-checked. Errors are collected, not raised one by one.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from datetime import timedelta
from functools import lru_cache
from typing import Any

from shopctl.errors import RuleError
from shopctl.registry import EntityType, FunctionSpec, Registry
from shopctl.rules.ast import (
    Between,
    Binary,
    Call,
    Compare,
    Expr,
    IsNull,
    ListLiteral,
    Literal,
    Name,
    Node,
    Unary,
)
from shopctl.rules.checked import Checked, error_at
from shopctl.rules.compiled import Window
from shopctl.rules.functions import BUILTIN_FUNCTIONS, WINDOW_FUNCTIONS
from shopctl.rules.regex_guard import BoundedRegex
from shopctl.rules.suggest import did_you_mean
from shopctl.types import Type

LITERAL_TYPES = {
    "text": Type.TEXT,
    "boolean": Type.BOOLEAN,
    "null": Type.NULL,
    "duration": Type.DURATION,
}
ORDERED = (Type.TEXT, Type.TIMESTAMP, Type.DURATION)
OP_WORDS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide", "mod": "take %"}


class ExpressionChecker:
    """Checks expressions on one entity type, collecting every error in `errors`."""

    def __init__(self, registry: Registry, entity_type: EntityType):
        self.registry = registry
        self.entity_type = entity_type
        self.errors: list[RuleError] = []

    def fail(self, node: Node, message: str) -> None:
        """Record an error at `node`."""
        self.errors.append(error_at(node, message))

    def check(self, expr: Expr) -> Checked | None:
        """The checked tree of `expr`, or None when it has errors (recorded)."""
        method = getattr(self, "_" + type(expr).__name__.lower(), None)
        if method is None:
            self.fail(expr, f"{type(expr).__name__.lower()} cannot be used here")
            return None
        return method(expr)

    def function(self, name: str) -> FunctionSpec | None:
        """A declared function, built-in or from a plugin."""
        return self.registry.functions.get(name) or BUILTINS.get(name)

    def _literal(self, node: Literal) -> Checked | None:
        if node.kind == "number":
            kind = Type.INTEGER if isinstance(node.value, int) else Type.NUMBER
            return Checked("literal", kind, node, value=node.value)
        if node.kind not in LITERAL_TYPES:
            self.fail(node, f"unknown literal kind {node.kind!r}")
            return None
        return Checked("literal", LITERAL_TYPES[node.kind], node, value=node.value)

    def _listliteral(self, node: ListLiteral) -> Checked | None:
        self.fail(node, 'a list can only follow `in` or `not in`, as in region in ["新疆", "西藏"]')
        return None

    def _list(self, node: ListLiteral) -> Checked | None:
        items = [self.check(item) for item in node.items]
        if None in items:
            return None
        kinds = {i.type for i in items if i is not None and i.type is not Type.NULL}
        if kinds and all(k.is_numeric for k in kinds):
            list_type = Type.NUMBER_LIST
        elif kinds <= {Type.TEXT}:
            list_type = Type.TEXT_LIST
        else:
            self.fail(node, "a list holds either texts or numbers, not " + _names(kinds))
            return None
        return Checked("list", list_type, node, args=tuple(i for i in items if i))

    def _name(self, node: Name) -> Checked | None:
        entity = self.entity_type
        for part in node.parts[:-1]:
            relation = entity.relation(part)
            if relation is None:
                hint = did_you_mean(part, [r.name for r in entity.relations])
                if entity.field(part):
                    self.fail(node, f"`{part}` is a field of {entity.name}, not a related entity")
                else:
                    self.fail(node, f"unknown related entity `{part}` on {entity.name}{hint}")
                return None
            if relation.target not in self.registry.entity_types:
                self.fail(node, f"`{part}` leads to {relation.target}, which no plugin declares")
                return None
            entity = self.registry.entity_type(relation.target)
        last = node.parts[-1]
        found = entity.field(last)
        if found is not None:
            return Checked("field", found.type, node, value=node.parts)
        if len(node.parts) == 1 and entity.metric(last):
            self.fail(
                node, f"`{last}` is a daily metric: use it over a window, e.g. sum({last}, 7d)"
            )
        elif len(node.parts) == 1 and entity.derived_metric(last):
            self.fail(node, f"`{last}` is a metric over a window: call it as {last}(7d)")
        else:
            prefix = ".".join((*node.parts[:-1], ""))
            known = [prefix + f.name for f in entity.fields]
            hint = did_you_mean(node.dotted, known + [r.name for r in entity.relations])
            self.fail(node, f"unknown field `{node.dotted}` on {entity.name}{hint}")
        return None

    def _unary(self, node: Unary) -> Checked | None:
        operand = self.check(node.operand)
        if operand is None:
            return None
        if node.op == "not" and operand.type is Type.BOOLEAN:
            return Checked("not", Type.BOOLEAN, node, (operand,))
        if node.op == "neg" and (operand.type.is_numeric or operand.type is Type.DURATION):
            return Checked("neg", operand.type, node, (operand,))
        wanted = "true or false" if node.op == "not" else "a number or a duration"
        self.fail(
            node, f"`{'not' if node.op == 'not' else '-'}` needs {wanted}, not {operand.type}"
        )
        return None

    def _binary(self, node: Binary) -> Checked | None:
        left, right = self.check(node.left), self.check(node.right)
        if left is None or right is None:
            return None
        result = _binary_type(node.op, left.type, right.type)
        if result is None:
            if node.op in ("and", "or"):
                bad = left if left.type is not Type.BOOLEAN else right
                message = f"`{node.op}` needs true/false on both sides, not {bad.type}"
            elif node.op == "mod":
                message = f"% needs two whole numbers (integers), not {left.type} and {right.type}"
            else:
                message = f"cannot {OP_WORDS[node.op]} {left.type} and {right.type}"
            self.fail(node, message)
            return None
        return Checked("binary", result, node, (left, right), op=node.op)

    def _compare(self, node: Compare) -> Checked | None:
        left = self.check(node.left)
        listed = node.op in ("in", "not_in") and isinstance(node.right, ListLiteral)
        right = self._list(node.right) if listed else self.check(node.right)  # type: ignore[arg-type]
        if left is None or right is None:
            return None
        if node.op in ("in", "not_in"):
            return self._membership(node, left, right, node.op)
        if node.op == "contains":
            if left.type is Type.TEXT and right.type is Type.TEXT:
                return Checked("compare", Type.BOOLEAN, node, (left, right), op="substring")
            if left.type.is_list:
                return self._membership(node, right, left, "contains")
            self.fail(node, f"`contains` needs text or a list on its left, not {left.type}")
            return None
        if node.op == "matches":
            return self._matches(node, left, right)
        if self._comparable(node, left, right, ordered=node.op not in ("eq", "ne")):
            return Checked("compare", Type.BOOLEAN, node, (left, right), op=node.op)
        return None

    def _comparable(self, node: Node, left: Checked, right: Checked, ordered: bool) -> bool:
        a, b = left.type, right.type
        if Type.NULL in (a, b):
            self.fail(node, "a comparison with null is never true; write `is null` instead")
            return False
        same = (a.is_numeric and b.is_numeric) or a is b
        allowed = a.is_numeric or a in ORDERED or (not ordered and a is Type.BOOLEAN)
        if same and allowed:
            return True
        if same:
            self.fail(node, f"{a} values cannot be compared with `<`, `>` or `between`")
        else:
            self.fail(node, f"cannot compare {a} with {b}")
        return False

    def _membership(self, node: Compare, item: Checked, group: Checked, op: str) -> Checked | None:
        if not group.type.is_list:
            self.fail(
                node, f'`{op.replace("_", " ")}` needs a list, e.g. ["a", "b"], not {group.type}'
            )
            return None
        if item.type is Type.NULL:
            self.fail(item.node, "null is never in a list; write `is null` instead")
            return None
        if group.kind == "list":
            targets = [m for m in group.args if m.type is not Type.NULL]
        else:
            targets = [Checked("literal", group.type.element, group.node)]
        if all(self._comparable(node, item, t, ordered=False) for t in targets):
            kind = "in" if group.kind == "list" else "member"
            return Checked("compare", Type.BOOLEAN, node, (item, group), op=kind, value=op)
        return None

    def _matches(self, node: Compare, left: Checked, right: Checked) -> Checked | None:
        if left.type is not Type.TEXT:
            self.fail(node.left, f"`matches` needs text on its left, not {left.type}")
            return None
        if right.kind != "literal" or right.type is not Type.TEXT:
            self.fail(node.right, "`matches` needs a quoted regular expression on its right")
            return None
        try:
            pattern = BoundedRegex(right.value)
        except RuleError as error:
            self.fail(node.right, error.message)
            return None
        return Checked("compare", Type.BOOLEAN, node, (left, right), op="matches", value=pattern)

    def _isnull(self, node: IsNull) -> Checked | None:
        operand = self.check(node.operand)
        if operand is None:
            return None
        return Checked("is_null", Type.BOOLEAN, node, (operand,), value=node.negated)

    def _between(self, node: Between) -> Checked | None:
        parts = [self.check(n) for n in (node.operand, node.low, node.high)]
        if None in parts:
            return None
        operand, low, high = parts
        assert operand and low and high
        if self._comparable(node, operand, low, True) and self._comparable(
            node, operand, high, True
        ):
            return Checked("between", Type.BOOLEAN, node, (operand, low, high))
        return None

    def _call(self, node: Call) -> Checked | None:
        derived = self.entity_type.derived_metric(node.name)
        spec = self.function(node.name)
        if derived is not None and not (spec and len(node.args) != 1):
            return self._derived(node)
        if node.name in WINDOW_FUNCTIONS and self._is_window_call(node):
            return self._window(node)
        if spec is None:
            known = [
                *self.registry.functions,
                *BUILTINS,
                *(d.name for d in self.entity_type.derived),
            ]
            self.fail(node, f"unknown function `{node.name}`{did_you_mean(node.name, known)}")
            return None
        args = [self.check(a) for a in node.args]
        if None in args or not self._arity(node, spec):
            return None
        checked = tuple(a for a in args if a is not None)
        params = spec.params
        for i, arg in enumerate(checked):
            param = params[min(i, len(params) - 1)]
            if not param.type.accepts(arg.type):
                self.fail(
                    arg.node,
                    f"{node.name}() expects {param.type} as `{param.name}`, not {arg.type}",
                )
                return None
        try:
            result = spec.return_type([a.type for a in checked])
        except ValueError as error:
            self.fail(node, f"{node.name}(): {error}")
            return None
        return Checked("call", result, node, checked, op=node.name, value=spec)

    def _arity(self, node: Call, spec: FunctionSpec) -> bool:
        required = sum(1 for p in spec.params if p.required)
        most = None if spec.variadic else len(spec.params)
        if len(node.args) >= required and (most is None or len(node.args) <= most):
            return True
        want = (
            f"at least {required}"
            if most is None
            else (str(required) if required == most else f"{required} to {most}")
        )
        self.fail(node, f"{node.name}() takes {want} argument(s), {len(node.args)} given")
        return False

    def _is_window_call(self, node: Call) -> bool:
        if node.name in ("sum", "avg"):
            return True
        first = node.args[0] if node.args else None
        return isinstance(first, Name) and self.entity_type.metric(first.dotted) is not None

    def _window_days(self, node: Call, arg: Expr | None) -> int | None:
        if (
            isinstance(arg, Literal)
            and isinstance(arg.value, timedelta)
            and arg.value >= timedelta(days=1)
            and arg.value % timedelta(days=1) == timedelta(0)
        ):
            return arg.value.days
        self.fail(
            arg or node,
            "the window must be whole days written as a duration, like 7d (at least 1d)",
        )
        return None

    def _window(self, node: Call) -> Checked | None:
        metrics = [m.name for m in self.entity_type.metrics]
        if len(node.args) != 2 or not isinstance(node.args[0], Name):
            self.fail(
                node,
                f"{node.name}() over a window takes a daily metric and a window, like "
                f"{node.name}({(metrics or ['metric'])[0]}, 7d)",
            )
            return None
        metric = node.args[0].dotted
        found = self.entity_type.metric(metric)
        days = self._window_days(node, node.args[1])
        if found is None:
            hint = (
                did_you_mean(metric, metrics) or f" (daily metrics: {', '.join(metrics) or 'none'})"
            )
            self.fail(
                node.args[0], f"`{metric}` is not a daily metric of {self.entity_type.name}{hint}"
            )
            return None
        if days is None:
            return None
        return Checked("window", Type.NUMBER, node, value=Window(node.name, metric, days))

    def _derived(self, node: Call) -> Checked | None:
        derived = self.entity_type.derived_metric(node.name)
        assert derived is not None
        if len(node.args) != 1:
            self.fail(node, f"{node.name}() takes one window, like {node.name}(7d)")
            return None
        days = self._window_days(node, node.args[0])
        if days is None:
            return None
        window = Literal(timedelta(days=days), "duration", span=node.span)
        inner = ExpressionChecker(self.registry, self.entity_type)
        try:
            expansion = inner.check(_substitute(parse_formula(derived.formula), "w", window))
        except RuleError as error:
            inner.errors.append(error)
            expansion = None
        if expansion is None:
            self.fail(node, f"the formula of {node.name} is invalid: {inner.errors[0].message}")
            return None
        return Checked("derived", expansion.type, node, (expansion,), op=node.name, value=days)


BUILTINS = {f.name: f for f in BUILTIN_FUNCTIONS}


@lru_cache(maxsize=256)
def parse_formula(formula: str) -> Expr:
    """A derived metric's formula as a tree, parsed once."""
    from shopctl.rules.parser import parse_expression

    return parse_expression(formula)


def _substitute(expr: Any, name: str, replacement: Expr) -> Any:
    """`expr` with every bare Name `name` replaced (spans set to the call's)."""
    if isinstance(expr, Name) and expr.parts == (name,):
        return replacement
    if isinstance(expr, tuple):
        return tuple(_substitute(item, name, replacement) for item in expr)
    if not is_dataclass(expr) or not isinstance(expr, Node):
        return expr
    changes = {
        f.name: _substitute(getattr(expr, f.name), name, replacement)
        for f in fields(expr)
        if f.name != "span"
    }
    return replace(expr, **changes, span=replacement.span)


def _binary_type(op: str, a: Type, b: Type) -> Type | None:
    """The type of `a op b`, or None when the operator does not apply."""
    numeric = a.is_numeric and b.is_numeric
    if op in ("and", "or"):
        return Type.BOOLEAN if a is b is Type.BOOLEAN else None
    if op == "mod":
        return Type.INTEGER if a is b is Type.INTEGER else None
    if op == "div":
        return Type.NUMBER if numeric else None
    if numeric:
        return Type.INTEGER if a is b is Type.INTEGER else Type.NUMBER
    table = {
        ("add", Type.TIMESTAMP, Type.DURATION): Type.TIMESTAMP,
        ("add", Type.DURATION, Type.TIMESTAMP): Type.TIMESTAMP,
        ("add", Type.DURATION, Type.DURATION): Type.DURATION,
        ("sub", Type.TIMESTAMP, Type.DURATION): Type.TIMESTAMP,
        ("sub", Type.TIMESTAMP, Type.TIMESTAMP): Type.DURATION,
        ("sub", Type.DURATION, Type.DURATION): Type.DURATION,
    }
    return table.get((op, a, b))


def _names(kinds: set[Type]) -> str:
    return " and ".join(sorted(str(k) for k in kinds))
