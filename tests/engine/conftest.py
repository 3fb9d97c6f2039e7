"""A small in-memory test platform, and projects on it over SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from shopctl.clock import FrozenClock, as_utc
from shopctl.config import build_config
from shopctl.hookspecs import hookimpl
from shopctl.platform import Platform, Record
from shopctl.plugins import load_plugins
from shopctl.project import Project

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
