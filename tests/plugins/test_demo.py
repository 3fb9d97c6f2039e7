"""The demo platform: a seeded shop that persists, and actions that change it once per key."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopctl import ActionRequest, FrozenClock, PermanentError, PluginContext
from shopctl_plugins.demo import DemoPlatform
from shopctl_plugins.demo.generate import category_of
from shopctl_plugins.demo.titles import TITLE_LIMIT, refresh_title, title_width
from shopctl_plugins.demo.vocabulary import CATEGORIES, Category

FIRST_USE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


@pytest.fixture
def clock() -> FrozenClock:
    """The clock at the shop's first use."""
    return FrozenClock(FIRST_USE)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state folder of a shop generated once at FIRST_USE, copied by each test."""
    state = tmp_path_factory.mktemp("generated")
    DemoPlatform("shop", {"seed": 42}, PluginContext(FrozenClock(FIRST_USE), state)).state.close()
    return state


@pytest.fixture
def context(tmp_path: Path, clock: FrozenClock, generated: Path) -> PluginContext:
    """A plugin context whose state folder, in a fresh project folder, holds the shop."""
    state = tmp_path / ".shopctl"
    shutil.copytree(generated, state)
    return PluginContext(clock=clock, state_dir=state)


@pytest.fixture
def demo(context: PluginContext) -> Iterator[DemoPlatform]:
    """The demo shop with seed 42."""
    platform = DemoPlatform("shop", {"seed": 42}, context)
    yield platform
    platform.close()


def request(action: str, entity_type: str, entity_id: str, key: str, **args: Any) -> ActionRequest:
    """An action request as the executor makes it."""
    return ActionRequest(action, entity_type, entity_id, {}, args, key)


def records(platform: DemoPlatform, entity_type: str) -> dict[str, dict[str, Any]]:
    """Every record of a type by id."""
    return {r["id"]: dict(r) for r in platform.fetch(entity_type, None)}


def window(platform: DemoPlatform, entity_type: str, metric: str, days: int) -> dict[str, float]:
    """sum(metric, <days>d) per entity, over the local days ending today."""
    today = platform.context.clock.now().astimezone(platform.zone).date()
    first = today - timedelta(days=days - 1)
    sums: dict[str, float] = defaultdict(float)
    for row in platform.fetch_metrics(entity_type, first):
        sums[row["id"]] += row[metric] or 0
    return sums


def test_the_same_seed_gives_the_same_shop(tmp_path, clock) -> None:
    shops = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        platform = DemoPlatform("shop", {"seed": 7}, PluginContext(clock, tmp_path / folder))
        shops.append(records(platform, "customer"))
        platform.close()
    assert shops[0] == shops[1]
    other = DemoPlatform("shop", {"seed": 8}, PluginContext(clock, tmp_path / "a"))
    assert records(other, "customer") != shops[0]


def test_the_shop_has_every_canonical_type_with_chinese_and_english_names(demo) -> None:
    sizes = {t: len(records(demo, t)) for t in demo.provides}
    assert sizes["product"] == 120 and sizes["ad_group"] == 60 and sizes["customer"] == 400
    assert sizes["order"] > sizes["customer"] and sizes["review"] > 50
    names = [c["name"] for c in records(demo, "customer").values()]
    assert any("\u4e00" <= n[0] <= "\u9fff" for n in names)
    assert any(n.isascii() for n in names)
    order = next(iter(records(demo, "order").values()))
    assert order["customer_id"] in records(demo, "customer")
    assert order["created_at"].tzinfo is not None


def test_customers_totals_agree_with_their_orders(demo) -> None:
    orders: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for order in records(demo, "order").values():
        orders[order["customer_id"]].append(order)
    for customer in records(demo, "customer").values():
        own = orders[customer["id"]]
        assert customer["orders_count"] == len(own)
        assert customer["last_order_at"] == max(o["created_at"] for o in own)


def test_sixty_days_of_metrics_end_on_the_first_day_of_use(demo) -> None:
    rows = list(demo.fetch_metrics("ad_group", None))
    days = sorted({r["date"] for r in rows})
    assert len(days) == 60 and days[-1] == date(2026, 3, 2)
    assert {"impressions", "clicks", "spend", "revenue", "conversions"} <= set(rows[0])
    since = list(demo.fetch_metrics("product", date(2026, 3, 1)))
    assert {r["date"] for r in since} == {date(2026, 3, 1), date(2026, 3, 2)}


@pytest.mark.parametrize("days_later", [0, 21])
def test_every_playbook_condition_matches_some_but_not_most(demo, clock, days_later) -> None:
    clock.advance(timedelta(days=days_later))  # the shop lives on in between
    now = clock.now()

    def days_since(moment: datetime) -> float:
        return (now - moment).total_seconds() / 86400

    spend, revenue = window(demo, "ad_group", "spend", 7), window(demo, "ad_group", "revenue", 7)
    groups = records(demo, "ad_group").values()
    roi = {g["id"]: revenue[g["id"]] / spend[g["id"]] for g in groups if spend[g["id"]]}
    sold30, sold7 = (
        window(demo, "product", "units_sold", 30),
        window(demo, "product", "units_sold", 7),
    )
    products = records(demo, "product").values()
    customers = records(demo, "customer").values()
    conditions = {
        "pause-low-roi": [
            roi.get(g["id"], 9) < 2 and spend[g["id"]] >= 100 and g["status"] == "active"
            for g in groups
        ],
        "raise-bid": [roi.get(g["id"], 0) > 4 and g["status"] == "active" for g in groups],
        "slow-sellers": [sold30[p["id"]] < 3 and p["status"] == "active" for p in products],
        "low-stock": [p["stock"] < 10 and sold7[p["id"]] >= 1 for p in products],
        "win-back": [
            30 <= days_since(c["last_order_at"]) < 90 and c["accepts_marketing"] for c in customers
        ],
        "points-expiry": [
            c["points"] >= 100 and 0 < -days_since(c["points_expire_at"]) <= 3 for c in customers
        ],
        "tier-upgrade": [
            (c["tier"], c["total_spent"] >= 1000, c["total_spent"] >= 3000)
            in (("regular", True, False), ("regular", True, True), ("silver", True, True))
            for c in customers
        ],
        "unshipped": [
            o["status"] == "paid" and days_since(o["paid_at"]) >= 2
            for o in records(demo, "order").values()
        ],
        "bad-reviews": [
            r["rating"] <= 2 and r["replied_at"] is None and days_since(r["created_at"]) >= 1
            for r in records(demo, "review").values()
        ],
    }
    for name, matched in conditions.items():
        share = sum(matched) / len(matched)
        assert 0 < share < 0.5, (name, share)


def test_orders_keep_coming_and_customers_agree_with_them_weeks_later(demo, clock) -> None:
    before = records(demo, "order")
    clock.advance(timedelta(days=14))
    after = records(demo, "order")
    new = [o for i, o in after.items() if i not in before]
    assert len(new) > 50 and all(o["created_at"] <= clock.now() for o in new)
    assert all(o["created_at"] > clock.now() - timedelta(days=14) for o in new)
    test_customers_totals_agree_with_their_orders(demo)


def test_paid_orders_ship_and_are_delivered_as_time_passes(demo, clock) -> None:
    waiting = [o["id"] for o in records(demo, "order").values() if o["status"] == "paid"]
    assert waiting
    clock.advance(timedelta(days=10))
    later = records(demo, "order")
    assert all(later[i]["status"] == "delivered" for i in waiting)
    assert all(later[i]["shipped_at"] < later[i]["delivered_at"] <= clock.now() for i in waiting)


def test_a_day_lived_in_steps_or_at_once_brings_the_same_orders(tmp_path, generated) -> None:
    shops = []
    for name, steps in (("steps", [timedelta(hours=6)] * 12), ("once", [timedelta(days=3)])):
        shutil.copytree(generated, tmp_path / name)
        clock = FrozenClock(FIRST_USE)
        platform = DemoPlatform("shop", {"seed": 42}, PluginContext(clock, tmp_path / name))
        for step in steps:
            clock.advance(step)
            platform.fetch("customer", None)
        shops.append({i: o["created_at"] for i, o in records(platform, "order").items()})
        platform.close()
    assert shops[0] == shops[1]


def test_stock_sells_down_and_expired_points_are_cleared(demo, clock) -> None:
    products, customers = records(demo, "product"), records(demo, "customer")
    clock.advance(timedelta(days=7))
    later = {"product": records(demo, "product"), "customer": records(demo, "customer")}
    assert any(later["product"][i]["stock"] < p["stock"] for i, p in products.items())
    now = clock.now()
    lapsed = [i for i, c in customers.items() if (c["points_expire_at"] or now) < now]
    assert lapsed
    for customer in (later["customer"][i] for i in lapsed):
        if customer["points_expire_at"] is None:
            assert customer["points"] == 0
        else:  # ordered again: new points, a new expiry
            assert customer["points_expire_at"] > now


def test_a_paused_ad_group_stays_paused_and_only_it_is_fetched_as_changed(demo, context) -> None:
    generated = context.clock.now()
    active = next(g for g in records(demo, "ad_group").values() if g["status"] == "active")
    context.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    result = demo.perform(request("pause", "ad_group", active["id"], "k1"))
    assert result.before == {"status": "active"} and result.after == {"status": "paused"}
    demo.close()
    reopened = DemoPlatform("shop", {"seed": 42}, context)
    changed = list(reopened.fetch("ad_group", generated))
    assert [(g["id"], g["status"]) for g in changed] == [(active["id"], "paused")]
    assert changed[0]["updated_at"] == context.clock.now()


def test_changes_at_one_frozen_instant_are_each_seen_by_the_next_incremental_fetch(demo) -> None:
    demo.perform(request("set_bid", "ad_group", "AG001", "k1", bid=1.1))
    cursor = max(g["updated_at"] for g in demo.fetch("ad_group", None))
    demo.perform(request("set_bid", "ad_group", "AG002", "k2", bid=1.2))  # same instant
    assert [g["id"] for g in demo.fetch("ad_group", cursor)] == ["AG002"]


def test_a_paused_ad_group_spends_nothing_on_the_following_days(demo, context) -> None:
    active = next(g for g in records(demo, "ad_group").values() if g["status"] == "active")
    demo.perform(request("pause", "ad_group", active["id"], "k1"))
    context.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    rows = [r for r in demo.fetch_metrics("ad_group", date(2026, 3, 3)) if r["id"] == active["id"]]
    assert [(r["date"], r["spend"]) for r in rows] == [(date(2026, 3, 3), 0), (date(2026, 3, 4), 0)]


def test_a_key_takes_effect_once_and_can_be_looked_up(demo) -> None:
    group = next(iter(records(demo, "ad_group")))
    first = demo.perform(request("set_bid", "ad_group", group, "key-1", bid=1.5))
    demo.perform(request("set_bid", "ad_group", group, "key-2", bid=2.0))
    again = demo.perform(request("set_bid", "ad_group", group, "key-1", bid=1.5))
    assert records(demo, "ad_group")[group]["bid"] == 2.0  # key-1 did not apply twice
    assert again.after == first.after == {"bid": 1.5}
    assert again.detail.startswith("already done")
    found = demo.lookup(request("set_bid", "ad_group", group, "key-1", bid=1.5))
    assert found is not None and found.before == first.before
    assert demo.lookup(request("set_bid", "ad_group", group, "never", bid=1.5)) is None


def test_pausing_a_paused_group_changes_nothing(demo) -> None:
    paused = next(g for g in records(demo, "ad_group").values() if g["status"] == "paused")
    result = demo.perform(request("pause", "ad_group", paused["id"], "k"))
    assert result.before == result.after == {"status": "paused"}
    assert result.detail.startswith("unchanged")


def test_restore_puts_back_what_an_action_changed(demo) -> None:
    group = records(demo, "ad_group")["AG001"]
    result = demo.perform(request("set_budget", "ad_group", "AG001", "k", amount=999))
    assert records(demo, "ad_group")["AG001"]["daily_budget"] == 999
    undone = demo.restore(
        request("set_budget", "ad_group", "AG001", "k", amount=999), result.before
    )
    assert records(demo, "ad_group")["AG001"]["daily_budget"] == group["daily_budget"]
    assert undone.before == {"daily_budget": 999}


def test_a_dry_run_changes_nothing_and_records_no_key(demo) -> None:
    price = records(demo, "product")["P0001"]["price"]
    dry = ActionRequest("set_price", "product", "P0001", {}, {"price": 1.0}, "k", dry_run=True)
    assert demo.perform(dry).after == {"price": 1.0}
    assert records(demo, "product")["P0001"]["price"] == price
    assert demo.lookup(dry) is None


@pytest.mark.parametrize(
    ("action", "args", "message"),
    [
        ("set_bid", {"bid": 0}, "bid must be a number greater than 0"),
        ("set_bid", {"bid": "high"}, "bid must be a number greater than 0"),
        ("set_budget", {}, "amount must be a number greater than 0"),
    ],
)
def test_bad_arguments_fail_permanently(demo, action, args, message) -> None:
    with pytest.raises(PermanentError, match=message):
        demo.perform(request(action, "ad_group", "AG001", "k", **args))
    assert demo.lookup(request(action, "ad_group", "AG001", "k", **args)) is None


def test_an_unknown_entity_fails_permanently(demo) -> None:
    with pytest.raises(PermanentError, match="no ad_group 'AG999'"):
        demo.perform(request("pause", "ad_group", "AG999", "k"))


def test_refresh_title_swaps_weak_words_for_strong_long_tail_keywords(demo) -> None:
    product = records(demo, "product")["P0002"]
    category = category_of(product["category"])
    result = demo.perform(request("refresh_title", "product", "P0002", "k"))
    new = records(demo, "product")["P0002"]["title"]
    assert result.before == {"title": product["title"]} and result.after == {"title": new}
    volume = {k.text: k.volume for k in category.keywords}
    assert sum(volume.get(w, 0) for w in new.split()) > sum(
        volume.get(w, 0) for w in product["title"].split()
    )
    assert title_width(new) <= TITLE_LIMIT
    demo.restore(request("refresh_title", "product", "P0002", "k"), result.before)
    assert records(demo, "product")["P0002"]["title"] == product["title"]


def test_title_width_counts_cjk_twice() -> None:
    assert title_width("abc") == 3
    assert title_width("连衣裙 A") == 8


def test_refresh_title_is_deterministic_keeps_the_head_and_never_repeats_a_word() -> None:
    category = category_of("连衣裙")
    title = "新款 新款 女装 连衣裙 方领 时尚"
    new = refresh_title(title, category)
    assert new == refresh_title(title, category)
    words = new.split()
    assert "连衣裙" in words and len(words) == len(set(words))
    assert "长裙" in words  # the best keyword: highest volume for its competition
    assert "新款" not in words or "时尚" not in words  # the weakest words made room


def test_refresh_title_shortens_an_over_long_title_and_respects_the_limit() -> None:
    category = category_of("Phone Case")
    title = " ".join(["Phone", "Case", *[f"Filler{i}" for i in range(12)]])
    new = refresh_title(title, category, limit=40)
    assert title_width(new) <= 40
    assert new.split()[:2] == ["Phone", "Case"]


def test_refresh_title_leaves_a_title_of_the_best_keywords_alone() -> None:
    category = category_of("茶叶")
    best = sorted(category.keywords, key=lambda k: -k.score)[:3]
    title = " ".join([k.text for k in best] + ["茶叶"])
    assert refresh_title(title, category) == title


def test_a_coupon_code_comes_from_the_key_and_is_issued_once(demo) -> None:
    send = request("send_coupon", "customer", "C00001", "winback:C00001:2026-03", amount=20)
    first = demo.perform(send)
    again = demo.perform(send)
    assert first.reference == again.reference and first.reference.startswith("DEMO-")
    assert len(demo.coupons("C00001")) == 1
    later = demo.perform(
        request("send_coupon", "customer", "C00001", "winback:C00001:2026-05", amount=20)
    )
    assert later.reference != first.reference
    assert [c["code"] for c in demo.coupons("C00001")] == [first.reference, later.reference]


def test_a_coupon_expires(demo, context) -> None:
    demo.perform(
        request("send_coupon", "customer", "C00002", "k", amount=10, expires=timedelta(days=3))
    )
    assert demo.coupons("C00002")[0]["expired"] is False
    context.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    assert demo.coupons("C00002")[0]["expired"] is True


def test_an_interrupted_coupon_is_found_by_its_key_after_a_restart(tmp_path, context) -> None:
    send = request("send_coupon", "customer", "C00003", "k-crash", amount=15, via="sms")
    first = DemoPlatform("shop", {"seed": 42}, context)
    issued = first.perform(send)
    first.close()  # the process died before the ledger recorded `done`
    second = DemoPlatform("shop", {"seed": 42}, context)
    found = second.lookup(send)
    assert found is not None and found.reference == issued.reference
    assert second.coupons("C00003")[0]["via"] == "sms"


def test_reply_review_marks_it_replied(demo, context) -> None:
    review = next(r for r in records(demo, "review").values() if r["replied_at"] is None)
    demo.perform(request("reply_review", "review", review["id"], "k", text="亲，抱歉"))
    replied = records(demo, "review")[review["id"]]
    assert replied["replied_at"] == context.clock.now() and replied["reply"] == "亲，抱歉"
    with pytest.raises(PermanentError, match="empty"):
        demo.perform(request("reply_review", "review", review["id"], "k2", text=" "))


def test_the_demo_declares_its_actions_and_change_times() -> None:
    specs = {s.name: s for s in DemoPlatform.action_specs()}
    assert set(specs) == {
        "pause", "resume", "set_bid", "set_budget", "set_price",
        "refresh_title", "send_coupon", "reply_review",
    }  # fmt: skip
    assert specs["send_coupon"].customer_facing and specs["send_coupon"].honours_keys
    assert specs["pause"].reversible and specs["pause"].idempotent
    assert not specs["reply_review"].reversible
    # Answering a complaint is service, not marketing: consent and caps don't hold it.
    assert not specs["reply_review"].customer_facing
    assert DemoPlatform.can_lookup()


def test_every_record_carries_a_declared_change_time(demo) -> None:
    declared = {t.name: [f.name for f in t.fields] for t in demo.entity_types()}
    assert all("updated_at" in fields for fields in declared.values())
    assert set(declared) == set(demo.provides)


def test_the_clock_at_first_use_anchors_the_shop(tmp_path) -> None:
    later = FrozenClock(datetime(2026, 6, 1, tzinfo=UTC))
    platform = DemoPlatform("shop", {"seed": 42}, PluginContext(later, tmp_path))
    days = {r["date"] for r in platform.fetch_metrics("product", None)}
    assert max(days) == date(2026, 6, 1)
    newest = max(o["created_at"] for o in platform.fetch("order", None))
    assert newest <= later.now()


@settings(deadline=None, max_examples=200, derandomize=True)
@given(
    category=st.sampled_from(CATEGORIES),
    picks=st.lists(st.integers(min_value=0, max_value=40), max_size=12),
    limit=st.integers(min_value=30, max_value=80),
)
def test_refresh_title_never_breaks_the_limit_repeats_a_word_or_loses_traffic(
    category: Category, picks: list[int], limit: int
) -> None:
    vocabulary = [*category.fillers, *(k.text for k in category.keywords), "包邮", "Sale"]
    words = [vocabulary[i % len(vocabulary)] for i in picks]
    title = " ".join([*category.head, *words])
    new = refresh_title(title, category, limit=limit)
    assert title_width(new) <= max(limit, title_width(" ".join(category.head)))
    assert len(new.split()) == len(set(new.split()))
    assert all(h in new.split() for h in category.head)
    scores = {k.text: k.score for k in category.keywords}
    if title_width(title) <= limit and len(words) == len(set(words)):
        assert sum(scores.get(w, 0) for w in new.split()) >= sum(
            scores.get(w, 0) for w in title.split()
        )
