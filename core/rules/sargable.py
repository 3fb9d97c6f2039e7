"""Timestamp conditions as comparisons of the stored column with one bound instant.

`days_since(last_order_at) >= 30` computed per row costs arithmetic on every row (on
SQLite, strftime on the stored text) and no index can serve it. When the other side
does not depend on the row, the condition is the same as comparing the column with an
instant computed once: `last_order_at <= :now - 30 days`. The instant is found from the
Python definition itself (a search over whole microseconds), so both paths agree on
every row; it is bound through the column's own type, so on SQLite the parameter has
the stored text's format and the text order is the time order. A null column gives
null either way.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlalchemy.sql.elements import ColumnElement

from shopctl.rules.checked import Checked
from shopctl.rules.closures import compile_closure
from shopctl.rules.compiled import EvalContext, SqlBinding
from shopctl.types import Type

# Functions of how far an instant is from now(), monotonic in it.
DISTANCE_FUNCTIONS = ("days_since", "hours_since", "days_until")
ROW_KINDS = ("field", "window", "derived")
MIRRORED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def sargable_compare(
    op: str, left: Checked, right: Checked, binding: SqlBinding
) -> ColumnElement[bool] | None:
    """`left op right` as column-against-instant comparisons; None when it does not apply.

    Applies when one side is a timestamp field (`t`, `t ± duration`) or a distance
    function of one (`days_since(t)`…) and the other side does not depend on the row.
    """
    if op not in MIRRORED:
        return None
    if constant(left) and not constant(right):
        left, right, op = right, left, MIRRORED[op]
    if not constant(right):
        return None
    value = compile_closure(right)({}, binding.ctx)
    # A null bound stays with the general path, which gives null for every row; so does
    # NaN, for which `!=` is not the opposite of `<` or `>`.
    if value is None or value != value:
        return None
    if left.type is Type.TIMESTAMP:
        return _instant_compare(op, left, value, binding)
    if left.kind == "call" and left.op in DISTANCE_FUNCTIONS and _is_timestamp_field(left.args[0]):
        return _distance_compare(op, left, value, binding)
    return None


def constant(node: Checked) -> bool:
    """Whether `node`'s value is the same for every row of the query."""
    return not any(item.kind in ROW_KINDS for item in node.walk())


def _is_timestamp_field(node: Checked) -> bool:
    return node.kind == "field" and node.type is Type.TIMESTAMP


def _instant_compare(
    op: str, left: Checked, value: datetime, binding: SqlBinding
) -> ColumnElement[bool] | None:
    """`t op C`, `t + d op C`, `t - d op C`, `d + t op C` with d and C fixed."""
    shift = timedelta(0)
    if left.kind == "binary" and left.op in ("add", "sub"):
        moment, offset = left.args
        if left.op == "add" and offset.type is Type.TIMESTAMP:
            moment, offset = offset, moment
        if not constant(offset):
            return None
        delta = compile_closure(offset)({}, binding.ctx)
        if delta is None:
            return None
        shift = delta if left.op == "add" else -delta
        left = moment
    if not _is_timestamp_field(left):
        return None
    try:
        bound = value - shift
    except OverflowError:
        return None
    return _column_compare(op, binding.field(left.value), bound)


def _distance_compare(
    op: str, call: Checked, value: Any, binding: SqlBinding
) -> ColumnElement[bool] | None:
    """`days_since(t) op c` and the like, with c fixed."""
    column = binding.field(call.args[0].value)
    if op in ("eq", "ne"):
        low = _distance_bound("ge" if op == "eq" else "lt", call, value, column, binding.ctx)
        high = _distance_bound("le" if op == "eq" else "gt", call, value, column, binding.ctx)
        return and_(low, high) if op == "eq" else or_(low, high)
    return _distance_bound(op, call, value, column, binding.ctx)


def _distance_bound(
    op: str, call: Checked, value: Any, column: ColumnElement[Any], ctx: EvalContext
) -> ColumnElement[bool]:
    """The instants t for which `f(t) op value` holds, as one comparison of the column.

    f is monotonic in t, so those instants are all of them, none, or those up to (or
    from) one instant: found by bisection on f itself, in whole microseconds.
    """
    function, compare = call.value.python, ORDER[op]

    def holds(t: datetime) -> bool:
        return bool(compare(function(ctx, t), value))

    if holds(EARLIEST) == holds(LATEST):
        # The same answer for every instant: true or false for any stored value, null
        # for a null one.
        return column == column if holds(EARLIEST) else column != column
    rising = holds(LATEST)  # true from some instant on, else true up to some instant
    low, high = EARLIEST, LATEST  # holds(low) != holds(high) throughout
    while high - low > MICROSECOND:
        middle = low + (high - low) // 2
        if holds(middle) == rising:
            high = middle
        else:
            low = middle
    return _column_compare("ge", column, high) if rising else _column_compare("le", column, low)


def _column_compare(op: str, column: ColumnElement[Any], bound: datetime) -> ColumnElement[bool]:
    """The raw column against an instant bound through the column's own type."""
    instant = bindparam(None, bound, type_=column.type)
    if op == "eq":
        return column == instant
    if op == "ne":
        return column != instant
    return ORDER[op](column, instant)
