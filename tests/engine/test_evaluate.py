"""Evaluating rules in the store: one query per rule, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from shopctl.engine import evaluate as evaluation
from shopctl.engine.evaluate import Evaluation, conjuncts, evaluate
from shopctl.plugins import load_plugins
from shopctl.registry import Registry
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import compile_expression
from shopctl.rules.parser import parse_expression
from shopctl.store.engine import open_store
from shopctl.store.entities import EntityTables

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, today is 2026-03-10
TODAY = date(2026, 3, 10)


def at(moment: datetime) -> EvalContext:
    """Evaluate as of `moment` in the shop's zone."""
    return EvalContext(moment, ZONE)


def days_of(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class Shop:
    """A small store with two accounts, and a way to ask it questions."""

    def __init__(self, engine: Engine, registry: Registry):
        self.engine = engine
        self.registry = registry

    def ask(self, on: str, condition: str, ctx: EvalContext | None = None, **kw) -> Evaluation:
        """Compile `condition` for `on` and evaluate it."""
        compiled = compile_expression(parse_expression(condition), on, self.registry)
        return evaluate(self.engine, compiled, ctx or at(NOW), registry=self.registry, **kw)

    def ids(self, on: str, condition: str, ctx: EvalContext | None = None, **kw) -> list[str]:
        """The sorted ids of the entities matching `condition`."""
        return sorted(m.id for m in self.ask(on, condition, ctx, **kw).matched)


def fill(engine: Engine, tables: EntityTables) -> None:
    """Ad groups with and without spend, customers with nulls and CJK, orders."""
    last_week = days_of(TODAY - timedelta(days=6), TODAY)
    daily = [  # (id, spend per day, revenue per day) over the 7 days ending today
        ("low", 100.0, 100.0),  # ROI 1
        ("good", 50.0, 150.0),  # ROI 3
        ("free", 0.0, 50.0),  # no spend: ROI unknown
    ]
    metrics = [
        {"_account": "shop", "id": gid, "date": d, "spend": spend, "revenue": revenue}
        for gid, spend, revenue in daily
        for d in last_week
    ]
    # A day just outside the 7-day window: it must not count.
    metrics.append(
        {
            "_account": "shop",
            "id": "good",
            "date": TODAY - timedelta(days=7),
            "spend": 1e6,
            "revenue": 0.0,
        }
    )
    # Spend on the last day only: it enters a 1-day window at local midnight.
    metrics.append({"_account": "shop", "id": "late", "date": TODAY, "spend": 5.0, "revenue": 50.0})
    metrics.append({"_account": "other", "id": "low", "date": TODAY, "spend": 10.0, "revenue": 1.0})
    groups = [
        {"_account": "shop", "id": gid, "name": gid, "status": "active"}
        for gid in ("low", "good", "free", "idle", "late")  # idle: no metrics at all
    ]
    groups.append({"_account": "other", "id": "low", "name": "low", "status": "active"})
    customers = [
        {
            "_account": "shop",
            "id": "c1",
            "name": "Ann",
            "tier": "gold",
            "region": "上海",
            "last_order_at": NOW - timedelta(days=30),
        },
        {
            "_account": "shop",
            "id": "c2",
            "name": "Bob",
            "tier": None,
            "region": "西藏",
            "last_order_at": NOW - timedelta(days=30) + timedelta(seconds=1),
        },
        {
            "_account": "shop",
            "id": "c3",
            "name": "张三",
            "tier": "platinum",
            "region": "新疆",
            "last_order_at": None,
        },
    ]
    orders = [
        {"_account": "shop", "id": "o1", "customer_id": "c1", "status": "paid", "total": 10.0},
        {"_account": "shop", "id": "o2", "customer_id": "c2", "status": "paid", "total": 20.0},
        {"_account": "shop", "id": "o3", "customer_id": "gone", "status": "paid", "total": 30.0},
    ]
    with engine.begin() as conn:
        conn.execute(insert(tables.metrics("ad_group")), metrics)
        conn.execute(insert(tables.entity("ad_group")), groups)
        conn.execute(insert(tables.entity("customer")), customers)
        conn.execute(insert(tables.entity("order")), orders)


@pytest.fixture
def shop(store_url: str) -> Iterator[Shop]:
    """The small store on SQLite, and on PostgreSQL when one is configured."""
    registry = load_plugins(allowed=set()).registry
    engine = open_store(store_url, registry)
    fill(engine, EntityTables(registry))
    yield Shop(engine, registry)
    engine.dispose()


# (entity type, condition, the ids it selects in account "shop", as of NOW)
SELECTIONS = [
    ("order", "total >= 20", ["o2", "o3"]),
    # Related entities: a missing customer and one without a tier are both null.
    ("order", 'customer.tier == "gold"', ["o1"]),
    ("order", "customer.tier is null", ["o2", "o3"]),
    ("order", 'customer.tier == "gold" or customer.name == "Bob"', ["o1", "o2"]),
    # Null is unknown, not unequal.
    ("customer", 'tier != "platinum"', ["c1"]),
    ("customer", "tier is null", ["c2"]),
    ("customer", 'region in ["新疆", "西藏"]', ["c2", "c3"]),
    ("customer", 'name == "张三"', ["c3"]),
    # No spend: ROI is unknown, so neither form selects it.
    ("ad_group", "roi(7d) < 2", ["low"]),
    ("ad_group", "not (roi(7d) >= 2)", ["low"]),
    ("ad_group", "roi(7d) is null", ["free", "idle"]),
    ("ad_group", "ctr(7d) is null", ["free", "good", "idle", "late", "low"]),
    # Windows: 7 whole local days ending today; the 8th day back holds a big spend.
    ("ad_group", "spend(7d) >= 700", ["low"]),
    ("ad_group", "spend(8d) > 1000", ["good"]),
    ("ad_group", "spend(7d) == 0 and avg(spend, 7d) is null", ["idle"]),
    # Exact elapsed time: c2's last order is one second short of 30 days.
    ("customer", "days_since(last_order_at) >= 30", ["c1"]),
    # Residual conditions run in Python on the rows the pushed-down part selected.
    ("customer", 'name matches "^张"', ["c3"]),
    ("customer", 'tier is not null and name matches "(?i)^a"', ["c1"]),
]


def test_conditions_select_the_entities_they_describe(shop: Shop) -> None:
    for on, condition, expected in SELECTIONS:
        assert shop.ids(on, condition, account="shop") == expected, condition


def test_matches_carry_every_value_the_rule_reads(shop: Shop) -> None:
    found = shop.ask("order", 'customer.tier == "gold" and total > 1')
    assert [(m.account, m.id) for m in found.matched] == [("shop", "o1")]
    assert found.matched[0].row == {"customer.tier": "gold", "total": 10.0, "id": "o1"}
    roi = shop.ask("ad_group", "roi(7d) < 2", account="shop").matched[0].row
    assert (roi["sum:revenue:7"], roi["sum:spend:7"]) == (700.0, 700.0)


def test_now_and_today_follow_the_evaluation_instant(shop: Shop) -> None:
    later = at(NOW + timedelta(seconds=1))
    assert shop.ids("customer", "days_since(last_order_at) >= 30", later) == ["c1", "c2"]
    midnight = datetime(2026, 3, 10, tzinfo=ZONE)
    # At 23:59:59 on the 9th, today is the 9th: late's spend on the 10th is not in 1d.
    before = at(midnight - timedelta(seconds=1))
    assert shop.ids("ad_group", "spend(1d) > 0", before, account="shop") == ["good", "low"]
    assert shop.ids("ad_group", "spend(1d) > 0", at(midnight), account="shop") == [
        "good",
        "late",
        "low",
    ]


def test_account_restriction_ids_and_total_in_scope(shop: Shop) -> None:
    everywhere = shop.ask("ad_group", "roi(7d) < 2")
    assert sorted((m.account, m.id) for m in everywhere.matched) == [
        ("other", "low"),
        ("shop", "low"),
    ]
    assert everywhere.total == 6
    other = shop.ask("ad_group", "roi(7d) < 2", account="other")
    assert [(m.account, m.id, m.row["sum:spend:7"]) for m in other.matched] == [
        ("other", "low", 10.0)
    ]
    assert other.total == 1
    nothing = shop.ask("customer", 'name == "nobody"')
    assert (nothing.matched, nothing.total) == ([], 3)
    narrowed = shop.ask("ad_group", 'status == "active"', account="shop", ids=["good", "nope"])
    assert ([m.id for m in narrowed.matched], narrowed.total) == (["good"], 5)


def test_one_sql_statement_per_rule(shop: Shop) -> None:
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(shop.engine, "before_cursor_execute", record)
    try:
        found = shop.ask(
            "order", 'customer.tier == "gold" and total > 1 and customer.name matches "A"'
        )
        shop.ask("ad_group", "roi(7d) < 2 and ctr(7d) is null and spend(30d) > 0")
    finally:
        event.remove(shop.engine, "before_cursor_execute", record)
    assert [m.id for m in found.matched] == ["o1"]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_near_misses_failed_one_term_only(shop: Shop) -> None:
    found = shop.ask(
        "ad_group", 'status == "active" and spend(7d) >= 100 and roi(7d) < 2', near_misses=5
    )
    assert sorted((m.account, m.id) for m in found.matched) == [("shop", "low")]
    # good fails only the ROI term, other's low only the spend; the rest fail two.
    assert sorted((m.account, m.id) for m in found.near_misses) == [
        ("other", "low"),
        ("shop", "good"),
    ]


def test_near_misses_are_looked_for_among_the_first_entities_only(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In key order the first two ad groups are other's low and shop's free.
    monkeypatch.setattr(evaluation, "NEAR_MISS_SAMPLE", 2)
    found = shop.ask(
        "ad_group", 'status == "active" and spend(7d) >= 100 and roi(7d) < 2', near_misses=5
    )
    assert [(m.account, m.id) for m in found.near_misses] == [("other", "low")]
    assert [m.id for m in found.matched] == ["low"]


def test_near_misses_include_rows_the_residual_turned_down(shop: Shop) -> None:
    found = shop.ask("customer", 'tier is not null and name matches "^B"', near_misses=3)
    assert found.matched == []
    # c1 and c3 have a tier but the wrong name; c2 the right name but no tier.
    assert sorted(m.id for m in found.near_misses) == ["c1", "c2", "c3"]
    assert shop.ask("ad_group", 'status == "active" and roi(7d) < 2').near_misses == []


def test_conjuncts_flatten_an_and_chain() -> None:
    expr = parse_expression("a > 1 and (b > 2 and c > 3) or d > 4")
    assert len(conjuncts(expr)) == 1
    assert len(conjuncts(parse_expression("a > 1 and (b > 2 and c > 3)"))) == 3


def test_a_match_that_times_out_fails_that_entity_not_the_rule(shop: Shop) -> None:
    customers = EntityTables(shop.registry).entity("customer")
    with shop.engine.begin() as conn:
        conn.execute(insert(customers), [{"_account": "shop", "id": "c9", "name": "A" * 40 + "!"}])
    found = shop.ask("customer", 'name matches "^Bob|(A|AA)+$"')
    assert [m.id for m in found.matched] == ["c2"]  # the rule still works for the rest
    assert [m.id for m in found.near_misses] == ["c9"]
    assert "took longer than" in found.failures["c9"]
