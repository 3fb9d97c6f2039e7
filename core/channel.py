"""The base class of channel plugins: email, SMS, IM."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from shopctl.platform import PluginContext
from shopctl.registry import Setting


@dataclass(frozen=True)
class Message:
    """One message to send through a channel."""

    recipients: tuple[str, ...]  # addresses in the channel's own form (email, phone…)
    text: str
    subject: str = ""
    html: str | None = None
    key: str = ""  # idempotency key of the intent that sends it
    customer_facing: bool = False


@dataclass(frozen=True)
class Delivery:
    """What a channel reports after sending."""

    reference: str | None = None  # the provider's message id, when it gives one
    detail: str = ""


class Channel:
    """A configured channel: `ops` on the console, `sms` on a webhook gateway.

    Subclasses set `name` and `settings` and implement `send`. `address` names the
    customer field a customer-facing `message()` is sent to (`email`, `phone`), or None
    for channels that only reach the team. Raise `TransientError` for failures worth
    retrying and `PermanentError` for the rest.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "0"
    settings: ClassVar[tuple[Setting, ...]] = ()
    address: ClassVar[str | None] = None

    def __init__(self, channel: str, settings: Mapping[str, Any], context: PluginContext):
        self.channel = channel
        self.config = dict(settings)
        self.context = context

    def recipients(self) -> tuple[str, ...]:
        """The team's addresses `notify()` sends to (the `to` setting by default)."""
        to = self.config.get("to") or ()
        return (to,) if isinstance(to, str) else tuple(to)

    def send(self, message: Message) -> Delivery:
        """Deliver `message`; raise TransientError / PermanentError on failure."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; called once when the core is done."""
