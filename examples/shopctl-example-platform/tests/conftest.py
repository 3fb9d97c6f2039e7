"""The fake shop's API, served for real on 127.0.0.1 during the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shopctl.testing.http import LocalHttpServer

from .fake_shop import FakeShop


@pytest.fixture
def shop() -> FakeShop:
    """The fake shop's state."""
    return FakeShop()


@pytest.fixture
def shop_server(shop: FakeShop) -> Iterator[LocalHttpServer]:
    """The fake shop's API on a free local port."""
    server = LocalHttpServer(shop).start()
    yield server
    server.stop()
