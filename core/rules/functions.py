"""The built-in functions of the rule language, declared once with types and help.

Each declaration carries a Python implementation with SQL's null behaviour (a null
argument gives null) and, where SQLite and PostgreSQL compute exactly the same
result, a SQL builder so the call runs in the database. In SQL, timestamps and
durations are whole microseconds (see `shopctl.rules.sql`), which keeps them exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, cast, func, null, or_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from shopctl.registry import FunctionSpec, Param
from shopctl.rules.compiled import EvalContext
from shopctl.rules.sql import SqlCall, as_float, micros, number, text_order, timestamp_micros
from shopctl.types import Type

WINDOW_FUNCTIONS = ("sum", "avg", "min", "max")
"""Names that, given a daily metric and a window (`sum(spend, 7d)`), aggregate it."""

DAY_MICROS = 86_400_000_000
HOUR_MICROS = 3_600_000_000

ANY, NUM, TEXT, TS = Type.ANY, Type.NUMBER, Type.TEXT, Type.TIMESTAMP


def common_type(types: Sequence[Type]) -> Type:
    """The one type values of `types` share (integers widen to numbers); nulls ignored."""
    known = {t for t in types if t is not Type.NULL}
    if not known:
        raise ValueError("needs at least one value that is not null")
    if all(t.is_numeric for t in known):
        return Type.INTEGER if known == {Type.INTEGER} else Type.NUMBER
    if len(known) == 1 and not next(iter(known)).is_list:
        return known.pop()
    raise ValueError("values must all be numbers, or all of one type, not " + _names(known))


def _names(types: set[Type]) -> str:
    return " and ".join(sorted(str(t) for t in types))


def _ordered(types: Sequence[Type]) -> Type:
    result = common_type(types)
    if result is Type.BOOLEAN:
        raise ValueError("true/false values have no order")
    return result


def _since(ctx: EvalContext, moment: datetime | None, unit: int) -> float | None:
    return None if moment is None else micros(ctx.now - moment) / float(unit)


def _until(ctx: EvalContext, moment: datetime | None) -> float | None:
    return None if moment is None else micros(moment - ctx.now) / float(DAY_MICROS)


def _since_sql(unit: int, reverse: bool = False) -> Any:
    def build(call: SqlCall) -> ColumnElement[Any]:
        now = timestamp_micros(call.binding.now(), call.dialect)
        elapsed = call.args[0] - now if reverse else now - call.args[0]
        return as_float(elapsed) / number(float(unit))

    return build


def _today(ctx: EvalContext) -> datetime:
    return datetime.combine(ctx.today, time(0), tzinfo=ctx.zone).astimezone(UTC)


def _round(value: float | None, digits: int | None = 0) -> float | None:
    """Half away from zero on the value as written, which is what people expect."""
    if value is None or digits is None:
        return None
    if not math.isfinite(value):
        return float(value)
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _len_sql(call: SqlCall) -> ColumnElement[Any]:
    value = call.args[0]
    if not call.types[0].is_list:
        return func.length(value)
    if call.dialect == "postgresql":
        return func.jsonb_array_length(cast(value, JSONB))
    return func.json_array_length(value)


def _extreme(pick: Any, sqlite_name: str, pg_name: str) -> tuple[Any, Any]:
    def python(ctx: EvalContext, a: Any, b: Any) -> Any:
        return None if a is None or b is None else pick(a, b)

    def sql(call: SqlCall) -> ColumnElement[Any]:
        a, b = (
            text_order(arg, t, call.dialect) for arg, t in zip(call.args, call.types, strict=True)
        )
        name = pg_name if call.dialect == "postgresql" else sqlite_name
        either_null = or_(call.args[0].is_(None), call.args[1].is_(None))
        return case((either_null, null()), else_=getattr(func, name)(a, b))

    return python, sql


def _coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def _abs(value: Any) -> Any:
    return None if value is None else abs(value)


def _text(fn: Any) -> Any:
    return lambda value: None if value is None else fn(value)


def _len(ctx: EvalContext, value: Any) -> int | None:
    return None if value is None else len(value)


def _same_numeric(types: Sequence[Type]) -> Type:
    if not types[0].is_numeric and types[0] is not Type.NULL:
        raise ValueError(f"needs a number, not {types[0]}")
    return types[0] if types[0].is_numeric else NUM


def _countable(types: Sequence[Type]) -> Type:
    if types[0] is not Type.TEXT and not types[0].is_list and types[0] is not Type.NULL:
        raise ValueError(f"counts the characters of a text or the items of a list, not {types[0]}")
    return Type.INTEGER


_min_py, _min_sql = _extreme(min, "min", "least")
_max_py, _max_sql = _extreme(max, "max", "greatest")

T = Param("t", TS, "A timestamp")

BUILTIN_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "now",
        (),
        TS,
        "The evaluation instant (`--at`, or the current time).",
        python=lambda ctx: ctx.now,
        context=True,
        example="created_at < now() - 2h",
        sql=lambda call: timestamp_micros(call.binding.now(), call.dialect),
    ),
    FunctionSpec(
        "today",
        (),
        TS,
        "Midnight starting today in the configured time zone.",
        python=_today,
        context=True,
        example="created_at >= today()",
    ),
    FunctionSpec(
        "days_since",
        (T,),
        NUM,
        "Days elapsed since t, as an exact fraction (36h = 1.5).",
        python=lambda ctx, t: _since(ctx, t, DAY_MICROS),
        sql=_since_sql(DAY_MICROS),
        context=True,
        example="days_since(last_order_at) >= 30",
    ),
    FunctionSpec(
        "hours_since",
        (T,),
        NUM,
        "Hours elapsed since t, as an exact fraction.",
        python=lambda ctx, t: _since(ctx, t, HOUR_MICROS),
        sql=_since_sql(HOUR_MICROS),
        context=True,
        example="hours_since(paid_at) > 48",
    ),
    FunctionSpec(
        "days_until",
        (T,),
        NUM,
        "Days from now until t (negative once t has passed).",
        python=_until,
        sql=_since_sql(DAY_MICROS, reverse=True),
        context=True,
        example="days_until(points_expire_at) <= 3",
    ),
    FunctionSpec(
        "lower",
        (Param("s", TEXT),),
        TEXT,
        "The text in lower case (every alphabet).",
        python=_text(str.lower),
        example='lower(status) == "active"',
    ),
    FunctionSpec(
        "upper",
        (Param("s", TEXT),),
        TEXT,
        "The text in upper case (every alphabet).",
        python=_text(str.upper),
        example='upper(region) == "CA"',
    ),
    FunctionSpec(
        "len",
        (Param("x", ANY, "A text or a list"),),
        _countable,
        "Number of characters of a text, or of items of a list.",
        python=_len,
        sql=_len_sql,
        context=True,
        example="len(title) > 60",
    ),
    FunctionSpec(
        "round",
        (Param("x", NUM), Param("digits", Type.INTEGER, default=0)),
        NUM,
        "x rounded to `digits` decimals, halves away from zero (2.5 -> 3).",
        python=_round,
        example="round(roi(7d), 1) < 2",
    ),
    FunctionSpec(
        "abs",
        (Param("x", NUM),),
        _same_numeric,
        "The absolute value of x.",
        python=_abs,
        sql=lambda x: func.abs(x),
        example="abs(stock) > 0",
    ),
    FunctionSpec(
        "min",
        (Param("a", ANY), Param("b", ANY)),
        _ordered,
        "min(a, b): the smaller value (null if either is null). min(metric, 7d): the "
        "smallest daily value of a metric over the window (null with no days).",
        python=_min_py,
        sql=_min_sql,
        context=True,
        example="min(spend, 7d) > 0",
    ),
    FunctionSpec(
        "max",
        (Param("a", ANY), Param("b", ANY)),
        _ordered,
        "max(a, b): the larger value (null if either is null). max(metric, 7d): the "
        "largest daily value of a metric over the window (null with no days).",
        python=_max_py,
        sql=_max_sql,
        context=True,
        example="max(bid, 0.5) <= 3",
    ),
    FunctionSpec(
        "coalesce",
        (Param("a", ANY), Param("b", ANY)),
        common_type,
        "The first of its arguments that is not null.",
        python=_coalesce,
        sql=lambda *values: func.coalesce(*values),
        variadic=True,
        example='coalesce(tier, "none") != "gold"',
    ),
    FunctionSpec(
        "sum",
        (Param("metric", NUM, "A daily metric"), Param("window", Type.DURATION)),
        NUM,
        "Total of a daily metric over the window's whole days (0 with no days).",
        example="sum(spend, 7d) >= 100",
    ),
    FunctionSpec(
        "avg",
        (Param("metric", NUM, "A daily metric"), Param("window", Type.DURATION)),
        NUM,
        "Mean daily value of a metric over the window (null with no days).",
        example="avg(clicks, 14d) < 10",
    ),
)
