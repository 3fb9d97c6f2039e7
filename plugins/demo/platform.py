"""The `demo` platform: a simulated shop whose actions change its state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from shopctl import (
    ActionRequest,
    ActionResult,
    EntityType,
    Field,
    Param,
    PermanentError,
    Platform,
    Record,
    Setting,
    Type,
    action,
)
from shopctl_plugins.demo.coupons import coupon_code
from shopctl_plugins.demo.generate import (
    HISTORY_DAYS,
    category_of,
    daily_metrics,
    generate,
    history_days,
)
from shopctl_plugins.demo.life import live_until
from shopctl_plugins.demo.state import DemoState
from shopctl_plugins.demo.titles import refresh_title
from shopctl_plugins.shared_actions import (
    BID,
    BUDGET,
    PRICE,
    recorded_result,
    undo_field,
)

PROVIDES = ("product", "customer", "order", "ad_group", "review")
WITH_METRICS = ("product", "ad_group")


class DemoPlatform(Platform):
    """A simulated shop generated from `seed` on first use and kept under the state folder.

    Every action remembers its idempotency key: performing the same key twice has the
    effect of performing it once, and `lookup` finds it after a crash.
    """

    name = "demo"
    version = "1"
    settings = (
        Setting("seed", Type.INTEGER, "Seed of the generated shop: same seed, same shop", 42),
        Setting("scale", Type.NUMBER, "Size multiplier (1 = 120 products, 400 customers)", 1.0),
        Setting(
            "timezone", Type.TEXT, "The shop's own time zone for daily metrics", "Asia/Shanghai"
        ),
    )
    provides = PROVIDES

    @property
    def seed(self) -> int:
        """The configured seed."""
        return int(self.config.get("seed", 42))

    @cached_property
    def zone(self) -> ZoneInfo:
        """The zone whose days the daily metrics count."""
        return ZoneInfo(str(self.config.get("timezone", "Asia/Shanghai")))

    @cached_property
    def state(self) -> DemoState:
        """The shop's file, generated relative to the clock the first time it is opened."""
        path = self.context.state_dir / f"demo-{self.account}-{self.seed}.sqlite3"
        state = DemoState(path)
        with state.transaction():
            if state.meta("generated_at") is None:
                self._generate(state)
        return state

    def _generate(self, state: DemoState) -> None:
        now = self.context.clock.now()
        shop = generate(self.seed, now, float(self.config.get("scale", 1.0)))
        state.add_generated(shop.records, shop.profiles, now)
        state.set_meta("next_order", str(len(shop.records["order"]) + 1))
        state.set_meta("next_review", str(len(shop.records["review"]) + 1))
        today = now.astimezone(self.zone).date()
        for entity_type in WITH_METRICS:
            for row, profile in state.profiles(entity_type):
                # Ad groups generated as paused stopped spending `paused_days` ago.
                stopped = today - timedelta(days=profile.get("paused_days", 0))
                state.add_metrics(
                    entity_type,
                    [
                        (row["id"], day, self._day(entity_type, row, profile, day, day <= stopped))
                        for day in history_days(today)
                    ],
                )
        state.set_meta("generated_at", now.isoformat())
        state.set_meta("metrics_through", today.isoformat())

    def _day(self, entity_type: str, row: Any, profile: Any, day: date, active: bool) -> Any:
        return daily_metrics(self.seed, entity_type, row, profile, day, active)

    def _catch_up(self) -> None:
        """Simulate what happened since the last look: metrics, then the shop's life."""
        now = self.context.clock.now()
        with self.state.transaction():
            self._extend_metrics(now.astimezone(self.zone).date())
            live_until(self.state, self.seed, self.zone, now)

    def _extend_metrics(self, today: date) -> None:
        """Daily metrics up to today; paused entities earn and spend nothing."""
        through = date.fromisoformat(self.state.meta("metrics_through") or today.isoformat())
        if through < today:
            days = [through + timedelta(days=n) for n in range(1, (today - through).days + 1)]
            for entity_type in WITH_METRICS:
                self.state.add_metrics(
                    entity_type,
                    [
                        (row["id"], day, self._day(entity_type, row, profile, day, active))
                        for row, profile in self.state.profiles(entity_type)
                        for active in [row.get("status") == "active"]
                        for day in days[-HISTORY_DAYS:]
                    ],
                )
            self.state.set_meta("metrics_through", today.isoformat())

    def entity_types(self) -> Sequence[EntityType]:
        """Every demo record carries `updated_at`, so syncs can be incremental."""
        stamp = Field("updated_at", Type.TIMESTAMP, "When the shop last changed the record")
        reply = Field("reply", Type.TEXT, "The shop's reply (null if not yet)")
        return [EntityType(n, (stamp, reply) if n == "review" else (stamp,)) for n in PROVIDES]

    def fetch(self, entity_type: str, since: datetime | None) -> Iterable[Record]:
        """The records of `entity_type` changed after `since` (all when None)."""
        if entity_type not in PROVIDES:
            return []
        self._catch_up()
        return self.state.entities(entity_type, since)

    def fetch_metrics(self, entity_type: str, since: date | None) -> Iterable[Record]:
        """Daily metrics from `since` on, the days up to today simulated first."""
        if entity_type not in WITH_METRICS:
            return []
        self._catch_up()
        return self.state.metrics(entity_type, since)

    def perform(self, request: ActionRequest) -> ActionResult:
        """Run an action once per idempotency key: a repeated key returns the first result."""
        with self.state.transaction():
            done = self.state.effect(request.key)
            if done is not None:
                return recorded_result(
                    {**done, "detail": f"already done: {done.get('detail', '')}"}
                )
            result = super().perform(request)
            if not request.dry_run:
                self.state.add_effect(
                    request.key,
                    request.action,
                    (request.entity_type, request.entity_id),
                    _as_row(result),
                    self.context.clock.now(),
                )
        return result

    def lookup(self, request: ActionRequest) -> ActionResult | None:
        """The result of the action done under `request.key`, or None if it never happened."""
        done = self.state.effect(request.key)
        return recorded_result(done) if done is not None else None

    def restore(self, request: ActionRequest, before: Mapping[str, Any]) -> ActionResult:
        """Write back the field the action changed, as it was before."""
        changed = undo_field("demo", request, before)
        with self.state.transaction():
            return self._change(request, {changed: before[changed]})

    def coupons(self, customer_id: str) -> list[dict[str, Any]]:
        """The coupons issued to a customer, each with `expired` as of now."""
        now = self.context.clock.now()
        return [{**c, "expired": c["expires_at"] <= now} for c in self.state.coupons(customer_id)]

    def close(self) -> None:
        """Close the shop's file."""
        if "state" in self.__dict__:
            self.state.close()

    def _entity(self, request: ActionRequest) -> dict[str, Any]:
        row = self.state.entity(request.entity_type, request.entity_id)
        if row is None:
            raise PermanentError(f"demo has no {request.entity_type} {request.entity_id!r}")
        return row

    def _change(
        self, request: ActionRequest, changes: dict[str, Any], detail: str = ""
    ) -> ActionResult:
        """Set fields of the request's entity (unless a dry run); before/after for undo."""
        row = self._entity(request)
        before = {k: row.get(k) for k in changes}
        if not request.dry_run and before != changes:
            self.state.update(
                request.entity_type, request.entity_id, changes, self.context.clock.now()
            )
        return ActionResult(
            before=before, after=dict(changes), detail=detail or _describe(before, changes)
        )

    @action("ad_group", reversible=True, idempotent=True, honours_keys=True, example="pause")
    def pause(self, request: ActionRequest) -> ActionResult:
        """Stop the ad group from spending; pausing a paused group changes nothing."""
        return self._change(request, {"status": "paused"})

    @action("ad_group", reversible=True, idempotent=True, honours_keys=True, example="resume")
    def resume(self, request: ActionRequest) -> ActionResult:
        """Let a paused ad group spend again."""
        return self._change(request, {"status": "active"})

    @action(
        "ad_group",
        params=(BID,),
        reversible=True,
        idempotent=True,
        honours_keys=True,
        example="set_bid(min(bid * 1.1, 5))",
    )
    def set_bid(self, request: ActionRequest) -> ActionResult:
        """Set the ad group's bid per click."""
        return self._change(request, {"bid": _positive(request, "bid")})

    @action(
        "ad_group",
        params=(BUDGET,),
        reversible=True,
        idempotent=True,
        honours_keys=True,
        example="set_budget(daily_budget * 0.8)",
    )
    def set_budget(self, request: ActionRequest) -> ActionResult:
        """Set the ad group's daily budget."""
        return self._change(request, {"daily_budget": _positive(request, "amount")})

    @action(
        "product",
        params=(PRICE,),
        reversible=True,
        idempotent=True,
        honours_keys=True,
        example="set_price(price * 0.9)",
    )
    def set_price(self, request: ActionRequest) -> ActionResult:
        """Set the product's selling price."""
        return self._change(request, {"price": _positive(request, "price")})

    @action("product", reversible=True, honours_keys=True, example="refresh_title")
    def refresh_title(self, request: ActionRequest) -> ActionResult:
        """Rewrite the title: its lowest-traffic words give way to strong long-tail keywords."""
        row = self._entity(request)
        new = refresh_title(row["title"], category_of(row["category"]))
        return self._change(request, {"title": new})

    @action(
        "customer",
        params=(
            Param("amount", Type.NUMBER, "Coupon value, greater than 0"),
            Param("expires", Type.DURATION, "How long the coupon stays valid", timedelta(days=7)),
            Param("via", Type.CHANNEL, "The channel that tells the customer (optional)", None),
        ),
        customer_facing=True,
        honours_keys=True,
        example="send_coupon(amount=20, expires=7d, via=sms)",
    )
    def send_coupon(self, request: ActionRequest) -> ActionResult:
        """Issue a coupon; the code comes from the idempotency key, so a key issues once."""
        self._entity(request)
        amount = _positive(request, "amount")
        expires = request.args.get("expires") or timedelta(days=7)
        if not isinstance(expires, timedelta) or expires <= timedelta(0):
            raise PermanentError(
                f"send_coupon: expires must be a positive duration, not {expires!r}"
            )
        now = self.context.clock.now()
        code = coupon_code(f"demo:{self.account}:{self.seed}", request.key)
        coupon = {
            "code": code,
            "key": request.key,
            "customer_id": request.entity_id,
            "amount": amount,
            "issued_at": now,
            "expires_at": now + expires,
            "via": request.args.get("via"),
        }
        if not request.dry_run:
            self.state.add_coupon(coupon)
        return ActionResult(
            after={"coupon": code, "amount": amount, "expires_at": coupon["expires_at"]},
            reference=code,
            detail=f"coupon {code} ({amount:g}) valid until {coupon['expires_at']:%Y-%m-%d %H:%M}Z",
        )

    @action(
        "review",
        params=(Param("text", Type.TEMPLATE, "The reply shown under the review"),),
        # A public service reply on the platform, not a marketing contact: consent and
        # frequency caps must not hold back the answer to a complaint.
        customer_facing=False,
        honours_keys=True,
        example='reply_review("亲，非常抱歉给您带来不好的体验，客服会尽快联系您")',
    )
    def reply_review(self, request: ActionRequest) -> ActionResult:
        """Reply publicly to a review and mark it replied."""
        text = str(request.args.get("text") or "").strip()
        if not text:
            raise PermanentError("reply_review: the reply text is empty")
        now = self.context.clock.now()
        return self._change(request, {"replied_at": now, "reply": text}, detail=f"replied: {text}")


def _positive(request: ActionRequest, name: str) -> float:
    value = request.args.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PermanentError(
            f"{request.action}: {name} must be a number greater than 0, not {value!r}"
        )
    return round(float(value), 2)


def _describe(before: dict[str, Any], after: dict[str, Any]) -> str:
    if before == after:
        return "unchanged: " + ", ".join(f"{k}={v}" for k, v in after.items())
    return ", ".join(f"{k}: {before.get(k)} → {v}" for k, v in after.items())


def _as_row(result: ActionResult) -> dict[str, Any]:
    return {
        "before": dict(result.before) if result.before is not None else None,
        "after": dict(result.after) if result.after is not None else None,
        "reference": result.reference,
        "detail": result.detail,
    }
