"""The `webhook` channel: generic signed JSON, or WeCom/DingTalk/Feishu/Slack robots."""

from __future__ import annotations

from shopctl import Channel, hookimpl
from shopctl_plugins.webhook.channel import WebhookChannel


@hookimpl
def shopctl_channels() -> list[type[Channel]]:
    """The webhook channel."""
    return [WebhookChannel]
