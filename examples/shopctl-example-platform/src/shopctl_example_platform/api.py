"""A tiny client for the shop's HTTP API, built on the standard library only."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from shopctl import AmbiguousError, PermanentError, TransientError


class ShopApi:
    """GET /products, GET /orders, POST /products/{id}/price, with an API key."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout

    def get(self, path: str) -> Any:
        """GET a JSON document."""
        return self._call("GET", path, None, None)

    def post(self, path: str, body: dict[str, Any], key: str | None = None) -> Any:
        """POST a JSON body; `key` is sent as Idempotency-Key so a retry acts once."""
        return self._call("POST", path, body, key)

    def _call(self, method: str, path: str, body: dict[str, Any] | None, key: str | None) -> Any:
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(self.base_url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return json.load(reply)
        except urllib.error.HTTPError as exc:
            # Never put the API key in an error: name the call and the status only.
            error = TransientError if exc.code == 429 or exc.code >= 500 else PermanentError
            raise error(f"example shop: {method} {path}: HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise TransientError(f"example shop: cannot connect: {exc.reason}") from None
        except TimeoutError:
            raise AmbiguousError(f"example shop: {method} {path}: no reply in time") from None
