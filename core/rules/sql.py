"""Checked expressions -> SQLAlchemy Core, identical on SQLite and PostgreSQL.

Three-valued logic comes from SQL itself. What needs care is making both databases
compute exactly what the Python closures compute:
- timestamps and durations are whole microseconds since 1970 UTC (BIGINT), so
  comparing, adding and subtracting them is exact on both; but a timestamp column
  compared with something fixed for the query (`days_since(t) >= 30`, `t < now() - 2h`)
  is compared as stored with one bound instant (`shopctl.rules.sargable`);
- `/` is a float division whose zero divisor gives NULL (NULLIF);
- text is ordered by code point (COLLATE "C" on PostgreSQL, binary on SQLite);
- a construct that cannot run identically (`matches`, functions without a SQL
  builder) is not pushed down: the condition is split at its top-level `and`s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    Text,
    and_,
    case,
    cast,
    collate,
    exists,
    extract,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement, Grouping

from shopctl.rules.compiled import SqlBinding
from shopctl.rules.sargable import sargable_compare
from shopctl.types import Type

if TYPE_CHECKING:
    from shopctl.rules.checked import Checked

OPERATORS = ("not", "neg", "binary", "compare", "is_null", "between")
SqlBuilder = Callable[[SqlBinding], ColumnElement[Any] | None]


@dataclass(frozen=True)
class SqlCall:
    """What a built-in function's SQL builder gets: the binding, arguments, their types."""

    binding: SqlBinding
    args: tuple[ColumnElement[Any], ...]
    types: tuple[Type, ...]

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.binding.dialect


def micros(delta: timedelta) -> int:
    """A duration as whole microseconds."""
    return delta // timedelta(microseconds=1)


def number(value: float) -> ColumnElement[Any]:
    """A numeric literal with an explicit type (PostgreSQL would guess int2 or numeric)."""
    if isinstance(value, int):
        return cast(literal(value), BigInteger)
    return cast(literal(value), Float)


def as_float(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    """`expr` as a double, so `/` divides exactly like Python's float division."""
    return cast(expr, Float)


def timestamp_micros(expr: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """A stored instant as microseconds since 1970 UTC, exactly.

    SQLite keeps naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff`: whole seconds come from
    strftime on the first 19 characters, microseconds from the digits after the dot.
    """
    if dialect == "postgresql":
        return cast(extract("epoch", expr) * 1_000_000, BigInteger)
    text = type_coerce(expr, Text)
    seconds = cast(func.strftime("%s", func.substr(text, 1, 19)), Integer)
    fraction = cast(func.substr(text.concat("000000"), 21, 6), Integer)
    return seconds * 1_000_000 + fraction


def text_order(expr: ColumnElement[Any], kind: Type, dialect: str) -> ColumnElement[Any]:
    """Text compared by code point on PostgreSQL too; other types unchanged."""
    return collate(expr, "C") if kind is Type.TEXT and dialect == "postgresql" else expr


def pushable(node: Checked) -> bool:
    """Whether the whole of `node` can run in SQL with the same result as in Python."""
    for item in node.walk():
        if item.kind == "compare" and item.op == "matches":
            return False
        if item.kind == "call" and item.value.sql is None:
            return False
    return True


def conjuncts(node: Checked) -> list[Checked]:
    """The top-level `and` operands of a condition, left to right."""
    if node.kind == "binary" and node.op == "and":
        return conjuncts(node.args[0]) + conjuncts(node.args[1])
    return [node]


def compile_filter(parts: list[Checked]) -> SqlBuilder:
    """The SQL filter of the conjuncts `parts` (all pushable); None when there are none."""

    def build(binding: SqlBinding) -> ColumnElement[Any] | None:
        if not parts:
            return None
        return and_(*(to_sql(part, binding) for part in parts))

    return build


def to_sql(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    """The SQL expression of a pushable checked node."""
    built = _BUILDERS[node.kind](node, binding)
    # SQLAlchemy's precedence rules are not the databases': `NOT flag IS NULL` means
    # NOT (flag IS NULL) to PostgreSQL. Every operator result is parenthesised.
    return Grouping(built) if node.kind in OPERATORS else built


def _args(node: Checked, binding: SqlBinding) -> list[ColumnElement[Any]]:
    return [to_sql(arg, binding) for arg in node.args]


def _literal(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    value = node.value
    if node.type is Type.NULL:
        return null()
    if node.type is Type.DURATION:
        return number(micros(value))
    if node.type is Type.BOOLEAN:
        return cast(literal(value), Boolean)
    if node.type is Type.TEXT:
        return cast(literal(value), Text)
    return number(value)


def _field(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    column = binding.field(node.value)
    if node.type is Type.TIMESTAMP:
        return timestamp_micros(column, binding.dialect)
    return column


def _binary(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    left, right = _args(node, binding)
    op = node.op
    if op == "and":
        return and_(left, right)
    if op == "or":
        return or_(left, right)
    if op == "div":
        return as_float(left) / type_coerce(func.nullif(as_float(right), number(0.0)), Float)
    if op == "mod":
        return left % type_coerce(func.nullif(right, number(0)), BigInteger)
    return {"add": left + right, "sub": left - right, "mul": left * right}[op]


def _compare(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    if node.op in ("in", "member"):
        found = _membership(node, binding)
        return not_(found) if node.value == "not_in" else found
    if node.op == "substring":
        left, right = _args(node, binding)
        name = "strpos" if binding.dialect == "postgresql" else "instr"
        return getattr(func, name)(left, right) > 0
    return _ordered(node.op, *node.args, binding)


def _ordered(op: str, left_node: Checked, right_node: Checked, binding: SqlBinding) -> Any:
    """`left op right` for an order operator; against a bound instant where it can be."""
    sargable = sargable_compare(op, left_node, right_node, binding)
    if sargable is not None:
        return sargable
    kind = left_node.type
    left, right = (
        text_order(to_sql(side, binding), kind, binding.dialect) for side in (left_node, right_node)
    )
    return {
        "eq": left == right,
        "ne": left != right,
        "lt": left < right,
        "le": left <= right,
        "gt": left > right,
        "ge": left >= right,
    }[op]


def _membership(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    item_node, group = node.args
    item = to_sql(item_node, binding)
    if node.op == "in":
        if not group.args:
            return cast(literal(False), Boolean)
        terms = [null() if m.type is Type.NULL else item == to_sql(m, binding) for m in group.args]
        return or_(*terms)
    column = to_sql(group, binding)
    if binding.dialect == "postgresql":
        found = cast(column, JSONB).op("@>", is_comparison=True)(func.jsonb_build_array(item))
    else:
        each = func.json_each(column).table_valued("value")
        found = exists(select(literal(1)).select_from(each).where(each.c.value == item))
    unknown = or_(column.is_(None), item.is_(None))
    return case((unknown, null()), else_=found)


def _call(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    spec = node.value
    args = _args(node, binding)
    if spec.context:
        return spec.sql(SqlCall(binding, tuple(args), tuple(a.type for a in node.args)))
    return spec.sql(*args)


def _between(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    x, low, high = node.args
    return and_(_ordered("ge", x, low, binding), _ordered("le", x, high, binding))


def _is_null(node: Checked, binding: SqlBinding) -> ColumnElement[Any]:
    operand = node.args[0]
    # A stored instant is null exactly when its column is: no conversion per row.
    value = binding.field(operand.value) if operand.kind == "field" else to_sql(operand, binding)
    return value.is_not(None) if node.value else value.is_(None)


_BUILDERS: dict[str, Callable[[Checked, SqlBinding], ColumnElement[Any]]] = {
    "literal": _literal,
    "field": _field,
    "window": lambda node, binding: binding.window(node.value),
    "derived": lambda node, binding: to_sql(node.args[0], binding),
    "not": lambda node, binding: not_(to_sql(node.args[0], binding)),
    "neg": lambda node, binding: -to_sql(node.args[0], binding),
    "binary": _binary,
    "compare": _compare,
    "is_null": _is_null,
    "between": _between,
    "call": _call,
}
