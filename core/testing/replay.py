"""Replaying recorded HTTP responses: a local server answering from a cassette file.

A cassette is a JSON or YAML list of interactions, in the order they were recorded:

    - request: {method: GET, path: /products, query: {page: "1"}}
      response: {status: 200, json: [{"id": "p1", "title": "保温杯"}]}

A request takes the first unused interaction with the same method and path (and the
same query and JSON body, where the cassette gives them); a request nothing matches
gets HTTP 599 and fails the test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from shopctl.testing.http import LocalHttpServer, Recorded, Reply


class Cassette:
    """The recorded interactions of one file, each answered once."""

    def __init__(self, path: Path):
        self.path = path
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        self.interactions: list[Mapping[str, Any]] = list(data or [])
        self.used: set[int] = set()
        self.unmatched: list[str] = []

    def __call__(self, request: Recorded) -> Reply:
        """The recorded response for `request`, or 599 naming what was not found."""
        for index, interaction in enumerate(self.interactions):
            if index not in self.used and _matches(interaction.get("request") or {}, request):
                self.used.add(index)
                return _reply(interaction.get("response") or {})
        where = f"{request.method} {request.path}"
        if request.query:
            where += "?" + "&".join(f"{k}={v}" for k, v in sorted(request.query.items()))
        self.unmatched.append(where)
        return Reply(599, f"no recorded response for {where} in {self.path.name}")


def _matches(recorded: Mapping[str, Any], request: Recorded) -> bool:
    if str(recorded.get("method", "GET")).upper() != request.method:
        return False
    if recorded.get("path") != request.path:
        return False
    query = recorded.get("query")
    if query is not None and {k: str(v) for k, v in query.items()} != request.query:
        return False
    return "json" not in recorded or recorded["json"] == request.json()


def _reply(response: Mapping[str, Any]) -> Reply:
    body = response["json"] if "json" in response else str(response.get("body", "")).encode()
    return Reply(int(response.get("status", 200)), body, dict(response.get("headers") or {}))


class ReplayServer(LocalHttpServer):
    """A local server answering from a cassette; `url` is the base URL to point at."""

    def __init__(self, cassette: Path):
        self.cassette = Cassette(cassette)
        super().__init__(self.cassette)

    def problems(self) -> list[str]:
        """Requests the cassette had no answer for."""
        return [
            f"no recorded response for {u} in {self.cassette.path}" for u in self.cassette.unmatched
        ]
