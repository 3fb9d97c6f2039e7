"""The plugin manager: finds plugins through entry points and merges their declarations.

Built-in plugins are found the same way a third party's are: through the `shopctl`
entry-point group. A plugin that fails to import or declare is reported by name and
left out; the others load.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from shopctl import hookspecs
from shopctl.registry import Registry

log = logging.getLogger("shopctl.plugins")

ENTRY_POINT_GROUP = "shopctl"
# The core's own declarations (canonical entity types, core actions, built-in
# functions) are a plugin too, registered before any other.
CORE_PLUGINS = ("shopctl.builtins",)
HOOKS = (
    "shopctl_entity_types",
    "shopctl_platforms",
    "shopctl_channels",
    "shopctl_functions",
    "shopctl_actions",
)


@dataclass
class PluginInfo:
    """A loaded plugin: its name, where it came from and its version."""

    name: str
    module: str
    version: str | None = None


@dataclass
class Plugins:
    """The loaded plugins, what they declared, and the ones that failed."""

    manager: pluggy.PluginManager
    registry: Registry
    loaded: list[PluginInfo] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # plugin name -> error


def allow_list(value: str | None = None) -> set[str] | None:
    """The plugin names `SHOPCTL_PLUGINS=a,b` allows, or None for all."""
    value = os.environ.get("SHOPCTL_PLUGINS") if value is None else value
    if not value:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def load_plugins(allowed: set[str] | None = None, extra: dict[str, Any] | None = None) -> Plugins:
    """Load the core, every allowed entry-point plugin and `extra` (name -> module)."""
    manager = pluggy.PluginManager("shopctl")
    manager.add_hookspecs(hookspecs)
    if os.environ.get("SHOPCTL_TRACE_HOOKS"):
        manager.trace.root.setwriter(lambda text: log.debug("hook: %s", text.rstrip()))
        manager.enable_tracing()
    plugins = Plugins(manager, Registry())
    for module_name in CORE_PLUGINS:
        manager.register(importlib.import_module(module_name), name=module_name)
    allowed = allow_list() if allowed is None else allowed
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        if manager.has_plugin(ep.name):
            continue
        try:
            manager.register(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must not stop the others
            plugins.failed[ep.name] = _describe(exc)
            continue
        version = ep.dist.version if ep.dist else None
        plugins.loaded.append(PluginInfo(ep.name, ep.value, version))
    for name, module in (extra or {}).items():
        try:
            manager.register(module, name=name)
            plugins.loaded.append(PluginInfo(name, getattr(module, "__name__", name)))
        except Exception as exc:
            plugins.failed[name] = _describe(exc)
    _declare_all(plugins)
    return plugins


def _declare_all(plugins: Plugins) -> None:
    """Call every declaration hook plugin by plugin, so a failure names its plugin."""
    registry = plugins.registry
    adders = {
        "shopctl_entity_types": registry.add_entity_type,
        "shopctl_platforms": registry.add_platform,
        "shopctl_channels": registry.add_channel,
        "shopctl_functions": registry.add_function,
        "shopctl_actions": registry.add_action,
    }
    # Entity types first: actions and functions refer to them.
    for hook_name in HOOKS:
        caller = getattr(plugins.manager.hook, hook_name)
        for impl in caller.get_hookimpls():  # registration order: the core first
            if impl.plugin_name in plugins.failed:
                continue
            try:
                for declaration in impl.function() or ():
                    adders[hook_name](declaration, impl.plugin_name)
            except Exception as exc:
                plugins.failed[impl.plugin_name] = _describe(exc)
                plugins.loaded = [p for p in plugins.loaded if p.name != impl.plugin_name]
                log.error("plugin %s failed to declare: %s", impl.plugin_name, exc)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
