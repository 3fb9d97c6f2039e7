"""The `console` channel: notifications printed to stdout or appended to a file."""

from __future__ import annotations

from shopctl import Channel, hookimpl
from shopctl_plugins.console.channel import ConsoleChannel

__all__ = ["ConsoleChannel"]


@hookimpl
def shopctl_channels() -> list[type[Channel]]:
    """The console channel."""
    return [ConsoleChannel]
