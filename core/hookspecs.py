"""Every hook a shopctl plugin can implement.

Each hook returns declarations; the core merges them into one `Registry`. A plugin
implements only the hooks it needs, decorated with `shopctl.hookimpl`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from shopctl.channel import Channel
    from shopctl.platform import Platform
    from shopctl.registry import ActionSpec, EntityType, FunctionSpec

hookspec = pluggy.HookspecMarker("shopctl")
hookimpl = pluggy.HookimplMarker("shopctl")


@hookspec
def shopctl_entity_types() -> list[EntityType]:
    """Declare entity types, or extra fields and metrics of existing ones."""


@hookspec
def shopctl_platforms() -> list[type[Platform]]:
    """Declare platform classes; their `@action` methods become actions."""


@hookspec
def shopctl_channels() -> list[type[Channel]]:
    """Declare channel classes."""


@hookspec
def shopctl_functions() -> list[FunctionSpec]:
    """Declare functions rules may call."""


@hookspec
def shopctl_actions() -> list[ActionSpec]:
    """Declare actions the core performs itself (notify, message, tag)."""
