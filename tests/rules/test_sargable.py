"""Timestamp conditions compile to the stored column against one bound instant.

Rows sit exactly on, and one microsecond either side of, the instants the conditions
turn on; the database and the closures must give the same three-valued answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.dialects import sqlite

from shopctl.registry import Registry
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import compile_expression
from shopctl.rules.parser import parse_expression

if TYPE_CHECKING:
    from conftest import RuleStore, TableBinding

T, F, N = True, False, None
US = timedelta(microseconds=1)
# Item ids: `at` 30 days ago, one microsecond later, one earlier, null; `due` likewise
# 3 days ahead.
IDS = ("on", "after", "before", "null")


@pytest.fixture
def store(rule_store: RuleStore, ctx: EvalContext) -> RuleStore:
    """Four items around 30 days ago / 3 days ahead, with an owner around 36 hours ago."""
    now = ctx.now
    ago, ahead, owner = now - timedelta(days=30), now + timedelta(days=3), now - timedelta(hours=36)
    rule_store.insert(
        items=[
            {"id": "on", "at": ago, "due": ahead, "owner_id": "p0"},
            {"id": "after", "at": ago + US, "due": ahead + US, "owner_id": "p1"},
            {"id": "before", "at": ago - US, "due": ahead - US, "owner_id": "p2"},
            {"id": "null"},
        ],
        persons=[
            {"id": "p0", "since": owner},
            {"id": "p1", "since": owner + US},
            {"id": "p2", "since": owner - US},
        ],
    )
    return rule_store


CASES = [
    ("days_since(at) >= 30", (T, F, T, N)),
    ("days_since(at) > 30", (F, F, T, N)),
    ("days_since(at) <= 30", (T, T, F, N)),
    ("days_since(at) < 30", (F, T, F, N)),
    ("days_since(at) == 30", (T, F, F, N)),
    ("days_since(at) != 30", (F, T, T, N)),
    ("30 <= days_since(at)", (T, F, T, N)),
    ("not (days_since(at) >= 30)", (F, T, F, N)),
    ("days_since(at) between 29 and 30", (T, T, F, N)),
    ("hours_since(at) >= 720", (T, F, T, N)),
    ("hours_since(at) >= 30 * 24", (T, F, T, N)),
    ("days_since(at) >= days_since(now() - 30d)", (T, F, T, N)),
    ("days_until(due) <= 3", (T, F, T, N)),
    ("days_until(due) >= 3", (T, T, F, N)),
    ("days_until(due) between 0 and 3", (T, F, T, N)),
    ("days_since(owner.since) >= 1.5", (T, F, T, N)),
    ("hours_since(owner.since) < 36", (F, T, F, N)),
    # no instant makes these true (false), or false (true): null stays null
    ("days_since(at) > 1000000000000", (F, F, F, N)),
    ("days_since(at) > -1000000000000", (T, T, T, N)),
    ("days_since(at) >= 30 and days_since(at) < 90", (T, F, T, N)),
    # the instant itself against one fixed by now()
    ("at <= now() - 30d", (T, F, T, N)),
    ("at + 30d > now()", (F, T, F, N)),
    ("30d + at == now()", (T, F, F, N)),
    ("now() - 30d < at", (F, T, F, N)),
    ("now() - 30d != at", (F, T, T, N)),
    ("at - 1d between now() - 31d and now()", (T, T, F, N)),
    ("due is null", (F, F, F, T)),
    ("due is not null", (T, T, T, F)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_both_paths_agree_at_the_microsecond(
    text: str,
    expected: tuple[bool | None, ...],
    store: RuleStore,
    registry: Registry,
    ctx: EvalContext,
) -> None:
    compiled = compile_expression(parse_expression(text), "item", registry)
    answers = dict(zip(IDS, expected, strict=True))
    assert store.sql_values(compiled, ctx) == answers
    assert store.python_values(compiled, ctx) == answers


def _sql(text: str, registry: Registry, binding: TableBinding) -> tuple[str, dict[str, Any]]:
    """The pushed-down condition as SQLite text, and its bound parameters."""
    compiled = compile_expression(parse_expression(text), "item", registry)
    statement = compiled.sql(binding).compile(dialect=sqlite.dialect())
    return str(statement), statement.params


@pytest.mark.parametrize(
    ("text", "operator", "bound"),
    [
        ("days_since(at) >= 30", "<=", timedelta(days=-30)),
        ("days_since(at) > 1.5", "<=", timedelta(hours=-36) - US),
        ("days_until(due) <= 3", "<=", timedelta(days=3)),
        ("hours_since(at) < 2", ">=", timedelta(hours=-2) + US),
        ("at + 2h < now()", "<", timedelta(hours=-2)),
    ],
)
def test_the_column_is_compared_with_one_instant(
    text: str,
    operator: str,
    bound: timedelta,
    registry: Registry,
    sqlite_binding: TableBinding,
    ctx: EvalContext,
) -> None:
    sql, params = _sql(text, registry, sqlite_binding)
    assert "strftime" not in sql
    assert f" {operator} ?" in sql
    assert list(params.values()) == [ctx.now + bound]


def test_a_timestamp_that_is_not_a_column_keeps_the_arithmetic(
    registry: Registry, sqlite_binding: TableBinding
) -> None:
    sql, _ = _sql("days_since(coalesce(at, due)) >= 1", registry, sqlite_binding)
    assert "strftime" in sql
    sql, _ = _sql("days_since(at) >= days_since(due)", registry, sqlite_binding)
    assert "strftime" in sql


def test_a_null_bound_gives_null_for_every_row(
    store: RuleStore, registry: Registry, ctx: EvalContext
) -> None:
    compiled = compile_expression(parse_expression("days_since(at) >= 1 / 0"), "item", registry)
    assert store.sql_values(compiled, ctx) == dict.fromkeys(IDS)
