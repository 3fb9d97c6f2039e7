"""KPIs of a review period from a small hand-written store, where every figure is known."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from shopctl.engine.kpi import compute_kpis, periods, ratio
from shopctl.plugins import load_plugins
from shopctl.rules.compiled import EvalContext
from shopctl.store.engine import open_store
from shopctl.store.entities import EntityTables
from shopctl.store.tables import intents, runs

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 09:00 on 2026-03-29 in Shanghai: yesterday is 03-28, which began at 03-27 16:00 UTC.
AT = EvalContext(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), SHANGHAI)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def empty_store(store_url: str) -> Iterator[tuple[Engine, EntityTables]]:
    """An empty store with the canonical entity tables."""
    registry = load_plugins(allowed=set()).registry
    engine = open_store(store_url, registry)
    yield engine, EntityTables(registry)
    engine.dispose()


@pytest.fixture
def tiny_shop(empty_store: tuple[Engine, EntityTables]) -> tuple[Engine, EntityTables]:
    """Yesterday (03-28) and the day before (03-27) of a tiny shop, plus rows outside both."""
    engine, tables = empty_store

    def add(table: str, *rows: dict, metrics: bool = False) -> None:
        target = tables.metrics(table) if metrics else tables.entity(table)
        conn.execute(target.insert(), [{"_account": "shop", **row} for row in rows])

    with engine.begin() as conn:
        add(
            "product",
            {"id": "P1", "title": "<script>x</script>", "status": "active", "stock": 3},
            {"id": "P2", "title": "保温杯", "status": "active", "stock": 50},
            {"id": "P3", "title": "旧款", "status": "archived", "stock": 0},
        )
        day = {"views": 0.0, "add_to_cart": 0.0}
        add(
            "product",
            {"id": "P1", "date": date(2026, 3, 28), "revenue": 300.0, "units_sold": 3.0}
            | {"visitors": 100.0, **day},
            {"id": "P2", "date": date(2026, 3, 28), "revenue": 100.0, "units_sold": 1.0}
            | {"visitors": 100.0, **day},
            {"id": "P1", "date": date(2026, 3, 27), "revenue": 200.0, "units_sold": 2.0}
            | {"visitors": 50.0, **day},
            # Today is still coming in: never part of a review.
            {"id": "P1", "date": date(2026, 3, 29), "revenue": 999.0, "units_sold": 9.0}
            | {"visitors": 9.0, **day},
            metrics=True,
        )
        add(
            "ad_group",
            {"id": "A1", "name": "good", "campaign": "春季"},
            {"id": "A2", "name": "bad", "campaign": "春季"},
            {"id": "A3", "name": "tiny", "campaign": "春季"},
        )
        ads = {"date": date(2026, 3, 28), "conversions": 0.0}
        add(
            "ad_group",
            {"id": "A1", "spend": 100.0, "revenue": 500.0, "clicks": 50.0, "impressions": 1000.0}
            | ads,
            {"id": "A2", "spend": 200.0, "revenue": 100.0, "clicks": 100.0, "impressions": 1000.0}
            | ads,
            {"id": "A3", "spend": 10.0, "revenue": 0.0, "clicks": 5.0, "impressions": 100.0} | ads,
            metrics=True,
        )
        add(
            "customer",
            {"id": "C1", "orders_count": 2, "first_order_at": utc(2026, 3, 27, 15, 59, 59)},
            {"id": "C2", "orders_count": 5, "first_order_at": utc(2026, 1, 1)},
            {"id": "C3", "orders_count": 1, "first_order_at": utc(2026, 3, 28, 5)},
        )
        add(
            "order",
            {
                "id": "O4",
                "customer_id": "C1",
                "total": 80.0,
                "created_at": utc(2026, 3, 27, 15, 59, 59),
            },
            {"id": "O1", "customer_id": "C1", "total": 100.0, "created_at": utc(2026, 3, 27, 16)},
            {"id": "O2", "customer_id": "C2", "total": 300.0, "created_at": utc(2026, 3, 28, 10)},
            {
                "id": "O3",
                "customer_id": "C2",
                "total": 50.0,
                "created_at": utc(2026, 3, 28, 15, 59),
            },
            {"id": "O5", "customer_id": "C3", "total": 70.0, "created_at": utc(2026, 3, 28, 5)},
            {"id": "O6", "customer_id": "C3", "total": 999.0, "created_at": utc(2026, 3, 28, 16)},
        )
        add(
            "review",
            {"id": "R1", "rating": 1, "created_at": utc(2026, 3, 28, 1)}
            | {"replied_at": utc(2026, 3, 28, 3)},
            {"id": "R2", "rating": 2, "created_at": utc(2026, 3, 28, 2), "replied_at": None},
            {"id": "R3", "rating": 5, "created_at": utc(2026, 3, 28, 2), "replied_at": None},
            {"id": "R4", "rating": 1, "created_at": utc(2026, 3, 26), "replied_at": None},
        )
        run_ids = []
        for outcome, at in (("acted", utc(2026, 3, 28, 2)), ("no_match", utc(2026, 3, 28, 3))):
            row = {"rule": "r", "at": at, "started_at": at, "outcome": outcome, "trigger": "daemon"}
            run_ids.append(conn.execute(runs.insert().values(**row)).inserted_primary_key[0])
        old = utc(2026, 3, 20)
        conn.execute(runs.insert().values(rule="r", at=old, started_at=old, outcome="failed"))
        for n, (action, status) in enumerate(
            (("pause", "done"), ("pause", "failed"), ("notify", "deferred"))
        ):
            conn.execute(
                intents.insert().values(
                    key=f"k{n}",
                    run_id=run_ids[0],
                    rule="r",
                    entity_type="ad_group",
                    account="shop",
                    entity_id="A2",
                    action=action,
                    args={},
                    status=status,
                    created_at=utc(2026, 3, 28, 2),
                    updated_at=utc(2026, 3, 28, 2),
                )
            )
    return engine, tables


def test_periods_are_whole_local_days_before_today() -> None:
    daily, before = periods("daily", AT)
    assert (daily.first, daily.last) == (date(2026, 3, 28), date(2026, 3, 28))
    assert (daily.begin, daily.end) == (utc(2026, 3, 27, 16), utc(2026, 3, 28, 16))
    assert (before.first, before.last) == (date(2026, 3, 27), date(2026, 3, 27))
    weekly, before = periods("weekly", AT)
    assert (weekly.first, weekly.last) == (date(2026, 3, 22), date(2026, 3, 28))
    assert (before.first, before.last) == (date(2026, 3, 15), date(2026, 3, 21))
    monthly, before = periods("monthly", AT)
    assert (monthly.first, before.last) == (date(2026, 2, 27), date(2026, 2, 26))
    # 23:30 UTC on the 28th is already the 29th in Shanghai.
    late = EvalContext(utc(2026, 3, 28, 23, 30), SHANGHAI)
    assert periods("daily", late)[0].last == date(2026, 3, 28)
    with pytest.raises(ValueError, match="unknown period 'yearly'"):
        periods("yearly", AT)


def test_daily_review_knows_every_kpi_exactly(tiny_shop: tuple[Engine, EntityTables]) -> None:
    report = compute_kpis(*tiny_shop, "daily", AT)
    assert report.values == {
        "revenue": 400.0,
        "units_sold": 4.0,
        "visitors": 200.0,
        "conversion": 0.02,
        "orders": 4,  # O1 at local midnight is in; O6 at the next midnight is not
        "gmv": 520.0,
        "aov": 130.0,
        "new_customers": 1,
        "returning_customers": 2,
        "repurchase_rate": pytest.approx(2 / 3),
        "ad_spend": 310.0,
        "ad_revenue": 600.0,
        "roi": pytest.approx(600 / 310),
        "ctr": pytest.approx(155 / 2100),
        "cpc": 2.0,
        "bad_reviews": 2,
        "bad_review_reply_rate": 0.5,
    }
    before = report.before
    assert (before["revenue"], before["conversion"], before["orders"], before["aov"]) == (
        200.0,
        0.04,
        1,
        80.0,
    )
    assert (before["new_customers"], before["returning_customers"]) == (1, 0)
    assert before["repurchase_rate"] == 1.0
    assert report.change("revenue") == 1.0
    assert report.change("conversion") == -0.5
    # P1 only: the archived P3 has none left but is not for sale.
    assert report.low_stock == [
        {"account": "shop", "id": "P1", "title": "<script>x</script>", "stock": 3}
    ]


def test_ads_without_spend_and_days_without_reviews_give_null_not_errors(
    tiny_shop: tuple[Engine, EntityTables],
) -> None:
    before = compute_kpis(*tiny_shop, "daily", AT).before
    assert before["ad_spend"] == 0.0
    assert before["roi"] is None and before["ctr"] is None and before["cpc"] is None
    assert before["bad_reviews"] == 0 and before["bad_review_reply_rate"] is None
    report = compute_kpis(*tiny_shop, "daily", AT)
    assert report.change("ad_spend") is None  # nothing to compare with


def test_empty_store_gives_zero_sums_and_null_ratios(
    empty_store: tuple[Engine, EntityTables],
) -> None:
    report = compute_kpis(*empty_store, "monthly", AT)
    assert report.values["revenue"] == 0.0 and report.values["orders"] == 0
    ratios = ("conversion", "aov", "repurchase_rate", "roi", "ctr", "cpc")
    assert all(report.values[key] is None for key in ratios)
    assert report.top_products == [] and report.worst_ad_groups == []
    assert report.runs == {} and report.actions == {}
    assert len(report.daily) == 30 and report.daily[0]["revenue"] == 0.0


def test_top_products_worst_ad_groups_and_what_shopctl_did(
    tiny_shop: tuple[Engine, EntityTables],
) -> None:
    report = compute_kpis(*tiny_shop, "weekly", AT)
    assert [(p["id"], p["title"], p["revenue"]) for p in report.top_products] == [
        ("P1", "<script>x</script>", 500.0),
        ("P2", "保温杯", 100.0),
    ]
    # A3 spent less than the floor, so its ROI of 0 says too little to rank it.
    assert [(g["id"], g["roi"]) for g in report.worst_ad_groups] == [("A2", 0.5), ("A1", 5.0)]
    assert report.runs == {"acted": 1, "no_match": 1}  # the failed run of 03-20 is older
    assert report.actions == {"notify": {"deferred": 1}, "pause": {"done": 1, "failed": 1}}
    assert report.values["revenue"] == 600.0 and report.before["revenue"] == 0.0
    assert report.change("revenue") is None


def test_daily_series_cover_a_week_even_for_a_daily_review(
    tiny_shop: tuple[Engine, EntityTables],
) -> None:
    series = compute_kpis(*tiny_shop, "daily", AT).daily
    assert [d["date"] for d in series] == [f"2026-03-{d}" for d in range(22, 29)]
    assert series[-1] == {
        "date": "2026-03-28",
        "revenue": 400.0,
        "ad_spend": 310.0,
        "ad_revenue": 600.0,
        "roi": pytest.approx(600 / 310),
    }
    assert series[-2]["revenue"] == 200.0 and series[-2]["roi"] is None


def test_json_has_stable_keys(tiny_shop: tuple[Engine, EntityTables]) -> None:
    data = compute_kpis(*tiny_shop, "daily", AT).to_json()
    assert data["current"] == {"first": "2026-03-28", "last": "2026-03-28"}
    assert data["timezone"] == "Asia/Shanghai" and data["at"] == "2026-03-29T01:00:00+00:00"
    assert data["kpis"]["roi"]["label"] == "投产比 ROI"
    assert set(data["kpis"]["revenue"]) == {"label", "value", "previous", "change"}
    assert data["kpis"]["revenue"]["change"] == 1.0


def test_ratio_is_null_on_zero_or_unknown() -> None:
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(1.0, 0) is None and ratio(None, 2.0) is None and ratio(1.0, None) is None
