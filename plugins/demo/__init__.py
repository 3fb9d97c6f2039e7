"""The `demo` platform: a simulated shop to try rules on without any account."""

from __future__ import annotations

from shopctl import Platform, hookimpl
from shopctl_plugins.demo.platform import DemoPlatform

__all__ = ["DemoPlatform"]


@hookimpl
def shopctl_platforms() -> list[type[Platform]]:
    """The demo platform."""
    return [DemoPlatform]
