"""The `email` channel: messages over SMTP (STARTTLS, SSL or plain), text and HTML."""

from __future__ import annotations

from shopctl import Channel, hookimpl
from shopctl_plugins.email.channel import EmailChannel


@hookimpl
def shopctl_channels() -> list[type[Channel]]:
    """The email channel."""
    return [EmailChannel]
