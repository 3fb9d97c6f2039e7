"""The example platform's own behaviour beyond the contract: auth, errors, keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from shopctl import ActionRequest, FrozenClock, PermanentError, PluginContext, TransientError
from shopctl.testing.http import LocalHttpServer

from shopctl_example_platform.platform import ExamplePlatform

from .fake_shop import API_KEY, FakeShop


def platform(tmp_path: Path, url: str, api_key: str = API_KEY) -> ExamplePlatform:
    """The platform pointed at `url`."""
    context = PluginContext(FrozenClock(datetime(2026, 3, 29, tzinfo=UTC)), tmp_path)
    return ExamplePlatform("shop", {"base_url": url, "api_key": api_key}, context)


def price_request(price: float, key: str = "rule:p1:set_price:2026-03-29") -> ActionRequest:
    """A set_price request for product p1."""
    return ActionRequest("set_price", "product", "p1", {}, {"price": price}, key)


def test_products_carry_the_extra_sku_field(tmp_path, shop_server: LocalHttpServer) -> None:
    products = list(platform(tmp_path, shop_server.url).fetch("product", None))
    assert {p["sku"] for p in products} == {"CUP-500", "BAG-01"}


def test_set_price_changes_the_shop_and_records_the_old_price(
    tmp_path, shop: FakeShop, shop_server: LocalHttpServer
) -> None:
    result = platform(tmp_path, shop_server.url).perform(price_request(49.0))
    assert shop.products["p1"]["price"] == 49.0
    assert result.before == {"price": 59.0}
    assert shop_server.requests[-1].headers["Idempotency-Key"] == "rule:p1:set_price:2026-03-29"


def test_a_retry_with_the_same_key_acts_once(tmp_path, shop: FakeShop, shop_server) -> None:
    example = platform(tmp_path, shop_server.url)
    first = example.perform(price_request(49.0))
    again = example.perform(price_request(49.0))
    assert again.reference == first.reference
    assert len(shop.changes) == 1


def test_a_wrong_api_key_is_permanent_and_not_echoed(tmp_path, shop_server) -> None:
    with pytest.raises(PermanentError, match="HTTP 401") as failure:
        list(platform(tmp_path, shop_server.url, api_key="wrong-key-999").fetch("product", None))
    assert "wrong-key-999" not in str(failure.value)


def test_an_unreachable_shop_is_transient(tmp_path) -> None:
    with pytest.raises(TransientError):
        list(platform(tmp_path, "http://127.0.0.1:9").fetch("product", None))


def test_a_non_positive_price_is_refused(tmp_path, shop_server) -> None:
    with pytest.raises(PermanentError, match="positive"):
        platform(tmp_path, shop_server.url).perform(price_request(0))
