"""The built-in plugins pass the same contract suites a third-party plugin runs."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, ClassVar

import pytest

from shopctl.testing.contract import ChannelContract, PlatformContract
from shopctl.testing.http import LocalHttpServer, Reply, Script
from shopctl_plugins.console.channel import ConsoleChannel
from shopctl_plugins.csv.platform import CsvPlatform
from shopctl_plugins.demo.platform import DemoPlatform
from shopctl_plugins.email.channel import EmailChannel
from shopctl_plugins.webhook.channel import WebhookChannel


def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestDemoPlatform(PlatformContract):
    platform_class = DemoPlatform
    settings: ClassVar[dict[str, Any]] = {"seed": 7, "scale": 0.1}


class TestCsvPlatform(PlatformContract):
    platform_class = CsvPlatform

    @pytest.fixture
    def platform_settings(self, tmp_path: Path) -> dict[str, Any]:
        """A folder of clean exports; actions write bulk-edit files next to them."""
        folder = tmp_path / "exports"
        folder.mkdir()
        (folder / "ad_group.csv").write_text(
            "id,campaign,name,status,bid,daily_budget\n"
            "AG1,日常推广,连衣裙-碎花,active,1.2,100\n"
            "AG2,日常推广,耳机-降噪,paused,0.8,50\n",
            encoding="utf-8",
        )
        (folder / "ad_group_daily.csv").write_text(
            "id,date,impressions,clicks,spend,revenue,conversions\n"
            "AG1,2026-03-28,1000,30,36.5,120,2\n",
            encoding="utf-8",
        )
        (folder / "customer.csv").write_text(
            "id,name,email,accepts_marketing,last_order_at\n"
            "C1,王小明,wang@example.cn,true,2026-02-01T10:00:00+08:00\n",
            encoding="utf-8",
        )
        return {"path": str(folder)}


class TestConsoleChannel(ChannelContract):
    channel_class = ConsoleChannel

    @pytest.fixture
    def channel_settings(self, tmp_path: Path) -> dict[str, Any]:
        """Lines go to a file."""
        return {"file": str(tmp_path / "messages.log")}

    @pytest.fixture
    def rejecting_settings(self, tmp_path: Path) -> dict[str, Any]:
        """A file in a folder that does not exist."""
        return {"file": str(tmp_path / "missing" / "messages.log")}


class TestEmailChannel(ChannelContract):
    channel_class = EmailChannel
    recipients: ClassVar[tuple[str, ...]] = ("ops@shop.example",)

    @pytest.fixture
    def channel_settings(self, smtp_server: Any, smtp_certificate: Any) -> dict[str, Any]:
        """A STARTTLS server with a login."""
        server = smtp_server(tls="starttls", users={"ops": "pw-123"})
        return {
            "host": "127.0.0.1",
            "port": server.port,
            "username": "ops",
            "password": "pw-123",
            "sender": "shop@shop.example",
            "ca_file": str(smtp_certificate[0]),
        }

    @pytest.fixture
    def unreachable_settings(self) -> dict[str, Any]:
        """Nobody listens."""
        return {"host": "127.0.0.1", "port": closed_port(), "sender": "s@x.example", "timeout": 2}

    @pytest.fixture
    def rejecting_settings(self, channel_settings: dict[str, Any]) -> dict[str, Any]:
        """The wrong password."""
        return {**channel_settings, "password": "not-the-password"}


class TestWebhookChannel(ChannelContract):
    channel_class = WebhookChannel
    recipients: ClassVar[tuple[str, ...]] = ("13800138000",)

    @pytest.fixture
    def server(self) -> Any:
        """A local gateway that accepts everything except /reject."""
        server = LocalHttpServer(
            lambda r: Reply(403, "forbidden") if r.path == "/reject" else Script()(r)
        ).start()
        yield server
        server.stop()

    @pytest.fixture
    def channel_settings(self, server: LocalHttpServer) -> dict[str, Any]:
        """Signed JSON to the gateway."""
        return {"url": server.url + "/send", "secret": "hmac-secret", "token": "tok-123456"}

    @pytest.fixture
    def unreachable_settings(self) -> dict[str, Any]:
        """Nobody listens."""
        return {"url": f"http://127.0.0.1:{closed_port()}/send"}

    @pytest.fixture
    def rejecting_settings(self, server: LocalHttpServer) -> dict[str, Any]:
        """The gateway answers 403."""
        return {"url": server.url + "/reject", "token": "tok-123456"}
