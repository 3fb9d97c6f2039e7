"""The shop goes on living as the clock moves: orders come in, ship and get reviewed,
stock sells down and is restocked, points expire.

Whole local days are simulated once each, from a generator seeded by the day, so the
same clock gives the same shop however often it is asked. Order shipping and points
expiry follow the instant itself. Every change goes through the state with a fresh
change time, so incremental syncs pick it up.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shopctl_plugins.demo.generate import POINTS_LIFE, TIERS
from shopctl_plugins.demo.state import DemoState
from shopctl_plugins.demo.vocabulary import BAD_REVIEWS, GOOD_REVIEWS, REGIONS

Row = dict[str, Any]
DAY = timedelta(days=1)
TIER_ORDER = [name for _, name in reversed(TIERS)]  # regular … platinum


def live_until(state: DemoState, seed: int, zone: ZoneInfo, now: datetime) -> None:
    """Bring the shop up to `now`: every whole day not yet lived, then the instant."""
    start = datetime.fromisoformat(state.meta("lived_to") or state.meta("generated_at") or "")
    today = datetime.combine(now.astimezone(zone).date(), time(), zone)
    if start < today:
        day = start.astimezone(zone).date()
        while datetime.combine(day, time(), zone) < today:
            begin = max(start, datetime.combine(day, time(), zone))
            end = min(today, datetime.combine(day + DAY, time(), zone))
            _live_day(state, random.Random(f"{seed}:life:{day}"), day, begin, end, now)
            day += DAY
        state.set_meta("lived_to", today.isoformat())
    _ship(state, seed, now)
    _expire_points(state, now)


def _live_day(
    state: DemoState, rng: random.Random, day: date, begin: datetime, end: datetime, now: datetime
) -> None:
    """New orders in [begin, end) and the day's stock movements."""
    share = (end - begin) / DAY
    next_id = int(state.meta("next_order") or 1)
    for customer, profile in state.profiles("customer"):
        if rng.random() >= 1 - math.exp(-profile.get("rate", 0.02) * share):
            continue
        created = begin + (end - begin) * rng.random()
        order = _new_order(rng, f"O{next_id:06d}", customer["id"], created, profile, state, now)
        next_id += 1
        points = customer["points"] if customer.get("points_expire_at") else 0
        spent = round(customer["total_spent"] + order["total"], 2)
        earned = next(name for floor, name in TIERS if spent >= floor)
        # The shop's loyalty system upgrades most customers at once; the rest wait for
        # the operator (the playbook's tier-upgrade rule finds them).
        upgrade = TIER_ORDER.index(earned) > TIER_ORDER.index(customer["tier"])
        state.update(
            "customer",
            customer["id"],
            {
                "last_order_at": max(created, customer["last_order_at"]),
                "orders_count": customer["orders_count"] + 1,
                "total_spent": spent,
                "points": points + int(order["total"]),
                "points_expire_at": created + POINTS_LIFE,
                "tier": earned if upgrade and rng.random() < 0.75 else customer["tier"],
            },
            now,
        )
    state.set_meta("next_order", str(next_id))
    sold = {row["id"]: row.get("units_sold", 0) for row in state.metrics("product", day, day)}
    for product, _ in state.profiles("product"):
        stock = max(0, product["stock"] - int(sold.get(product["id"], 0)))
        if stock < 5 and rng.random() < 0.3:
            stock += int(rng.lognormvariate(4.3, 0.7))  # the buyer restocks
        if stock != product["stock"]:
            state.update("product", product["id"], {"stock": stock}, now)


def _new_order(
    rng: random.Random,
    oid: str,
    cid: str,
    created: datetime,
    profile: Row,
    state: DemoState,
    now: datetime,
) -> Row:
    paid = created + timedelta(minutes=rng.uniform(1, 30))
    late = rng.random() < 0.1
    ship = paid + timedelta(hours=rng.uniform(50, 120) if late else rng.uniform(6, 40))
    order = {
        "id": oid,
        "customer_id": cid,
        "status": "paid",
        "total": round(profile.get("basket", 200) * rng.uniform(0.5, 1.5), 2),
        "region": rng.choice(REGIONS),
        "created_at": created,
        "paid_at": paid,
        "shipped_at": None,
        "delivered_at": None,
    }
    plan = {
        "ship_at": ship.isoformat(),
        "deliver_at": (ship + timedelta(days=rng.uniform(1, 4))).isoformat(),
    }
    state.add_entities("order", [order], {("order", oid): plan}, now)
    return order


def _ship(state: DemoState, seed: int, now: datetime) -> None:
    """Ship and deliver the orders whose time has come; some delivered ones get reviewed."""
    for order, plan in state.open_orders():
        ship_at = datetime.fromisoformat(plan["ship_at"])
        deliver_at = datetime.fromisoformat(plan["deliver_at"])
        if ship_at > now:
            continue
        changes: Row = {"status": "shipped", "shipped_at": ship_at}
        if deliver_at <= now:
            changes.update(status="delivered", delivered_at=deliver_at)
        if changes["status"] != order["status"]:
            state.update("order", order["id"], changes, now)
        # Seeded by the order, so whether and how it is reviewed does not depend on
        # when the shop was looked at.
        rng = random.Random(f"{seed}:review:{order['id']}")
        if changes["status"] == "delivered" and rng.random() < 0.35:
            _review(state, rng, order, deliver_at, now)


def _review(
    state: DemoState, rng: random.Random, order: Row, delivered: datetime, now: datetime
) -> None:
    next_id = int(state.meta("next_review") or 1)
    products = state.ids("product")
    bad = rng.random() < 0.12
    review = {
        "id": f"R{next_id:05d}",
        "product_id": products[rng.randrange(len(products))],
        "customer_id": order["customer_id"],
        "rating": rng.randint(1, 2) if bad else rng.choice((3, 4, 4, 5, 5, 5)),
        "text": rng.choice(BAD_REVIEWS if bad else GOOD_REVIEWS),
        "created_at": min(now, delivered + timedelta(hours=rng.uniform(1, 48))),
        "replied_at": None,
    }
    state.add_entities("review", [review], {}, now)
    state.set_meta("next_review", str(next_id + 1))


def _expire_points(state: DemoState, now: datetime) -> None:
    for customer in state.expiring_points(now):
        state.update("customer", customer["id"], {"points": 0, "points_expire_at": None}, now)
