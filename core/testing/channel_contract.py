"""The contract every channel plugin runs against itself: `ChannelContract`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from shopctl.channel import Channel, Delivery, Message
from shopctl.clock import FrozenClock
from shopctl.errors import PermanentError, TransientError
from shopctl.platform import PluginContext
from shopctl.testing.platform_contract import CONTRACT_TIME

SECRET_WORDS = ("password", "secret", "token", "api_key")
CONTRACT_MESSAGE = Message(
    recipients=(),
    subject="契约测试",
    text="您好！这是一条契约测试消息 ✓ 积分将于3天后过期",
    html="<p>您好！这是一条<b>契约测试</b>消息</p>",
    key="contract:channel:0001",
)


class ChannelContract:
    """Subclass as `TestMyChannel(ChannelContract)` and set `channel_class`.

    Override `channel_settings` to point the channel at your test server, and
    `unreachable_settings` / `rejecting_settings` to check how failures are reported.
    """

    channel_class: ClassVar[type[Channel]]
    settings: ClassVar[Mapping[str, Any]] = {}
    # Where the contract message goes; empty sends to the channel's own recipients.
    recipients: ClassVar[tuple[str, ...]] = ()

    def message(self) -> Message:
        """The message the contract sends: Chinese text and HTML, to `recipients`."""
        return replace(CONTRACT_MESSAGE, recipients=self.recipients)

    @pytest.fixture
    def channel_settings(self) -> dict[str, Any]:
        """Settings under which send() succeeds; override to point at your test server."""
        return dict(self.settings)

    @pytest.fixture
    def unreachable_settings(self) -> dict[str, Any]:
        """Settings under which the provider cannot be reached (a transient failure)."""
        pytest.skip("override the unreachable_settings fixture to check transient failures")

    @pytest.fixture
    def rejecting_settings(self) -> dict[str, Any]:
        """Settings under which the provider refuses the message for good."""
        pytest.skip("override the rejecting_settings fixture to check permanent failures")

    @pytest.fixture
    def make_channel(self, tmp_path: Path) -> Iterator[Any]:
        """Create channels of the class under test; all are closed afterwards."""
        made: list[Channel] = []

        def make(settings: Mapping[str, Any]) -> Channel:
            context = PluginContext(FrozenClock(CONTRACT_TIME), tmp_path)
            made.append(self.channel_class("contract", settings, context))
            return made[-1]

        yield make
        for channel in made:
            channel.close()

    def test_settings_are_declared(self, channel_settings: dict[str, Any]) -> None:
        """Every setting used is declared; required ones are given; secrets are marked."""
        cls = self.channel_class
        assert cls.name and cls.name.isidentifier(), "set `name` to an identifier"
        declared = {s.name: s for s in cls.settings}
        assert not set(channel_settings) - set(declared), "settings used but not declared"
        for setting in cls.settings:
            if setting.required:
                assert setting.name in channel_settings, f"required setting {setting.name} missing"
            if any(word in setting.name for word in SECRET_WORDS):
                assert setting.secret, f"setting {setting.name} looks secret: declare secret=True"

    def test_sends_a_utf8_message(
        self, make_channel: Any, channel_settings: dict[str, Any]
    ) -> None:
        """A message in Chinese with text and HTML goes out and a Delivery comes back."""
        delivery = make_channel(channel_settings).send(self.message())
        assert isinstance(delivery, Delivery)

    def test_unreachable_provider_is_transient(
        self, make_channel: Any, unreachable_settings: dict[str, Any]
    ) -> None:
        """A provider that cannot be reached raises TransientError (worth retrying)."""
        with pytest.raises(TransientError):
            make_channel(unreachable_settings).send(self.message())

    def test_rejection_is_permanent(
        self, make_channel: Any, rejecting_settings: dict[str, Any]
    ) -> None:
        """A provider's refusal raises PermanentError, without the secrets in its text."""
        with pytest.raises(PermanentError) as failure:
            make_channel(rejecting_settings).send(self.message())
        secret_names = {s.name for s in self.channel_class.settings if s.secret}
        for name in secret_names:
            value = rejecting_settings.get(name)
            assert not value or str(value) not in str(failure.value), (
                f"{name} leaked into the error"
            )
