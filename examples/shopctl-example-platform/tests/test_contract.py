"""The shopctl contract suite, run against this plugin: one class is all it takes."""

from __future__ import annotations

from typing import Any

import pytest
from shopctl.testing.contract import PlatformContract
from shopctl.testing.http import LocalHttpServer

from shopctl_example_platform.platform import ExamplePlatform

from .fake_shop import API_KEY


class TestExamplePlatform(PlatformContract):
    platform_class = ExamplePlatform

    @pytest.fixture
    def platform_settings(self, shop_server: LocalHttpServer) -> dict[str, Any]:
        """Point the platform at the fake shop."""
        return {"base_url": shop_server.url, "api_key": API_KEY}
