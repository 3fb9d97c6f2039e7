"""A small in-memory test platform, and projects on it over SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from shopctl import (
    ActionRequest,
    ActionResult,
    AmbiguousError,
    Channel,
    Delivery,
    Message,
    Param,
    Setting,
    Type,
    action,
)
from shopctl.clock import FrozenClock, as_utc
from shopctl.config import build_config
from shopctl.engine.sync import sync
from shopctl.hookspecs import hookimpl
from shopctl.platform import Platform, Record
from shopctl.plugins import load_plugins
from shopctl.project import Project
from shopctl.rules.compiled import CompiledRule
from shopctl.rules.model import Rule
from shopctl.rules.parser import parse_actions, parse_expression

NOW = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)


@dataclass
class Shop:
    """What a test shop holds, and what the platform was asked for."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # entity type -> raise after yielding this many records
    fail_after: dict[str, int] = field(default_factory=dict)
    asked: list[tuple[str, Any]] = field(default_factory=list)


class ShopPlatform(Platform):
    """Serves a `Shop`; filters by `updated_at` and date like an incremental API."""

    name = "testshop"
    provides = ("customer", "ad_group")
    settings = (
        Setting("shop", Type.TEXT, "Which in-memory Shop this account serves"),
        Setting("token", Type.TEXT, "An API token (only to prove it is never shown)", None),
    )
    shops: ClassVar[dict[str, Shop]] = {}

    @property
    def shop(self) -> Shop:
        """The shop this account's `shop` setting names."""
        return self.shops[self.config["shop"]]

    def fetch(self, entity_type: str, since: datetime | None) -> Iterator[Record]:
        """The records changed after `since`, in order."""
        self.shop.asked.append((entity_type, since))
        for n, record in enumerate(self.shop.records.get(entity_type, [])):
            if n == self.shop.fail_after.get(entity_type):
                raise ConnectionError("shop API timed out")
            changed = record.get("updated_at")
            if since is None or changed is None or _instant(changed) > since:
                yield record

    def fetch_metrics(self, entity_type: str, since: date | None) -> Iterator[Record]:
        """Daily rows from `since` on."""
        self.shop.asked.append((f"{entity_type} metrics", since))
        for row in self.shop.metrics.get(entity_type, []):
            if since is None or str(row["date"]) >= since.isoformat():
                yield row


def _instant(value: Any) -> datetime:
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(value))


class ShopPlugin:
    """The pluggy plugin declaring ShopPlatform."""

    @hookimpl
    def shopctl_platforms(self) -> list[type[Platform]]:
        """The test platform."""
        return [ShopPlatform]


_ids = itertools.count()


@pytest.fixture
def shop() -> Iterator[Shop]:
    """An empty shop the test fills."""
    key = f"shop{next(_ids)}"
    ShopPlatform.shops[key] = Shop()
    yield ShopPlatform.shops[key]
    del ShopPlatform.shops[key]


def make_project(store: str, tmp_path: Path, accounts: dict[str, Any]) -> Project:
    """A project on the test platform only (no entry-point plugins), clock at NOW."""
    config = build_config({"store": store, "accounts": accounts}, tmp_path / "shopctl.yaml")
    plugins = load_plugins(allowed=set(), extra={"testshop": ShopPlugin()})
    return Project(config, FrozenClock(NOW), plugins)


@pytest.fixture
def project(store_url: str, tmp_path: Path, shop: Shop) -> Iterator[Project]:
    """A project with one account, `shop`, on the test platform."""
    key = next(k for k, v in ShopPlatform.shops.items() if v is shop)
    project = make_project(store_url, tmp_path, {"shop": {"plugin": "testshop", "shop": key}})
    yield project
    project.close()


# --- The acting pipeline's fixtures: a counting platform, a memo channel, projects. ---
#
# `CountingPlatform` keeps a small shop in memory and logs every effect its actions
# have, so tests can count what reached the platform. Each action can be scripted to
# fail: `counting_shop.script[("boost", "ag1")] = [TransientError("503"), ...]` is
# consumed one item per call; the item "hang" blocks the call until the test ends, and
# an AmbiguousError in the script is raised AFTER the effect happened (the worst case:
# a platform that accepted the request but whose answer was lost).

# 2026-03-02 10:00 in Asia/Shanghai, the zone of the acting test projects.
ACTING_NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@dataclass
class CountingShop:
    """The counting platform's state: records by type and id, and every effect seen."""

    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    effects: list[tuple[str, str, str]] = field(default_factory=list)  # (action, id, key)
    script: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def add(self, entity_type: str, **record: Any) -> None:
        """Put a record in the shop."""
        self.records.setdefault(entity_type, {})[record["id"]] = record

    def count(self, action_name: str, entity_id: str | None = None) -> int:
        """How many effects of `action_name` (on `entity_id`) the shop saw."""
        return sum(1 for a, i, _ in self.effects if a == action_name and entity_id in (None, i))

    def change(self, request: ActionRequest, **values: Any) -> ActionResult:
        """Apply one scripted-or-real call of an action to a record."""
        planned = self.script.get((request.action, request.entity_id), [])
        failure = planned.pop(0) if planned else None
        if failure == "hang":
            self.release.wait(10)
        elif failure is not None and not isinstance(failure, AmbiguousError):
            raise failure
        record = self.records[request.entity_type][request.entity_id]
        before = {name: record.get(name) for name in values}
        record.update(values)
        self.effects.append((request.action, request.entity_id, request.key))
        if isinstance(failure, AmbiguousError):
            raise failure
        return ActionResult(before=before, after=values, reference=f"ref-{len(self.effects)}")


COUNTING_SHOPS: dict[str, CountingShop] = {}
OUTBOX: list[tuple[str, Message]] = []


class CountingPlatform(Platform):
    """A test platform that counts the effects of its actions."""

    name = "counting"
    settings = (
        Setting("shop", Type.TEXT, "Which in-memory test shop"),
        Setting("token", Type.TEXT, "An API token (for secrets tests)", None, secret=True),
    )
    provides = ("ad_group", "customer", "order")

    @property
    def shop(self) -> CountingShop:
        """This account's shop."""
        return COUNTING_SHOPS[self.config["shop"]]

    def fetch(self, entity_type: str, since: datetime | None) -> Iterator[Record]:
        """Every record of the type."""
        return iter([dict(r) for r in self.shop.records.get(entity_type, {}).values()])

    @action("ad_group", reversible=True, idempotent=True)
    def pause(self, request: ActionRequest) -> ActionResult:
        """Pause (naturally idempotent)."""
        return self.shop.change(request, status="paused")

    @action("ad_group", params=(Param("bid", Type.NUMBER),), reversible=True)
    def set_bid(self, request: ActionRequest) -> ActionResult:
        """Set the bid (reversible, neither idempotent nor key-aware)."""
        return self.shop.change(request, bid=request.args["bid"])

    @action("ad_group")
    def boost(self, request: ActionRequest) -> ActionResult:
        """Spend a boost credit: every call has an effect, and it cannot be looked up."""
        return self.shop.change(request, boosts=1)

    @action(
        "customer",
        params=(Param("amount", Type.NUMBER),),
        customer_facing=True,
        honours_keys=True,
    )
    def grant(self, request: ActionRequest) -> ActionResult:
        """Grant a coupon; a key already granted is not granted again."""
        if any(key == request.key for _, _, key in self.shop.effects):
            return ActionResult(reference=f"coupon-{request.key[-6:]}")
        return self.shop.change(request, coupon=request.args["amount"])

    def restore(self, request: ActionRequest, before: Any) -> ActionResult:
        """Put the recorded values back."""
        self.shop.records[request.entity_type][request.entity_id].update(before)
        self.shop.effects.append(("restore:" + request.action, request.entity_id, request.key))
        return ActionResult(after=dict(before))


class LookupPlatform(CountingPlatform):
    """The counting platform, able to look up whether a key already took effect."""

    name = "counting_lookup"

    def lookup(self, request: ActionRequest) -> ActionResult | None:
        """The effect of this key, if the shop saw it (scripted failures as `lookup`)."""
        planned = self.shop.script.get(("lookup", request.entity_id), [])
        if planned:
            raise planned.pop(0)
        seen = [e for e in self.shop.effects if e[2] == request.key]
        return ActionResult(reference="found") if seen else None


class MemoChannel(Channel):
    """A channel that keeps every message in OUTBOX; messages go to customers' email."""

    name = "memo"
    settings = (Setting("to", Type.TEXT, "The team's address", "team@example.com"),)
    address = "email"

    def recipients(self) -> tuple[str, ...]:
        """The team's address (the `to` setting's default applies)."""
        return (self.config.get("to", "team@example.com"),)

    def send(self, message: Message) -> Delivery:
        """Keep the message."""
        OUTBOX.append((self.channel, message))
        return Delivery(reference=f"memo-{len(OUTBOX)}")


class CountingPlugin:
    """The pluggy plugin declaring the counting platforms and the memo channel."""

    @hookimpl
    def shopctl_platforms(self) -> list[type[Platform]]:
        """The test platforms."""
        return [CountingPlatform, LookupPlatform]

    @hookimpl
    def shopctl_channels(self) -> list[type[Channel]]:
        """The test channel."""
        return [MemoChannel]


@pytest.fixture
def counting_shop() -> Iterator[CountingShop]:
    """A fresh counting shop: three active ad groups, two customers (one consents)."""
    COUNTING_SHOPS.clear()
    OUTBOX.clear()
    shop = COUNTING_SHOPS["main"] = CountingShop()
    for i, bid in enumerate((1.0, 2.0, 3.0), start=1):
        shop.add("ad_group", id=f"ag{i}", name=f"group {i}", status="active", bid=bid)
    shop.add("customer", id="c1", name="李雷", email="li@example.com", accepts_marketing=True)
    shop.add("customer", id="c2", name="Han", email="han@example.com", accepts_marketing=False)
    yield shop
    shop.release.set()


@pytest.fixture
def outbox(counting_shop: CountingShop) -> list[tuple[str, Message]]:
    """Every (channel, message) the memo channel sent during the test."""
    return OUTBOX


@pytest.fixture
def clock() -> FrozenClock:
    """Frozen at 10:00 on 2026-03-02 in Asia/Shanghai."""
    return FrozenClock(ACTING_NOW)


@pytest.fixture
def acting_store(store_url: str) -> str:
    """The store the acting tests run on: both databases unless a module narrows it."""
    return store_url


@pytest.fixture
def acting_project(
    acting_store: str, tmp_path: Path, clock: FrozenClock, counting_shop: CountingShop
) -> Iterator[Callable[..., Project]]:
    """Build (and sync) a project with the counting platform as account `shop`."""
    opened: list[Project] = []

    def factory(plugin: str = "counting", **overrides: Any) -> Project:
        data: dict[str, Any] = {
            "store": acting_store,
            "timezone": "Asia/Shanghai",
            "accounts": {"shop": {"plugin": plugin, "shop": "main"}},
            "channels": {"ops": {"plugin": "memo"}, "mail": {"plugin": "memo"}},
            "alerts": "ops",
        }
        data.update(overrides)
        config = build_config(data, tmp_path / "shopctl.yaml")
        plugins = load_plugins(allowed=set(), extra={"counting": CountingPlugin()})
        project = Project(config, clock, plugins)
        opened.append(project)
        sync(project)
        return project

    yield factory
    for project in opened:
        project.close()


@pytest.fixture
def compile_rule() -> Callable[..., CompiledRule]:
    """Compile a rule `test` from its condition and actions as written (and guards)."""
    from shopctl.rules.compiler import check_and_compile

    def compile_it(
        project: Project, when: str, do: str, on: str = "ad_group", **guards: Any
    ) -> CompiledRule:
        rule = Rule(
            name=guards.pop("name", "test"),
            on=on,
            when=parse_expression(when),
            do=parse_actions(do),
            when_text=when,
            **guards,
        )
        return check_and_compile(rule, project.registry, set(project.config.channels))

    return compile_it
