"""Checked expressions -> Python closures, built once per rule.

Each node becomes one closure that calls its children's closures, composed when the
rule is compiled, so evaluating a row walks no tree. The semantics are SQL's, exactly
as `shopctl.rules.sql` computes them: null (None) propagates, `and`/`or`/`not` follow
Kleene's three-valued logic, a zero divisor gives null, text orders by code point.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from shopctl.rules.checked import Checked
from shopctl.rules.compiled import EvalContext, Row, TraceItem, field_key
from shopctl.rules.printer import print_expr

Fn = Callable[[Row, EvalContext], Any]
Traced = Callable[[Row, EvalContext, list[TraceItem]], Any]
Apply = Callable[..., Any]  # (ctx, *child values) -> value

LEAVES = ("literal", "field", "window", "derived")


def kleene_and(a: Any, b: Any) -> bool | None:
    """SQL AND: false wins over unknown, unknown over true."""
    if (a is not None and not a) or (b is not None and not b):
        return False
    return None if a is None or b is None else True


def kleene_or(a: Any, b: Any) -> bool | None:
    """SQL OR: true wins over unknown, unknown over false."""
    if (a is not None and a) or (b is not None and b):
        return True
    return None if a is None or b is None else False


def kleene_not(a: Any) -> bool | None:
    """SQL NOT: unknown stays unknown."""
    return None if a is None else not a


def _strict(fn: Callable[..., Any]) -> Apply:
    """`fn` of the values, or null when any value is null."""
    return lambda ctx, *values: None if None in values else fn(*values)


def _divide(a: Any, b: Any) -> float | None:
    return None if b == 0 else float(a) / float(b)


def _remainder(a: int, b: int) -> int | None:
    """Truncating remainder, the sign of the dividend: SQL's `%`, not Python's."""
    if b == 0:
        return None
    rest = abs(a) % abs(b)
    return -rest if a < 0 else rest


def _in_list(ctx: EvalContext, item: Any, members: list[Any]) -> bool | None:
    if not members:
        return False
    if item is None:
        return None
    if any(m is not None and item == m for m in members):
        return True
    return None if None in members else False


def _member(ctx: EvalContext, item: Any, group: list[Any] | None) -> bool | None:
    return None if item is None or group is None else item in group


STRICT = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": _divide,
    "mod": _remainder,
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "substring": lambda text, part: part in text,
}


def operation(node: Checked) -> Apply:
    """How `node` combines its children's values into its own."""
    kind, op = node.kind, node.op
    if kind == "not":
        return lambda ctx, a: kleene_not(a)
    if kind == "neg":
        return _strict(operator.neg)
    if kind == "binary" and op in ("and", "or"):
        combine = kleene_and if op == "and" else kleene_or
        return lambda ctx, a, b: combine(a, b)
    if kind == "compare" and op in ("in", "member"):
        found = _in_list if op == "in" else _member
        if node.value == "not_in":
            return lambda ctx, item, group: kleene_not(found(ctx, item, group))
        return found
    if kind == "compare" and op == "matches":
        pattern = node.value
        return lambda ctx, text, _: None if text is None else pattern.search(text)
    if kind in ("binary", "compare"):
        return _strict(STRICT[op])
    if kind == "is_null":
        negated = node.value
        return lambda ctx, a: (a is not None) if negated else (a is None)
    if kind == "between":
        return lambda ctx, x, low, high: kleene_and(
            None if x is None or low is None else x >= low,
            None if x is None or high is None else x <= high,
        )
    if kind == "list":
        return lambda ctx, *items: list(items)
    if kind == "call":
        spec = node.value
        if spec.context:
            return spec.python
        python = spec.python
        return lambda ctx, *values: python(*values)
    raise ValueError(f"cannot evaluate a {kind} node")


def compile_closure(node: Checked) -> Fn:
    """One closure computing `node`'s value from a row and the evaluation context."""
    if node.kind == "literal":
        value = node.value
        return lambda row, ctx: value
    if node.kind == "field":
        key = field_key(node.value)
        return lambda row, ctx: row[key]
    if node.kind == "window":
        key = node.value.key
        return lambda row, ctx: row[key]
    if node.kind == "derived":
        return compile_closure(node.args[0])
    children = [compile_closure(arg) for arg in node.args]
    if len(children) == 2 and (node.kind, node.op) in SHORT_CIRCUIT:
        return SHORT_CIRCUIT[node.kind, node.op](*children)
    if len(children) == 2 and node.kind in ("binary", "compare") and node.op in STRICT:
        return _strict_pair(STRICT[node.op], *children)
    apply = operation(node)
    if len(children) == 1:
        (only,) = children
        return lambda row, ctx: apply(ctx, only(row, ctx))
    if len(children) == 2:
        left, right = children
        return lambda row, ctx: apply(ctx, left(row, ctx), right(row, ctx))
    return lambda row, ctx: apply(ctx, *[child(row, ctx) for child in children])


def _strict_pair(fn: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    """`fn(a, b)`, null when either is null; the right side is skipped after a null."""

    def strict(row: Row, ctx: EvalContext) -> Any:
        a = left(row, ctx)
        if a is None:
            return None
        b = right(row, ctx)
        return None if b is None else fn(a, b)

    return strict


def _and(left: Fn, right: Fn) -> Fn:
    """Kleene AND that skips the right side once the left is false."""

    def and_(row: Row, ctx: EvalContext) -> bool | None:
        a = left(row, ctx)
        if a is not None and not a:
            return False
        return kleene_and(a, right(row, ctx))

    return and_


def _or(left: Fn, right: Fn) -> Fn:
    """Kleene OR that skips the right side once the left is true."""

    def or_(row: Row, ctx: EvalContext) -> bool | None:
        a = left(row, ctx)
        if a is not None and a:
            return True
        return kleene_or(a, right(row, ctx))

    return or_


SHORT_CIRCUIT = {("binary", "and"): _and, ("binary", "or"): _or}


def compile_explain(node: Checked, path: str) -> Traced:
    """A closure that computes `node` and records every sub-expression's value.

    Items are recorded parents first (a node, then its children), as the tree reads.
    """
    text = print_expr(node.node)  # type: ignore[arg-type]
    if node.kind in LEAVES:
        compute = compile_closure(node)

        def leaf(row: Row, ctx: EvalContext, out: list[TraceItem]) -> Any:
            value = compute(row, ctx)
            out.append(TraceItem(path, text, value))
            return value

        return leaf
    apply = operation(node)
    children = [compile_explain(arg, f"{path}/{i}") for i, arg in enumerate(node.args)]

    def inner(row: Row, ctx: EvalContext, out: list[TraceItem]) -> Any:
        slot = len(out)
        out.append(TraceItem(path, text, None))
        value = apply(ctx, *[child(row, ctx, out) for child in children])
        out[slot] = TraceItem(path, text, value)
        return value

    return inner
