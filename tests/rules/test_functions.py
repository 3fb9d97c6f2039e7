"""The built-in functions: declared completely, null-safe, exact, and their examples valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopctl.entities import CANONICAL
from shopctl.errors import RuleErrors
from shopctl.registry import FunctionSpec, Registry
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import compile_expression
from shopctl.rules.functions import BUILTIN_FUNCTIONS, WINDOW_FUNCTIONS, common_type
from shopctl.rules.parser import parse_expression
from shopctl.types import Type

SPECS = {spec.name: spec for spec in BUILTIN_FUNCTIONS}
SQL_DIFFERS = {"today", "lower", "upper", "round"}  # Python only: see functions.py


def call(name: str, ctx: EvalContext, *args: object) -> object:
    """The Python implementation of a built-in, called as the closures call it."""
    spec = SPECS[name]
    assert spec.python is not None
    return spec.python(ctx, *args) if spec.context else spec.python(*args)


def test_the_language_has_every_function_the_spec_lists() -> None:
    assert set(SPECS) == {
        "now", "today", "days_since", "hours_since", "days_until", "lower", "upper", "len",
        "round", "abs", "min", "max", "coalesce", "sum", "avg",
    }  # fmt: skip
    assert set(WINDOW_FUNCTIONS) <= set(SPECS)


@pytest.mark.parametrize("spec", BUILTIN_FUNCTIONS, ids=lambda s: s.name)
def test_each_function_is_declared_with_help_and_an_example(spec: FunctionSpec) -> None:
    assert spec.help.endswith(".")
    assert f"{spec.name}(" in spec.example
    assert all(p.type in Type for p in spec.params)
    if spec.name in ("sum", "avg"):
        assert spec.python is None  # aggregated by the store
    else:
        assert spec.python is not None
        assert (spec.sql is None) == (spec.name in SQL_DIFFERS)


@pytest.mark.parametrize("spec", BUILTIN_FUNCTIONS, ids=lambda s: s.name)
def test_each_example_checks_against_a_canonical_entity_type(spec: FunctionSpec) -> None:
    registry = Registry()
    for entity_type in CANONICAL:
        registry.add_entity_type(entity_type, "core")
    expr = parse_expression(spec.example)
    accepted = []
    for entity_type in CANONICAL:
        try:
            compile_expression(expr, entity_type.name, registry)
            accepted.append(entity_type.name)
        except RuleErrors:
            pass
    assert accepted, f"{spec.example!r} is valid on no canonical entity type"


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("days_since", (None,)),
        ("hours_since", (None,)),
        ("days_until", (None,)),
        ("lower", (None,)),
        ("upper", (None,)),
        ("len", (None,)),
        ("round", (None, 2)),
        ("round", (2.5, None)),
        ("abs", (None,)),
        ("min", (None, 1)),
        ("max", ("a", None)),
        ("coalesce", (None, None, None)),
    ],
)
def test_a_null_argument_gives_null(name: str, args: tuple[object, ...], ctx: EvalContext) -> None:
    assert call(name, ctx, *args) is None


def test_elapsed_time_is_an_exact_fraction(ctx: EvalContext) -> None:
    assert call("days_since", ctx, ctx.now - timedelta(hours=36)) == 1.5
    assert call("hours_since", ctx, ctx.now - timedelta(minutes=90)) == 1.5
    assert call("days_until", ctx, ctx.now + timedelta(days=3)) == 3.0
    assert call("days_until", ctx, ctx.now - timedelta(days=1)) == -1.0


def test_now_and_today_come_from_the_context(ctx: EvalContext) -> None:
    assert call("now", ctx) == ctx.now
    # 01:30 UTC on March 29 is 09:30 in Shanghai, whose day began at 16:00 UTC.
    assert call("today", ctx) == datetime(2026, 3, 28, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((2.5,), 3.0),
        ((-2.5,), -3.0),
        ((0.125, 2), 0.13),
        ((1.005, 2), 1.01),
        ((1234.5, -2), 1200.0),
        ((7, 1), 7.0),
        ((float("inf"), 2), float("inf")),
    ],
)
def test_round_takes_halves_away_from_zero(
    args: tuple[float, ...], expected: float, ctx: EvalContext
) -> None:
    assert call("round", ctx, *args) == expected


def test_text_functions_know_every_alphabet(ctx: EvalContext) -> None:
    assert call("lower", ctx, "ÄÖÜ Straße") == "äöü straße"
    assert call("upper", ctx, "新疆 abc") == "新疆 ABC"
    assert call("len", ctx, "新疆😀") == 3
    assert call("len", ctx, ["a", "b"]) == 2


def test_min_max_and_coalesce(ctx: EvalContext) -> None:
    assert call("min", ctx, 3, 2.5) == 2.5
    assert call("max", ctx, "西藏", "新疆") == "西藏"
    assert call("coalesce", ctx, None, 0, 5) == 0
    assert call("abs", ctx, -4) == 4


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ((Type.INTEGER, Type.INTEGER), Type.INTEGER),
        ((Type.INTEGER, Type.NUMBER), Type.NUMBER),
        ((Type.NULL, Type.TEXT), Type.TEXT),
        ((Type.TIMESTAMP, Type.TIMESTAMP), Type.TIMESTAMP),
    ],
)
def test_common_type_of_arguments(types: tuple[Type, ...], expected: Type) -> None:
    assert common_type(types) is expected


@pytest.mark.parametrize(
    "types",
    [(Type.TEXT, Type.NUMBER), (Type.NULL, Type.NULL), (Type.TEXT_LIST, Type.TEXT_LIST)],
)
def test_arguments_without_a_common_type_are_refused(types: tuple[Type, ...]) -> None:
    with pytest.raises(ValueError):
        common_type(types)
