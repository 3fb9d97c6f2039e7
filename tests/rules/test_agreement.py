"""The SQL path and the Python path agree on every well-typed expression and every row.

Hypothesis generates random well-typed conditions over the test `item` type (numbers,
integers, CJK text, booleans, timestamps, durations, text lists, window aggregates,
derived metrics, a related entity); a seeded generator makes rows full of nulls,
zeros, CJK text, extreme but realistic numbers and instants around DST changes. Each
condition is evaluated by the database (what can be pushed down) and by the closures,
and both must give the same three-valued answer for every row.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopctl.registry import Registry
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
    Unary,
    duration,
)
from shopctl.rules.checker import ExpressionChecker
from shopctl.rules.closures import compile_closure
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import compile_expression
from shopctl.rules.parser import parse_expression
from shopctl.rules.printer import print_expr
from shopctl.rules.sql import micros, pushable, to_sql

if TYPE_CHECKING:
    from conftest import RuleStore

WORDS = ["", "a", "A", "ab", "abc", "新疆", "西藏", "新", "客单价", "é", "Z", "😀", "a b", "ß"]
NUMBERS = [0, 1, -1, 2, 7, 100, 0.0, 0.5, -2.5, 0.1, 1e-9, 123456.789, 1e9, -1e9]
# Around the 2026 DST changes of New York (Mar 8 07:00 UTC) and London (Mar 29 01:00 UTC).
EDGES = [
    datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    datetime(2026, 3, 28, 16, 0, tzinfo=UTC),  # midnight in Shanghai
]
ZONES = [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]
ROWS = 90
EXAMPLES = "SHOPCTL_AGREEMENT_EXAMPLES"  # set it high for a soak run; CI uses the defaults


def _instant(rng: random.Random) -> datetime | None:
    if rng.random() < 0.2:
        return None
    edge = rng.choice(EDGES)
    jitter = rng.choice([0, 1, -1, 59_999_999, -3_600_000_000, 86_400_000_000 * 30])
    days = rng.choice([0, 0, rng.randint(-40, 40)])  # often right at the edge
    return edge + timedelta(days=days, microseconds=jitter * rng.choice([1, -1]))


def _maybe(rng: random.Random, value: Any) -> Any:
    return None if rng.random() < 0.2 else value


def make_rows(
    seed: int, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Items, persons and daily metrics full of edge cases."""
    rng = random.Random(seed)
    persons = [
        {"id": f"p{i}", "tier": _maybe(rng, rng.choice(WORDS)), "since": _instant(rng)}
        for i in range(5)
    ]
    items, metrics = [], []
    for i in range(ROWS):
        items.append(
            {
                "id": f"i{i}",
                "n": _maybe(rng, rng.choice([0, 1, -1, 3, 7, 1000, -999, rng.randint(-50, 50)])),
                "m": _maybe(rng, rng.choice([0, 1, 2, -3, rng.randint(-9, 9)])),
                "x": _maybe(rng, rng.choice(NUMBERS)),
                "y": _maybe(rng, rng.choice([*NUMBERS, rng.uniform(-1000, 1000)])),
                "name": _maybe(rng, rng.choice(WORDS) + rng.choice(WORDS)),
                "note": _maybe(rng, rng.choice(WORDS)),
                "flag": _maybe(rng, rng.random() < 0.5),
                "at": _instant(rng),
                "due": _instant(rng),
                "tags": _maybe(rng, rng.sample(WORDS, rng.randint(0, 3))),
                "owner_id": rng.choice(["p0", "p1", "p2", "p3", "p4", "nobody", None]),
            }
        )
        for offset in rng.sample(range(-35, 2), rng.randint(0, 6)):
            spend = rng.choice([0.0, 0.0, 1.5, 100.0, rng.uniform(0, 500)])
            metrics.append(
                {
                    "id": f"i{i}",
                    "date": today + timedelta(days=offset),
                    "spend": spend,
                    "revenue": rng.choice([0.0, spend * 2.5, 3.0]),
                }
            )
    return items, persons, metrics


def name(*parts: str) -> Name:
    return Name(parts)


def number(value: float) -> Literal:
    return Literal(value, "number")


def text(value: str) -> Literal:
    return Literal(value, "text")


@cache
def exprs(kind: str, depth: int) -> st.SearchStrategy[Expr]:
    """Well-typed expressions of `kind`: int, num, text, ts, dur, list, bool."""
    leaves, inner = LEAVES[kind](), []
    if depth > 0:
        inner = COMPOUND[kind](depth - 1)
    return st.one_of(leaves, *inner) if inner else leaves


def _window() -> st.SearchStrategy[Expr]:
    return st.builds(
        lambda f, m, d: Call(f, (name(m), duration(days=d))),
        st.sampled_from(["sum", "avg", "min", "max"]),
        st.sampled_from(["spend", "revenue"]),
        st.sampled_from([1, 7, 30]),
    )


LEAVES = {
    "int": lambda: st.one_of(
        st.sampled_from([name("n"), name("m")]), st.sampled_from([0, 1, -1, 2, 3, 1000]).map(number)
    ),
    "num": lambda: st.one_of(
        st.sampled_from([name("x"), name("y"), name("n")]),
        st.sampled_from(NUMBERS).map(number),
        _window(),
        st.sampled_from([1, 7, 30]).map(lambda d: Call("roi", (duration(days=d),))),
    ),
    "text": lambda: st.one_of(
        st.sampled_from([name("name"), name("note"), name("owner", "tier")]),
        st.sampled_from(WORDS).map(text),
    ),
    "ts": lambda: st.sampled_from(
        [name("at"), name("due"), name("owner", "since"), Call("now", ())]
    ),
    "dur": lambda: st.sampled_from(
        [
            duration(days=1),
            duration(hours=12),
            duration(minutes=15),
            duration(days=30),
            duration(days=14),
        ]
    ),
    "list": lambda: st.one_of(
        st.just(name("tags")),
        st.lists(st.sampled_from([*WORDS, None]), max_size=3).map(
            lambda words: ListLiteral(
                tuple(Literal(None, "null") if w is None else text(w) for w in words)
            )
        ),
    ),
    "bool": lambda: st.sampled_from(
        [name("flag"), Literal(True, "boolean"), Literal(False, "boolean")]
    ),
}


def _binary(ops: list[str], left: str, right: str, depth: int) -> st.SearchStrategy[Expr]:
    return st.builds(Binary, st.sampled_from(ops), exprs(left, depth), exprs(right, depth))


def _call(fn: str, *kinds: str, depth: int) -> st.SearchStrategy[Expr]:
    return st.tuples(*(exprs(k, depth) for k in kinds)).map(lambda args: Call(fn, args))


def _compare(kind: str, ops: list[str], depth: int) -> st.SearchStrategy[Expr]:
    return st.builds(Compare, st.sampled_from(ops), exprs(kind, depth), exprs(kind, depth))


ORDER = ["eq", "ne", "lt", "le", "gt", "ge"]
COMPOUND = {
    "int": lambda d: [
        _binary(["add", "sub", "mul", "mod"], "int", "int", d),
        exprs("int", d).map(lambda e: Unary("neg", e)),
        _call("abs", "int", depth=d),
        _call("len", "text", depth=d),
        st.just(Call("len", (name("tags"),))),
        _call("coalesce", "int", "int", depth=d),
    ],
    "num": lambda d: [
        _binary(["add", "sub", "mul", "div"], "num", "num", d),
        exprs("int", d),
        exprs("num", d).map(lambda e: Unary("neg", e)),
        _call("abs", "num", depth=d),
        _call("min", "num", "num", depth=d),
        _call("max", "num", "num", depth=d),
        _call("coalesce", "num", "num", depth=d),
        _call("days_since", "ts", depth=d),
        _call("hours_since", "ts", depth=d),
        _call("days_until", "ts", depth=d),
        _call("round", "num", depth=d),
    ],
    "text": lambda d: [
        _call("coalesce", "text", "text", depth=d),
        _call("min", "text", "text", depth=d),
        _call("max", "text", "text", depth=d),
        _call("lower", "text", depth=d),
        _call("upper", "text", depth=d),
    ],
    "ts": lambda d: [
        _binary(["add", "sub"], "ts", "dur", d),
        _binary(["add"], "dur", "ts", d),
        _call("coalesce", "ts", "ts", depth=d),
        _call("min", "ts", "ts", depth=d),
        _call("max", "ts", "ts", depth=d),
        st.just(Call("today", ())),
    ],
    "dur": lambda d: [
        _binary(["sub"], "ts", "ts", d),
        _binary(["add", "sub"], "dur", "dur", d),
        exprs("dur", d).map(lambda e: Unary("neg", e)),
    ],
    "list": lambda d: [],
    "bool": lambda d: [
        _compare("num", ORDER, d),
        _compare("text", ORDER, d),
        _compare("ts", ORDER, d),
        _compare("dur", ORDER, d),
        _compare("bool", ["eq", "ne"], d),
        st.builds(Between, exprs("num", d), exprs("num", d), exprs("num", d)),
        st.builds(Between, exprs("text", d), exprs("text", d), exprs("text", d)),
        st.builds(Between, exprs("ts", d), exprs("ts", d), exprs("ts", d)),
        st.builds(Between, exprs("dur", d), exprs("dur", d), exprs("dur", d)),
        st.builds(IsNull, exprs("bool", d), st.booleans()),
        _call("coalesce", "bool", "bool", depth=d),
        st.builds(Compare, st.sampled_from(["in", "not_in"]), exprs("text", d), exprs("list", d)),
        st.builds(
            lambda op, item, items: Compare(op, item, ListLiteral(tuple(items))),
            st.sampled_from(["in", "not_in"]),
            exprs("num", d),
            st.lists(st.sampled_from([*NUMBERS, None]), max_size=3).map(
                lambda values: [Literal(None, "null") if v is None else number(v) for v in values]
            ),
        ),
        st.builds(Compare, st.just("contains"), exprs("text", d), exprs("text", d)),
        st.builds(Compare, st.just("contains"), st.just(name("tags")), exprs("text", d)),
        st.builds(
            Compare,
            st.just("matches"),
            exprs("text", d),
            st.sampled_from(["^a", "新", "b$", ""]).map(text),
        ),
        st.builds(
            IsNull,
            st.one_of(*(exprs(k, d) for k in ("num", "text", "ts")), st.just(name("tags"))),
            st.booleans(),
        ),
        _binary(["and", "or"], "bool", "bool", d),
        exprs("bool", d).map(lambda e: Unary("not", e)),
    ],
}


def check_agreement(
    store: RuleStore, registry: Registry, at: EvalContext, examples: int, seed: int
) -> int:
    """Run the property on `store`; the number of expression x row cases checked."""
    items, persons, metrics = make_rows(seed, at.today)
    store.insert(items, persons, metrics)
    cases = 0

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        expr=exprs("bool", 3), zone=st.sampled_from(ZONES), shift=st.sampled_from([0, -1, 1, 13])
    )
    def agree(expr: Expr, zone: ZoneInfo, shift: int) -> None:
        nonlocal cases
        ctx = EvalContext(at.now + timedelta(hours=shift), zone)
        compiled = compile_expression(expr, "item", registry)
        # The printer gives text that parses back to the same expression.
        assert print_expr(parse_expression(print_expr(expr))) == print_expr(expr)
        rows = store.rows(compiled, ctx)
        python = {i: compiled.condition(row, ctx) for i, row in rows.items()}
        if compiled.residual is None:
            assert store.sql_values(compiled, ctx) == python, expr
        else:
            assert store.matching(compiled, ctx) == {i for i, v in python.items() if v is True}, (
                expr
            )
        cases += len(rows)

    agree()
    return cases


def check_values(store: RuleStore, registry: Registry, at: EvalContext, examples: int) -> int:
    """Numbers, texts, instants and durations computed by both paths are equal exactly."""
    cases = 0
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None)
    @given(kind=st.sampled_from(["int", "num", "text", "ts", "dur"]), data=st.data())
    def agree(kind: str, data: st.DataObject) -> None:
        nonlocal cases
        expr = data.draw(exprs(kind, 3))
        checker = ExpressionChecker(registry, registry.entity_type("item"))
        checked = checker.check(expr)
        assert checked is not None, checker.errors
        if not pushable(checked):
            return
        in_sql = store.sql_column(lambda binding: to_sql(checked, binding), at)
        evaluate = compile_closure(checked)
        for key, row in store.rows(
            compile_expression(IsNull(expr, True), "item", registry), at
        ).items():
            value = evaluate(row, at)
            if isinstance(value, datetime):
                value = micros(value - epoch)
            elif isinstance(value, timedelta):
                value = micros(value)
            assert in_sql[key] == value, (print_expr(expr), key)
            cases += 1

    agree()
    return cases


def test_sql_and_python_agree_on_sqlite(
    sqlite_store: RuleStore, registry: Registry, ctx: EvalContext
) -> None:
    cases = check_agreement(
        sqlite_store, registry, ctx, examples=int(os.environ.get(EXAMPLES, 400)), seed=1
    )
    print(f"{cases} condition x row cases agree on SQLite")
    assert cases >= 20_000
    values = check_values(sqlite_store, registry, ctx, examples=int(os.environ.get(EXAMPLES, 200)))
    print(f"{values} value x row cases agree on SQLite")
    assert values >= 10_000


def test_sql_and_python_agree_on_postgresql(
    postgres_store: RuleStore, registry: Registry, ctx: EvalContext
) -> None:
    cases = check_agreement(
        postgres_store, registry, ctx, examples=int(os.environ.get(EXAMPLES, 100)), seed=2
    )
    print(f"{cases} condition x row cases agree on PostgreSQL")
    assert cases >= 5_000
    values = check_values(postgres_store, registry, ctx, examples=int(os.environ.get(EXAMPLES, 80)))
    print(f"{values} value x row cases agree on PostgreSQL")
    assert values >= 4_000
