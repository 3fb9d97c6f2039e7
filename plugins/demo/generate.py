"""Generating the demo shop from a seed: skewed, realistic, and the same every time.

Distributions are chosen so every playbook rule matches some entities but never most
of them: sales follow a long tail, a few ad groups earn well and many do not, customers
came back at very different times, a few reviews are bad and unanswered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shopctl_plugins.demo.titles import TITLE_LIMIT, title_width
from shopctl_plugins.demo.vocabulary import (
    BAD_REVIEWS,
    CAMPAIGNS,
    CATEGORIES,
    FIRST_EN,
    GIVEN_ZH,
    GOOD_REVIEWS,
    LAST_EN,
    REGIONS,
    SURNAMES_ZH,
    Category,
)

HISTORY_DAYS = 60
POINTS_LIFE = timedelta(days=90)
SIZES = {"product": 120, "ad_group": 60, "customer": 400}
PRODUCT_METRICS = ("views", "visitors", "units_sold", "revenue", "add_to_cart")
AD_GROUP_METRICS = ("impressions", "clicks", "spend", "revenue", "conversions")
TIERS = ((10000, "platinum"), (3000, "gold"), (1000, "silver"), (0, "regular"))

Row = dict[str, Any]


@dataclass
class Shop:
    """A generated shop: records per entity type and the hidden traits behind metrics."""

    records: dict[str, list[Row]] = field(default_factory=dict)
    profiles: dict[tuple[str, str], Row] = field(default_factory=dict)


def category_of(name: str) -> Category:
    """The category called `name`."""
    return next(c for c in CATEGORIES if c.name == name)


def generate(seed: int, now: datetime, scale: float = 1.0) -> Shop:
    """The whole shop as of `now` (UTC), from `seed`; `scale` multiplies its size."""
    rng = random.Random(seed)
    shop = Shop()
    sizes = {kind: max(3, round(n * scale)) for kind, n in SIZES.items()}
    shop.records["product"] = [_product(rng, i, now, shop) for i in range(sizes["product"])]
    shop.records["ad_group"] = [_ad_group(rng, i, shop) for i in range(sizes["ad_group"])]
    customers, orders = [], []
    for i in range(sizes["customer"]):
        customer, placed = _customer(rng, i, now, len(orders), shop)
        customers.append(customer)
        orders += placed
    shop.records["customer"] = customers
    shop.records["order"] = orders
    shop.records["review"] = _reviews(rng, orders, shop.records["product"], now)
    return shop


def _product(rng: random.Random, i: int, now: datetime, shop: Shop) -> Row:
    category = rng.choice(CATEGORIES)
    slow = rng.random() < 0.22
    # Long tail: a Pareto draw makes a few products carry most of the traffic.
    visitors = rng.uniform(1, 6) if slow else min(400.0, 12 * rng.paretovariate(1.4))
    conversion = rng.uniform(0.002, 0.01) if slow else rng.uniform(0.015, 0.06)
    price = round(rng.uniform(*category.price), 0) - 0.1
    pid = f"P{i + 1:04d}"
    shop.profiles[("product", pid)] = {"visitors": visitors, "conversion": conversion}
    stock = rng.randint(0, 9) if rng.random() < 0.1 else int(rng.lognormvariate(4.3, 0.7))
    return {
        "id": pid,
        "title": _title(rng, category, slow),
        "status": "active" if rng.random() < 0.93 else "paused",
        "price": price,
        "cost": round(price * rng.uniform(0.35, 0.7), 2),
        "stock": stock,
        "category": category.name,
        "tags": ["新品"] if rng.random() < 0.15 else [],
        "listed_at": now - timedelta(days=rng.uniform(35, 400)),
    }


def _title(rng: random.Random, category: Category, slow: bool) -> str:
    """Slow sellers are listed with filler words and weak keywords."""
    ranked = sorted(category.keywords, key=lambda k: k.score)
    pool = ranked[: len(ranked) // 2] if slow else ranked
    before: list[str] = []
    after: list[str] = []
    extra = rng.sample(category.fillers, 3 if slow else 1) + [k.text for k in rng.sample(pool, 3)]
    for text in extra:
        side = before if rng.random() < 0.5 else after
        if title_width(" ".join([*before, *category.head, *after, text])) <= TITLE_LIMIT:
            side.append(text)
    return " ".join([*before, *category.head, *after])


def _ad_group(rng: random.Random, i: int, shop: Shop) -> Row:
    category = rng.choice(CATEGORIES)
    keyword = rng.choice(category.keywords).text
    draw = rng.random()
    # A few ad groups pay off well, about half break even, many lose money.
    roi = (
        rng.uniform(4.2, 8)
        if draw < 0.12
        else rng.uniform(2.1, 4)
        if draw < 0.55
        else rng.uniform(0.3, 1.9)
    )
    bid = round(rng.uniform(0.4, 3.2), 2)
    budget = float(rng.choice((50, 80, 100, 150, 200, 300, 500)))
    small = rng.random() < 0.2
    spend = rng.uniform(2, 12) if small else budget * rng.uniform(0.35, 0.9)
    paused = rng.random() < 0.12
    gid = f"AG{i + 1:03d}"
    shop.profiles[("ad_group", gid)] = {
        "spend": spend,
        "roi": roi,
        "cpc": bid * rng.uniform(0.6, 0.95),
        "ctr": rng.uniform(0.005, 0.04),
        "aov": rng.uniform(*category.price),
        # Paused groups stopped spending a while ago.
        "paused_days": rng.randint(3, 20) if paused else 0,
    }
    return {
        "id": gid,
        "campaign": rng.choice(CAMPAIGNS),
        "name": f"{category.name}-{keyword}",
        "status": "paused" if paused else "active",
        "bid": bid,
        "daily_budget": budget,
    }


def _name(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.75:
        name = rng.choice(SURNAMES_ZH) + rng.choice(GIVEN_ZH)
        return name, f"u{rng.randrange(10**6, 10**7)}@example.cn"
    first, last = rng.choice(FIRST_EN), rng.choice(LAST_EN)
    return f"{first} {last}", f"{first.lower()}.{last.lower()}{rng.randrange(100)}@example.com"


def _customer(
    rng: random.Random, i: int, now: datetime, order_base: int, shop: Shop
) -> tuple[Row, list[Row]]:
    cid = f"C{i + 1:05d}"
    draw = rng.random()
    # Orders per day from now on: regulars keep coming back, lapsed ones rarely do, so
    # the mix of recent and idle customers stays about the same as time goes by.
    rate = 1 / 20 if draw < 0.55 else 1 / 60 if draw < 0.85 else 1 / 300
    idle_days = (
        rng.uniform(0, 30)
        if draw < 0.55
        else rng.uniform(30, 90)
        if draw < 0.85
        else rng.uniform(90, 365)
    )
    last = now - timedelta(days=idle_days)
    count = 1 + min(int(rng.expovariate(0.5)), 15)
    basket = rng.lognormvariate(5.4, 0.6)  # what this customer typically spends per order
    times = sorted(
        last - timedelta(days=rng.uniform(0, 40 * (count - 1))) for _ in range(count - 1)
    )
    orders = [
        _order(rng, f"O{order_base + n + 1:06d}", cid, moment, now, basket, shop)
        for n, moment in enumerate([*times, last])
    ]
    shop.profiles[("customer", cid)] = {"rate": rate, "basket": basket}
    spent = round(
        sum(o["total"] for o in orders if o["status"] not in ("cancelled", "refunded")), 2
    )
    tier = next(name for floor, name in TIERS if spent >= floor)
    if rng.random() < 0.25 and tier != "regular":
        tier = {"platinum": "gold", "gold": "silver", "silver": "regular"}[tier]  # not yet upgraded
    name, email = _name(rng)
    # Points expire POINTS_LIFE after the last order; older balances are already gone.
    expires = last + POINTS_LIFE if last + POINTS_LIFE > now else None
    points = int(spent) if expires else 0
    return {
        "id": cid,
        "name": name,
        "email": email,
        "phone": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}",
        "region": rng.choice(REGIONS),
        "tier": tier,
        "points": points,
        "points_expire_at": expires,
        "orders_count": len(orders),
        "total_spent": spent,
        "first_order_at": orders[0]["created_at"],
        "last_order_at": last,
        "accepts_marketing": rng.random() < 0.7,
        "tags": ["vip"] if spent > 3000 else [],
    }, orders


def _order(
    rng: random.Random,
    oid: str,
    cid: str,
    created: datetime,
    now: datetime,
    basket: float,
    shop: Shop,
) -> Row:
    paid = created + timedelta(minutes=rng.uniform(1, 30))
    shipped = paid + timedelta(hours=rng.uniform(6, 40))
    delivered = shipped + timedelta(days=rng.uniform(1, 4))
    if now - created < timedelta(days=5) and rng.random() < 0.3:
        # The warehouse is late: it ships within the next three days.
        shipped = now + timedelta(hours=rng.uniform(2, 72))
        delivered = shipped + timedelta(days=rng.uniform(1, 4))
    status = "paid" if shipped > now else "shipped" if delivered > now else "delivered"
    if status != "delivered":
        shop.profiles[("order", oid)] = {
            "ship_at": shipped.isoformat(),
            "deliver_at": delivered.isoformat(),
        }
        shipped = shipped if status == "shipped" else None
        delivered = None
    elif rng.random() < 0.05:
        status = rng.choice(("cancelled", "refunded"))
    return {
        "id": oid,
        "customer_id": cid,
        "status": status,
        "total": round(basket * rng.uniform(0.5, 1.5), 2),
        "region": rng.choice(REGIONS),
        "created_at": created,
        "paid_at": paid,
        "shipped_at": shipped,
        "delivered_at": delivered,
    }


def _reviews(
    rng: random.Random, orders: list[Row], products: list[Row], now: datetime
) -> list[Row]:
    reviews = []
    for order in orders:
        if order["status"] != "delivered" or rng.random() > 0.35:
            continue
        written = order["delivered_at"] + timedelta(days=rng.uniform(0, 4))
        if written > now:
            continue
        bad = rng.random() < 0.12
        replied = rng.random() < (0.6 if bad else 0.5)
        reviews.append(
            {
                "id": f"R{len(reviews) + 1:05d}",
                "product_id": rng.choice(products)["id"],
                "customer_id": order["customer_id"],
                "rating": rng.randint(1, 2) if bad else rng.choice((3, 4, 4, 5, 5, 5)),
                "text": rng.choice(BAD_REVIEWS if bad else GOOD_REVIEWS),
                "created_at": written,
                "replied_at": min(now, written + timedelta(hours=rng.uniform(1, 20)))
                if replied
                else None,
            }
        )
    return reviews


def daily_metrics(
    seed: int, entity_type: str, row: Row, profile: Row, day: date, active: bool
) -> Row:
    """One day's metrics of a product or ad group: the same seed and day give the same row.

    An entity that is not active that day (a paused ad group, a delisted product) has
    no traffic, sales or spend.
    """
    names = PRODUCT_METRICS if entity_type == "product" else AD_GROUP_METRICS
    if not active:
        return dict.fromkeys(names, 0)
    rng = random.Random(f"{seed}:{entity_type}:{row['id']}:{day.isoformat()}")
    if entity_type == "product":
        visitors = round(profile["visitors"] * rng.uniform(0.5, 1.5))
        units = sum(rng.random() < profile["conversion"] for _ in range(visitors))
        return {
            "views": round(visitors * rng.uniform(1.2, 2.2)),
            "visitors": visitors,
            "units_sold": units,
            "revenue": round(units * row["price"], 2),
            "add_to_cart": units + sum(rng.random() < 0.05 for _ in range(visitors)),
        }
    spend = round(profile["spend"] * rng.uniform(0.6, 1.4), 2)
    clicks = max(1, round(spend / profile["cpc"]))
    revenue = round(spend * profile["roi"] * rng.uniform(0.6, 1.4), 2)
    return {
        "impressions": round(clicks / profile["ctr"]),
        "clicks": clicks,
        "spend": spend,
        "revenue": revenue,
        "conversions": round(revenue / profile["aov"]),
    }


def history_days(today: date) -> list[date]:
    """The days of generated history: the 60 days ending with `today`."""
    return [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
