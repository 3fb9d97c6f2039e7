"""Each operator, function and literal form, in the database and in Python, on known rows.

Every case runs on SQLite and (when configured) PostgreSQL; the database's answer for
each row must be the expected three-valued one, and so must the closures'.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from shopctl.registry import Registry
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import compile_expression
from shopctl.rules.parser import parse_expression

if TYPE_CHECKING:
    from conftest import RuleStore

T, F, N = True, False, None
IDS = ("a", "b", "c", "d")


@pytest.fixture
def store(rule_store: RuleStore, ctx: EvalContext) -> RuleStore:
    """Four items: ordinary, zeros and empties, all null, CJK and fractions."""
    now, today = ctx.now, ctx.today
    rule_store.insert(
        items=[
            {
                "id": "a",
                "n": 3,
                "m": 2,
                "x": 2.5,
                "y": 0.0,
                "name": "新疆 abc",
                "note": "abc",
                "flag": True,
                "at": now - timedelta(days=31),
                "due": now + timedelta(days=3),
                "tags": ["vip", "新客"],
                "owner_id": "p1",
            },
            {
                "id": "b",
                "n": 0,
                "m": -3,
                "y": -1.5,
                "name": "Zed",
                "note": "",
                "flag": False,
                "at": now - timedelta(hours=12),
                "tags": [],
            },
            {"id": "c"},
            {
                "id": "d",
                "n": -7,
                "m": 2,
                "x": 0.1,
                "y": 0.2,
                "name": "西藏",
                "note": "藏",
                "at": now - timedelta(days=21, microseconds=1),
                "owner_id": "p2",
            },
        ],
        persons=[
            {"id": "p1", "tier": "gold", "since": now - timedelta(days=400)},
            {"id": "p2"},
        ],
        metrics=[
            {"id": "a", "date": today, "spend": 10.0, "revenue": 15.0},
            {"id": "a", "date": today - timedelta(days=7), "spend": 100.0, "revenue": 1.0},
            {"id": "b", "date": today, "spend": 0.0, "revenue": 5.0},
        ],
    )
    return rule_store


CASES = [
    # numbers and integers, division by zero, SQL's remainder, float sums
    ("n > 1", (T, F, N, F)),
    ("n >= 0", (T, T, N, F)),
    ("-n < 0", (T, F, N, F)),
    ("x / y > 1", (N, N, N, F)),
    ("n / m < 0", (F, F, N, T)),
    ("n % m == 1", (T, F, N, F)),
    ("n % m == -1", (F, F, N, T)),
    ("n % 0 is null", (T, T, T, T)),
    ("x + y == 2.5", (T, N, N, F)),
    ("x + y > 0.3", (T, N, N, T)),
    ("x * 2 == 5", (T, N, N, F)),
    ("x < 15%", (F, N, N, T)),
    # text: code point order, CJK, substrings, membership
    ('name == "新疆 abc"', (T, F, N, F)),
    ("name == '西藏'", (F, F, N, T)),
    ('name != "Zed"', (T, F, N, T)),
    ("x <= 0.1", (F, N, N, T)),
    ("x >= 0.1", (T, N, N, T)),
    ('name < "a"', (F, T, N, F)),
    ('name > "新"', (T, F, N, T)),
    ('name contains "abc"', (T, F, N, F)),
    ('note contains ""', (T, T, N, T)),
    ('name in ["Zed", "西藏"]', (F, T, N, T)),
    ('name not in ["Zed", "西藏"]', (T, F, N, F)),
    ('name in ["Zed", null]', (N, T, N, N)),
    ("name not in []", (T, T, T, T)),
    ("n in [3, -7.0]", (T, F, N, T)),
    ('tags contains "vip"', (T, F, N, N)),
    ('"新客" in tags', (T, F, N, N)),
    ('"x" not in tags', (T, T, N, N)),
    ("tags contains name", (F, F, N, N)),
    ("len(tags) == 0", (F, T, N, N)),
    ("len(name) == 6", (T, F, N, F)),
    ('name between "Z" and "新"', (F, T, N, F)),
    # booleans and three-valued logic
    ("flag", (T, F, N, N)),
    ("not flag", (F, T, N, N)),
    ("flag or n > 1", (T, F, N, N)),
    ("flag and n > 1", (T, F, N, F)),
    ("flag == false", (F, T, N, N)),
    # operator precedence survives SQLAlchemy: `NOT flag IS NULL` would mean NOT (flag IS NULL)
    ("(not flag) is null", (F, F, T, T)),
    ("(not flag) == false", (T, F, N, N)),
    ("(n > 1) == flag", (T, T, N, N)),
    ("x is null", (F, T, T, F)),
    ("tags is not null", (T, T, F, F)),
    ("n between -7 and 0", (F, T, N, T)),
    ("not (n between -7 and 0)", (T, F, N, F)),
    # timestamps and durations, exact to the microsecond
    ("at < now() - 30d", (T, F, N, F)),
    ("at <= now() - 3w", (T, F, N, T)),
    ("at < now() - 21d", (T, F, N, T)),
    ("days_since(at) == 0.5", (F, T, N, F)),
    ("hours_since(at) == 12", (F, T, N, F)),
    ("days_since(at) > 21", (T, F, N, T)),
    ("days_until(due) == 3", (T, N, N, N)),
    ("due - at == 34d", (T, N, N, N)),
    ("at + 12h == now()", (F, T, N, F)),
    ("at + 720m == now()", (F, T, N, F)),
    ("now() - at > 1d", (T, F, N, T)),
    ("-(now() - at) < -20d", (T, F, N, T)),
    ("max(at, due) == due", (T, N, N, N)),
    # related entity
    ('owner.tier == "gold"', (T, N, N, N)),
    ("owner.since < at", (T, N, N, N)),
    # windows and derived metrics: today in Shanghai, 7d = the last 7 local days
    ("sum(spend, 7d) == 10", (T, F, F, F)),
    ("sum(spend, 8d) == 110", (T, F, F, F)),
    ("avg(spend, 7d) is null", (F, F, T, T)),
    ("max(spend, 30d) == 100", (T, F, N, N)),
    ("min(revenue, 8d) == 1", (T, F, N, N)),
    ("roi(7d) > 1", (T, N, N, N)),
    ("not (roi(7d) >= 2)", (T, N, N, N)),
    ("roi(7d) < 2", (T, N, N, N)),
    # scalar functions
    ("min(n, m) == 2", (T, F, N, F)),
    ('min(name, note) == "abc"', (T, F, N, F)),
    ("coalesce(x, y, 9) == 9", (F, F, T, F)),
    ("abs(m) == 3", (F, T, N, F)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_pushed_down_and_python_give_the_expected_answer(
    text: str,
    expected: tuple[bool | None, ...],
    store: RuleStore,
    registry: Registry,
    ctx: EvalContext,
) -> None:
    compiled = compile_expression(parse_expression(text), "item", registry)
    assert compiled.residual is None, "this construct should run in the database"
    answers = dict(zip(IDS, expected, strict=True))
    assert store.sql_values(compiled, ctx) == answers
    assert store.python_values(compiled, ctx) == answers


RESIDUAL_CASES = [
    ('name matches "^新"', (T, F, N, F)),
    ('lower(name) == "zed"', (F, T, N, F)),
    ('upper(note) == "ABC"', (T, F, N, F)),
    ("round(x, 0) == 3", (T, N, N, F)),
    ("round(x, 1) == 0.1", (F, N, N, T)),
    ("at >= today() - 1d", (F, T, N, F)),
]


@pytest.mark.parametrize(("text", "expected"), RESIDUAL_CASES)
def test_what_cannot_run_identically_in_sql_is_left_to_python(
    text: str,
    expected: tuple[bool | None, ...],
    store: RuleStore,
    registry: Registry,
    ctx: EvalContext,
) -> None:
    compiled = compile_expression(parse_expression(f"n is not null and {text}"), "item", registry)
    assert compiled.residual is not None
    assert compiled.sql is not None
    matched = {i for i, v in zip(IDS, expected, strict=True) if v and i != "c"}
    assert store.matching(compiled, ctx) == matched
    assert store.python_values(compiled, ctx) == {
        i: (v if i != "c" else False) for i, v in zip(IDS, expected, strict=True)
    }


def test_a_condition_is_split_at_its_top_level_ands(registry: Registry) -> None:
    compiled = compile_expression(
        parse_expression('n > 1 and name matches "a" and (x > 1 or lower(name) == "a")'),
        "item",
        registry,
    )
    assert compiled.residual is not None
    wholly_python = compile_expression(parse_expression('name matches "a"'), "item", registry)
    assert wholly_python.sql(None) is None  # type: ignore[arg-type]


def test_windows_follow_the_configured_zone(
    store: RuleStore, registry: Registry, ctx: EvalContext
) -> None:
    compiled = compile_expression(parse_expression("sum(spend, 1d) == 10"), "item", registry)
    # 01:30 UTC is still yesterday in New York: today's Shanghai metrics are not in it.
    new_york = EvalContext(ctx.now, ZoneInfo("America/New_York"))
    assert store.matching(compiled, ctx) == {"a"}
    assert store.matching(compiled, new_york) == set()
