"""The benchmark platform: a large, skewed, deterministic shop generated on the fly.

Records are produced lazily, chunk by chunk, so a full-scale sync never holds more
than a batch in memory. Everything derives from the seed: the same seed and scale give
the same shop. Times are relative to `end` (the last day of metrics, noon Shanghai).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from shopctl import Platform, Setting, Type, hookimpl

FULL_SCALE = {
    "customer": 1_000_000,
    "product": 200_000,
    "ad_group": 50_000,
    "order": 300_000,
    "review": 100_000,
}
DAYS = 60
CHUNK = 2_000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉晶雪琳"
ENGLISH = ["Emma Li", "Liam Chen", "Olivia Wang", "Noah Zhang", "Ava Liu", "Mia Huang"]
REGIONS = [
    "广东",
    "浙江",
    "江苏",
    "上海",
    "北京",
    "山东",
    "四川",
    "福建",
    "湖北",
    "河南",
    "湖南",
    "安徽",
    "河北",
    "陕西",
    "重庆",
    "辽宁",
    "云南",
    "广西",
    "新疆",
    "西藏",
]
REGION_WEIGHTS = [16, 13, 12, 9, 8, 7, 6, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 0.3, 0.1]
TIERS = ["regular", "silver", "gold", "platinum"]
TIER_WEIGHTS = [70, 20, 8, 2]
CATEGORIES = ["女装", "男装", "鞋靴", "美妆", "母婴", "食品", "家居", "数码", "运动", "箱包"]
KEYWORDS = [
    "新款",
    "夏季",
    "纯棉",
    "加厚",
    "韩版",
    "宽松",
    "ins",
    "复古",
    "百搭",
    "大码",
    "oversize",
    "organic",
    "wireless",
    "2026",
]
NOUNS = [
    "T恤",
    "连衣裙",
    "运动鞋",
    "面霜",
    "纸尿裤",
    "坚果礼盒",
    "四件套",
    "蓝牙耳机",
    "瑜伽垫",
    "双肩包",
    "hoodie",
    "sneakers",
]
PRODUCT_STATUS = (["active", "paused", "draft", "archived"], [80, 10, 5, 5])
AD_STATUS = (["active", "paused"], [70, 30])
ORDER_STATUS = (
    ["pending", "paid", "shipped", "delivered", "cancelled", "refunded"],
    [4, 8, 14, 64, 6, 4],
)
RATINGS = ([5, 4, 3, 2, 1], [60, 20, 8, 5, 7])
REVIEW_TEXT = [
    "质量很好，推荐",
    "物流太慢了",
    "和描述不符",
    "Great value",
    "尺码偏小",
    "客服态度好",
    "Broke after a week",
    "还会回购",
]


class BenchShop(Platform):
    """A generated shop of FULL_SCALE × scale entities and 60 days of daily metrics."""

    name = "benchmark"
    provides = ("customer", "product", "ad_group", "order", "review")
    settings = (
        Setting("seed", Type.INTEGER, "Random seed", 42),
        Setting("scale", Type.NUMBER, "Share of the full-scale counts", 1.0),
        Setting("end", Type.TEXT, "Last day of metrics (ISO date)", "2026-03-01"),
    )
    # Wall and CPU seconds spent generating records, so the benchmark can tell the
    # store's share apart.
    generated_seconds: ClassVar[float] = 0.0
    generated_cpu: ClassVar[float] = 0.0

    def __init__(self, account: str, settings: dict[str, Any], context: Any):
        super().__init__(account, settings, context)
        self.seed = int(self.config.get("seed", 42))
        self.scale = float(self.config.get("scale", 1.0))
        self.end = date.fromisoformat(str(self.config.get("end", "2026-03-01")))
        # Noon in Shanghai on the last day: the benchmark's "now".
        self.now = datetime(self.end.year, self.end.month, self.end.day, 4, tzinfo=UTC)
        self.days = [self.end - timedelta(days=DAYS - 1 - n) for n in range(DAYS)]

    def count(self, entity_type: str) -> int:
        """How many entities of a type this scale generates."""
        return max(1, round(FULL_SCALE[entity_type] * self.scale))

    def fetch(self, entity_type: str, since: datetime | None) -> Iterator[dict[str, Any]]:
        """Every entity of the type (the benchmark always syncs in full)."""
        make = getattr(self, f"_{entity_type}")
        rng = random.Random(f"{self.seed}:{entity_type}")
        yield from self._chunks(make, rng, self.count(entity_type))

    def fetch_metrics(self, entity_type: str, since: date | None) -> Iterator[dict[str, Any]]:
        """Daily rows of products and ad groups, entity by entity."""
        make = getattr(self, f"_{entity_type}_days")
        rng = random.Random(f"{self.seed}:{entity_type}:metrics")
        count = self.count(entity_type)
        for start in range(0, count, CHUNK // 20):
            started, cpu = time.perf_counter(), time.process_time()
            rows = [r for n in range(start, min(count, start + CHUNK // 20)) for r in make(rng, n)]
            BenchShop.generated_seconds += time.perf_counter() - started
            BenchShop.generated_cpu += time.process_time() - cpu
            yield from rows

    def _chunks(self, make: Any, rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
        for start in range(0, count, CHUNK):
            started, cpu = time.perf_counter(), time.process_time()
            rows = [make(rng, n) for n in range(start, min(count, start + CHUNK))]
            BenchShop.generated_seconds += time.perf_counter() - started
            BenchShop.generated_cpu += time.process_time() - cpu
            yield from rows

    def _ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def _customer(self, rng: random.Random, n: int) -> dict[str, Any]:
        orders = min(200, int(rng.paretovariate(1.3))) - (rng.random() < 0.15)
        first = self._ago(rng.uniform(1, 720)) if orders > 0 else None
        last = self._ago(rng.expovariate(1 / 45) % 700) if orders > 0 else None
        if first is not None and last is not None and last < first:
            first, last = last, first
        chinese = rng.random() < 0.85
        name = (
            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
            if chinese
            else rng.choice(ENGLISH)
        )
        return {
            "id": f"c{n:07d}",
            "name": name,
            "email": f"user{n}@example.com" if rng.random() < 0.8 else None,
            "phone": f"1{rng.randint(3000000000, 9999999999)}",
            "region": rng.choices(REGIONS, REGION_WEIGHTS)[0],
            "tier": rng.choices(TIERS, TIER_WEIGHTS)[0],
            "points": int(rng.paretovariate(1.1) * 20) - 20,
            "points_expire_at": self._ago(-rng.uniform(-10, 180)),
            "orders_count": max(0, orders),
            "total_spent": round(max(0, orders) * rng.lognormvariate(4.8, 0.7), 2),
            "first_order_at": first,
            "last_order_at": last,
            "accepts_marketing": rng.random() < 0.65,
            "tags": ["vip"] if rng.random() < 0.03 else [],
        }

    def _product(self, rng: random.Random, n: int) -> dict[str, Any]:
        price = round(rng.lognormvariate(4.3, 0.9), 2)
        words = rng.sample(KEYWORDS, 3)
        return {
            "id": f"p{n:06d}",
            "title": " ".join([*words, rng.choice(NOUNS)]),
            "status": rng.choices(*PRODUCT_STATUS)[0],
            "price": price,
            "cost": round(price * rng.uniform(0.3, 0.75), 2),
            "stock": int(rng.expovariate(1 / 60)),
            "category": rng.choice(CATEGORIES),
            "tags": rng.sample(KEYWORDS, rng.randint(0, 2)),
            "listed_at": self._ago(rng.uniform(1, 1000)),
        }

    def _ad_group(self, rng: random.Random, n: int) -> dict[str, Any]:
        return {
            "id": f"g{n:05d}",
            "campaign": f"{rng.choice(CATEGORIES)}推广{n // 25}",
            "name": f"{rng.choice(NOUNS)}-{rng.choice(KEYWORDS)}-{n}",
            "status": rng.choices(*AD_STATUS)[0],
            "bid": round(rng.lognormvariate(0, 0.6), 2),
            "daily_budget": float(rng.choice([50, 100, 200, 500, 1000, 3000])),
        }

    def _order(self, rng: random.Random, n: int) -> dict[str, Any]:
        status = rng.choices(*ORDER_STATUS)[0]
        created = self._ago(rng.expovariate(1 / 20) % 365)
        paid = created + timedelta(minutes=rng.expovariate(1 / 10)) if status != "pending" else None
        shipped = delivered = None
        if status in ("shipped", "delivered") and paid is not None:
            shipped = min(self.now, paid + timedelta(hours=rng.expovariate(1 / 24)))
        if status == "delivered" and shipped is not None:
            delivered = min(self.now, shipped + timedelta(days=rng.uniform(1, 5)))
        customers = self.count("customer")
        return {
            "id": f"o{n:06d}",
            "customer_id": f"c{min(customers - 1, int(rng.paretovariate(0.6)) - 1):07d}",
            "status": status,
            "total": round(rng.lognormvariate(4.8, 0.7), 2),
            "region": rng.choices(REGIONS, REGION_WEIGHTS)[0],
            "created_at": created,
            "paid_at": paid,
            "shipped_at": shipped,
            "delivered_at": delivered,
        }

    def _review(self, rng: random.Random, n: int) -> dict[str, Any]:
        created = self._ago(rng.expovariate(1 / 30) % 365)
        rating = rng.choices(*RATINGS)[0]
        return {
            "id": f"r{n:06d}",
            "product_id": f"p{min(self.count('product') - 1, int(rng.paretovariate(0.8)) - 1):06d}",
            "customer_id": f"c{rng.randrange(self.count('customer')):07d}",
            "rating": rating,
            "text": rng.choice(REVIEW_TEXT),
            "created_at": created,
            "replied_at": created + timedelta(hours=rng.uniform(1, 48))
            if rng.random() < (0.8 if rating > 2 else 0.4)
            else None,
        }

    def _product_days(self, rng: random.Random, n: int) -> list[dict[str, Any]]:
        # Popularity is heavy-tailed: most products are seen on a few days, a few daily.
        popularity = rng.paretovariate(1.2) * 3
        active = min(DAYS, int(DAYS * (1 - math.exp(-popularity / 12))))
        conversion = rng.uniform(0.005, 0.06)
        price = rng.lognormvariate(4.3, 0.9)
        product_id = f"p{n:06d}"
        rows = []
        for day in sorted(rng.sample(self.days, active)):
            views = max(1, int(popularity * rng.uniform(0.5, 1.5)))
            visitors = max(1, int(views * rng.uniform(0.5, 0.9)))
            units = int(visitors * conversion * rng.uniform(0, 2))
            rows.append(
                {
                    "id": product_id,
                    "date": day,
                    "views": float(views),
                    "visitors": float(visitors),
                    "units_sold": float(units),
                    "revenue": round(units * price, 2),
                    "add_to_cart": float(int(visitors * conversion * 3)),
                }
            )
        return rows

    def _ad_group_days(self, rng: random.Random, n: int) -> list[dict[str, Any]]:
        # A skewed share of ad groups runs every day; ROI centres near 2.5 with a wide tail.
        if rng.random() < 0.25:
            return []
        budget = rng.choice([50, 100, 200, 500, 1000, 3000])
        roi = rng.lognormvariate(0.9, 0.6)
        cpc = rng.lognormvariate(0, 0.5)
        first = rng.randrange(DAYS // 2) if rng.random() < 0.3 else 0
        group_id = f"g{n:05d}"
        rows = []
        for day in self.days[first:]:
            spend = round(budget * rng.uniform(0.05, 0.6), 2)
            clicks = max(1, int(spend / cpc))
            rows.append(
                {
                    "id": group_id,
                    "date": day,
                    "impressions": float(clicks * rng.randint(20, 80)),
                    "clicks": float(clicks),
                    "spend": spend,
                    "revenue": round(spend * roi * rng.uniform(0.6, 1.4), 2),
                    "conversions": float(int(clicks * rng.uniform(0.01, 0.05))),
                }
            )
        return rows


@hookimpl
def shopctl_platforms() -> list[type[Platform]]:
    """The benchmark platform."""
    return [BenchShop]
