"""The KPI review (日复盘/周复盘/月复盘): a period's figures against the period before.

A period is made of whole local days (the configured zone) that have ended by the
evaluation instant: `daily` is yesterday, `weekly` the 7 days before today, `monthly`
the 30 days before today. Today is left out because its figures are still coming in.
Every ratio whose denominator is zero or unknown is None, never an error.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, select
from sqlalchemy.engine import Connection, Engine

from shopctl.clock import as_utc
from shopctl.rules.compiled import EvalContext
from shopctl.store.engine import READ_ONLY
from shopctl.store.entities import ACCOUNT, EntityTables
from shopctl.store.tables import intents, runs

PERIOD_DAYS = {"daily": 1, "weekly": 7, "monthly": 30}
TOP = 10
LOW_STOCK = 10  # an active product with fewer units than this is low on stock
BAD_RATING = 2  # ratings at or below this are bad reviews
SPEND_FLOOR = 100.0  # ad groups that spent less say too little about their ROI
TREND_DAYS = 7  # the charts show at least a week, so a daily review has a trend too

# Stable keys of the KPIs, in the order a report shows them, with their labels.
LABELS = {
    "revenue": "销售额 Revenue",
    "units_sold": "销量 Units sold",
    "visitors": "访客数 Visitors",
    "conversion": "转化率 Conversion",
    "orders": "订单数 Orders",
    "gmv": "成交额 GMV",
    "aov": "客单价 AOV",
    "new_customers": "新客 New customers",
    "returning_customers": "老客 Returning customers",
    "repurchase_rate": "复购率 Repurchase rate",
    "ad_spend": "推广花费 Ad spend",
    "ad_revenue": "推广成交 Ad revenue",
    "roi": "投产比 ROI",
    "ctr": "点击率 CTR",
    "cpc": "平均点击花费 CPC",
    "bad_reviews": "差评 Bad reviews",
    "bad_review_reply_rate": "差评回复率 Bad-review reply rate",
}
PERCENT = frozenset({"conversion", "repurchase_rate", "ctr", "bad_review_reply_rate"})
COUNTS = frozenset(
    {"units_sold", "visitors", "orders", "new_customers", "returning_customers", "bad_reviews"}
)


@dataclass(frozen=True)
class Period:
    """Whole local days `first`..`last` inclusive, and the instants that bound them."""

    first: date
    last: date
    begin: datetime  # aware UTC: local midnight starting `first`
    end: datetime  # aware UTC: local midnight after `last` (exclusive)

    def days(self) -> list[date]:
        """Each day of the period, oldest first."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def to_json(self) -> dict[str, str]:
        """First and last day, ISO dates."""
        return {"first": self.first.isoformat(), "last": self.last.isoformat()}


@dataclass
class KpiReport:
    """A review: each KPI now and before, top and worst lists, shopctl's activity, series."""

    kind: str
    ctx: EvalContext
    current: Period
    previous: Period
    values: dict[str, float | None]
    before: dict[str, float | None]
    low_stock: list[dict[str, Any]]
    top_products: list[dict[str, Any]] = field(default_factory=list)
    worst_ad_groups: list[dict[str, Any]] = field(default_factory=list)
    runs: dict[str, int] = field(default_factory=dict)
    actions: dict[str, dict[str, int]] = field(default_factory=dict)
    daily: list[dict[str, Any]] = field(default_factory=list)

    def change(self, key: str) -> float | None:
        """The relative change from the previous period; None when it cannot be said."""
        now, then = self.values[key], self.before[key]
        if now is None or then is None or then == 0:
            return None
        return (now - then) / abs(then)

    def to_json(self) -> dict[str, Any]:
        """Every figure, with stable keys (`report --json`)."""
        return {
            "period": self.kind,
            "at": self.ctx.now.isoformat(),
            "timezone": self.ctx.zone.key,
            "current": self.current.to_json(),
            "previous": self.previous.to_json(),
            "kpis": {
                key: {
                    "label": label,
                    "value": self.values[key],
                    "previous": self.before[key],
                    "change": self.change(key),
                }
                for key, label in LABELS.items()
            },
            "low_stock_products": self.low_stock,
            "top_products": self.top_products,
            "worst_ad_groups": self.worst_ad_groups,
            "runs": self.runs,
            "actions": self.actions,
            "daily": self.daily,
        }


def periods(kind: str, ctx: EvalContext) -> tuple[Period, Period]:
    """The period of `kind` ending with yesterday (local), and the one just before it."""
    if kind not in PERIOD_DAYS:
        raise ValueError(f"unknown period {kind!r}: choose one of {', '.join(PERIOD_DAYS)}")
    days = PERIOD_DAYS[kind]
    last = ctx.today - timedelta(days=1)
    current = _period(last - timedelta(days=days - 1), last, ctx)
    previous = _period(current.first - timedelta(days=days), current.first - timedelta(days=1), ctx)
    return current, previous


def compute_kpis(engine: Engine, tables: EntityTables, kind: str, ctx: EvalContext) -> KpiReport:
    """The review of the `kind` period ending before `ctx.today`, from the store."""
    current, previous = periods(kind, ctx)
    with engine.connect().execution_options(**READ_ONLY) as conn:
        figures = _Figures(conn, tables)
        trend_first = min(current.first, current.last - timedelta(days=TREND_DAYS - 1))
        return KpiReport(
            kind,
            ctx,
            current,
            previous,
            figures.period(current),
            figures.period(previous),
            low_stock=figures.low_stock(),
            top_products=figures.top_products(current),
            worst_ad_groups=figures.worst_ad_groups(current),
            runs=figures.runs(current),
            actions=figures.actions(current),
            daily=figures.daily(_period(trend_first, current.last, ctx)),
        )


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None where the denominator is zero or unknown."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _period(first: date, last: date, ctx: EvalContext) -> Period:
    begin = datetime.combine(first, time(), ctx.zone)
    end = datetime.combine(last + timedelta(days=1), time(), ctx.zone)
    return Period(first, last, as_utc(begin), as_utc(end))


class _Figures:
    """The queries of one review, on one read-only connection."""

    def __init__(self, conn: Connection, tables: EntityTables):
        self.conn = conn
        self.product = tables.entity("product")
        self.product_days = tables.metrics("product")
        self.ad_group = tables.entity("ad_group")
        self.ad_days = tables.metrics("ad_group")
        self.order = tables.entity("order")
        self.customer = tables.entity("customer")
        self.review = tables.entity("review")

    def period(self, period: Period) -> dict[str, float | None]:
        """Every KPI of LABELS over `period`."""
        shop = self._sums(self.product_days, period, "revenue", "units_sold", "visitors")
        ads = self._sums(self.ad_days, period, "spend", "revenue", "clicks", "impressions")
        orders, gmv = self.conn.execute(
            select(func.count(), func.coalesce(func.sum(self.order.c.total), 0.0)).where(
                *self._placed(period)
            )
        ).one()
        customers = self._customers(period)
        bad, replied = self._bad_reviews(period)
        return {
            "revenue": shop["revenue"],
            "units_sold": shop["units_sold"],
            "visitors": shop["visitors"],
            "conversion": ratio(shop["units_sold"], shop["visitors"]),
            "orders": orders,
            "gmv": float(gmv),
            "aov": ratio(float(gmv), orders),
            **customers,
            "ad_spend": ads["spend"],
            "ad_revenue": ads["revenue"],
            "roi": ratio(ads["revenue"], ads["spend"]),
            "ctr": ratio(ads["clicks"], ads["impressions"]),
            "cpc": ratio(ads["spend"], ads["clicks"]),
            "bad_reviews": bad,
            "bad_review_reply_rate": ratio(replied, bad),
        }

    def low_stock(self) -> list[dict[str, Any]]:
        """Active products with fewer than LOW_STOCK units as stored now, fewest first."""
        product = self.product
        query = (
            select(product.c[ACCOUNT], product.c.id, product.c.title, product.c.stock)
            .where(product.c.status == "active", product.c.stock < LOW_STOCK)
            .order_by(product.c.stock, product.c[ACCOUNT], product.c.id)
        )
        return [
            {"account": a, "id": i, "title": t, "stock": n}
            for a, i, t, n in self.conn.execute(query)
        ]

    def top_products(self, period: Period) -> list[dict[str, Any]]:
        """The TOP products by revenue over the period."""
        days, product = self.product_days, self.product
        revenue = func.sum(days.c.revenue).label("revenue")
        units = func.sum(days.c.units_sold).label("units")
        query = (
            select(days.c[ACCOUNT], days.c.id, revenue, units)
            .where(*_dated(days, period))
            .group_by(days.c[ACCOUNT], days.c.id)
            .having(func.sum(days.c.revenue) > 0)
            .order_by(revenue.desc(), days.c[ACCOUNT], days.c.id)
            .limit(TOP)
            .subquery()
        )
        joined = select(
            query.c[ACCOUNT], query.c.id, product.c.title, query.c.revenue, query.c.units
        ).join_from(query, product, _same(query, product), isouter=True)
        rows = self.conn.execute(joined.order_by(query.c.revenue.desc(), query.c.id)).all()
        return [
            {"account": a, "id": i, "title": t, "revenue": float(r), "units_sold": float(u or 0)}
            for a, i, t, r, u in rows
        ]

    def worst_ad_groups(self, period: Period) -> list[dict[str, Any]]:
        """The TOP ad groups with the lowest ROI among those that spent SPEND_FLOOR or more."""
        days, group = self.ad_days, self.ad_group
        spend, revenue = func.sum(days.c.spend), func.coalesce(func.sum(days.c.revenue), 0.0)
        query = (
            select(days.c[ACCOUNT], days.c.id, spend.label("spend"), revenue.label("revenue"))
            .where(*_dated(days, period))
            .group_by(days.c[ACCOUNT], days.c.id)
            .having(spend >= SPEND_FLOOR)
            .subquery()
        )
        joined = select(query, group.c.name, group.c.campaign).join_from(
            query, group, _same(query, group), isouter=True
        )
        rows = [
            {
                "account": row._mapping[ACCOUNT],
                "id": row.id,
                "name": row.name,
                "campaign": row.campaign,
                "spend": float(row.spend),
                "revenue": float(row.revenue),
                "roi": float(row.revenue) / float(row.spend),
            }
            for row in self.conn.execute(joined)
        ]
        return sorted(rows, key=lambda r: (r["roi"], r["account"], r["id"]))[:TOP]

    def runs(self, period: Period) -> dict[str, int]:
        """Runs evaluated in the period, by outcome ("running" while unfinished)."""
        query = (
            select(runs.c.outcome, func.count())
            .where(runs.c.at >= period.begin, runs.c.at < period.end)
            .group_by(runs.c.outcome)
        )
        found = {outcome or "running": n for outcome, n in self.conn.execute(query)}
        return dict(sorted(found.items()))

    def actions(self, period: Period) -> dict[str, dict[str, int]]:
        """Actions planned in the period: action name -> status -> count."""
        query = (
            select(intents.c.action, intents.c.status, func.count())
            .where(intents.c.created_at >= period.begin, intents.c.created_at < period.end)
            .group_by(intents.c.action, intents.c.status)
        )
        found: dict[str, Counter[str]] = {}
        for name, status, n in self.conn.execute(query):
            found.setdefault(name, Counter())[status] += n
        return {name: dict(sorted(found[name].items())) for name in sorted(found)}

    def daily(self, period: Period) -> list[dict[str, Any]]:
        """Revenue, ad spend, ad revenue and ROI of each day of the period (0 on empty days)."""
        shop = self._by_day(self.product_days, period, "revenue")
        ads = self._by_day(self.ad_days, period, "spend", "revenue")
        series = []
        for day in period.days():
            (revenue,) = shop.get(day, (0.0,))
            spend, ad_revenue = ads.get(day, (0.0, 0.0))
            series.append(
                {
                    "date": day.isoformat(),
                    "revenue": revenue,
                    "ad_spend": spend,
                    "ad_revenue": ad_revenue,
                    "roi": ratio(ad_revenue, spend),
                }
            )
        return series

    def _sums(self, days: Table, period: Period, *metrics: str) -> dict[str, float]:
        sums = [func.coalesce(func.sum(days.c[m]), 0.0) for m in metrics]
        row = self.conn.execute(select(*sums).where(*_dated(days, period))).one()
        return {m: float(v) for m, v in zip(metrics, row, strict=True)}

    def _by_day(self, days: Table, period: Period, *metrics: str) -> dict[date, tuple[float, ...]]:
        sums = [func.coalesce(func.sum(days.c[m]), 0.0) for m in metrics]
        query = select(days.c.date, *sums).where(*_dated(days, period)).group_by(days.c.date)
        return {day: tuple(float(v) for v in values) for day, *values in self.conn.execute(query)}

    def _placed(self, period: Period) -> list[Any]:
        created = self.order.c.created_at
        return [created >= period.begin, created < period.end]

    def _customers(self, period: Period) -> dict[str, float | None]:
        """New and returning customers among those who ordered, and the repurchase rate."""
        order, customer = self.order, self.customer
        buyers = (
            select(order.c[ACCOUNT].label("account"), order.c.customer_id)
            .where(*self._placed(period))
            .distinct()
            .subquery()
        )
        query = select(
            func.count(),
            func.count().filter(customer.c.first_order_at >= period.begin),
            func.count().filter(customer.c.first_order_at < period.begin),
            func.count().filter(customer.c.orders_count >= 2),
        ).join_from(
            buyers,
            customer,
            and_(
                customer.c[ACCOUNT] == buyers.c.account,
                customer.c.id == buyers.c.customer_id,
            ),
        )
        known, new, returning, repeat = self.conn.execute(query).one()
        return {
            "new_customers": new,
            "returning_customers": returning,
            "repurchase_rate": ratio(repeat, known),
        }

    def _bad_reviews(self, period: Period) -> tuple[int, int]:
        """Bad reviews written in the period, and how many of them have a reply."""
        review = self.review
        query = select(func.count(), func.count(review.c.replied_at)).where(
            review.c.rating <= BAD_RATING,
            review.c.created_at >= period.begin,
            review.c.created_at < period.end,
        )
        bad, replied = self.conn.execute(query).one()
        return int(bad), int(replied)


def _dated(days: Table, period: Period) -> list[Any]:
    return [days.c.date >= period.first, days.c.date <= period.last]


def _same(left: Any, right: Table) -> Any:
    return and_(left.c[ACCOUNT] == right.c[ACCOUNT], left.c.id == right.c.id)
