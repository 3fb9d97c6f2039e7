"""A fake of the shop's HTTP API: its state and its answers."""

from __future__ import annotations

import re
from typing import Any

from shopctl.testing.http import Recorded, Reply

API_KEY = "ex-key-0123456789"
PRICE_PATH = re.compile(r"^/products/([^/]+)/price$")


class FakeShop:
    """The shop's state and its API: products, orders, price changes by idempotency key."""

    def __init__(self) -> None:
        self.products: dict[str, dict[str, Any]] = {
            "p1": {"id": "p1", "title": "保温杯 500ml", "price": 59.0, "stock": 12,
                   "status": "active", "sku": "CUP-500"},
            "p2": {"id": "p2", "title": "帆布袋", "price": 29.9, "stock": 0,
                   "status": "active", "sku": "BAG-01"},
        }  # fmt: skip
        self.orders = [
            {"id": "o1", "customer_id": "c1", "status": "paid", "total": 88.9,
             "created_at": "2026-03-28T09:30:00+08:00"},
        ]  # fmt: skip
        self.changes: dict[str, dict[str, Any]] = {}  # idempotency key -> reply

    def __call__(self, request: Recorded) -> Reply:
        """Answer one API request."""
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return Reply(401, {"error": "bad api key"})
        if request.method == "GET" and request.path == "/products":
            return Reply(200, list(self.products.values()))
        if request.method == "GET" and request.path == "/orders":
            return Reply(200, self.orders)
        match = PRICE_PATH.match(request.path)
        if request.method == "POST" and match:
            return self._set_price(match.group(1), request)
        return Reply(404, {"error": "not found"})

    def _set_price(self, product_id: str, request: Recorded) -> Reply:
        key = request.headers.get("Idempotency-Key", "")
        if key in self.changes:
            return Reply(200, self.changes[key])
        product = self.products.get(product_id)
        if product is None:
            return Reply(404, {"error": "no such product"})
        reply = {"old_price": product["price"], "price": request.json()["price"],
                 "change_id": f"chg-{len(self.changes) + 1}"}  # fmt: skip
        product["price"] = reply["price"]
        self.changes[key] = reply
        return Reply(200, reply)
