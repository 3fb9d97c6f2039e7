"""The `example` platform: syncs products and orders, and changes prices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from shopctl import (
    ActionRequest,
    ActionResult,
    Param,
    PermanentError,
    Platform,
    Record,
    Setting,
    Type,
    action,
)

from shopctl_example_platform.api import ShopApi

ENDPOINTS = {"product": "/products", "order": "/orders"}


class ExamplePlatform(Platform):
    """A shop reached through its HTTP API at `base_url`."""

    name = "example"
    version = "0.1.0"
    settings = (
        Setting("base_url", Type.TEXT, "The shop API, e.g. https://shop.example/api"),
        Setting("api_key", Type.TEXT, "API key; give it as ${EXAMPLE_API_KEY}", secret=True),
        Setting("timeout", Type.NUMBER, "Seconds to wait for the API", 10.0),
    )
    provides = ("product", "order")

    @cached_property
    def api(self) -> ShopApi:
        """The API client, made on first use."""
        return ShopApi(
            str(self.config["base_url"]),
            str(self.config["api_key"]),
            float(self.config.get("timeout", 10.0)),
        )

    def fetch(self, entity_type: str, since: datetime | None) -> Iterable[Record]:
        """Every product or order (this API has no change feed, so syncs are full)."""
        path = ENDPOINTS.get(entity_type)
        return self.api.get(path) if path else []

    @action(
        "product",
        # Shared action names (set_price, pause…) must declare exactly the parameters
        # the other platforms declare, help text included, or plugins conflict.
        params=(Param("price", Type.NUMBER, "New selling price, greater than 0"),),
        reversible=True,
        honours_keys=True,
        example="set_price(price * 0.9)",
    )
    def set_price(self, request: ActionRequest) -> ActionResult:
        """Change a product's selling price."""
        price = float(request.args["price"])
        if price <= 0:
            raise PermanentError(f"price must be positive, not {price}")
        return self._set_price(request, price, request.key)

    def restore(self, request: ActionRequest, before: Mapping[str, Any]) -> ActionResult:
        """Put the price back as it was before `set_price`."""
        return self._set_price(request, float(before["price"]), f"{request.key}:undo")

    def _set_price(self, request: ActionRequest, price: float, key: str) -> ActionResult:
        if request.dry_run:
            return ActionResult(detail=f"would set price to {price:.2f}")
        reply = self.api.post(f"/products/{request.entity_id}/price", {"price": price}, key)
        return ActionResult(
            before={"price": reply["old_price"]},
            after={"price": reply["price"]},
            reference=reply.get("change_id"),
            detail=f"price {reply['old_price']:.2f} -> {reply['price']:.2f}",
        )
