"""`shopctl plugins`: what each loaded plugin declares, and which ones failed to load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

import shopctl
from shopctl.cli.options import config_option, echo_json, given_config, json_option
from shopctl.config import config_path, load_config
from shopctl.errors import ShopctlError
from shopctl.plugins import CORE_PLUGINS, Plugins, load_plugins
from shopctl.project import Project
from shopctl.registry import ActionSpec, Registry

KINDS = ("platform", "channel", "type", "action", "function")


def describe(plugins: Plugins, registry: Registry) -> dict[str, Any]:
    """Every plugin with its declarations, and the failed ones: the `--json` shape."""
    versions = {name: shopctl.__version__ for name in CORE_PLUGINS}
    versions |= {info.name: info.version for info in plugins.loaded}
    modules = {name: name for name in CORE_PLUGINS} | {p.name: p.module for p in plugins.loaded}
    declared: dict[str, dict[str, list[str]]] = {}
    for origin_key, plugin in registry.origins.items():
        kind, _, name = origin_key.partition(":")
        if kind in KINDS:
            declared.setdefault(plugin, {}).setdefault(kind, []).append(name)
    # Origins name only the first declarer of an action; platforms sharing an action
    # name (set_price on several shops) each perform it, so each lists it.
    for name, platform in registry.platforms.items():
        mine = declared.setdefault(registry.origins[f"platform:{name}"], {})
        actions = mine.setdefault("action", [])
        actions += [spec.name for spec in platform.action_specs() if spec.name not in actions]
    rows = []
    for plugin in [*modules, *sorted(set(declared) - set(modules))]:
        mine = declared.get(plugin, {})
        rows.append(
            {
                "name": plugin,
                "module": modules.get(plugin),
                "version": versions.get(plugin),
                "platforms": sorted(mine.get("platform", [])),
                "channels": sorted(mine.get("channel", [])),
                "entity_types": sorted(mine.get("type", [])),
                "actions": [_action(registry.actions[a]) for a in sorted(mine.get("action", []))],
                "functions": sorted(mine.get("function", [])),
            }
        )
    failed = [{"name": n, "error": e} for n, e in sorted(plugins.failed.items())]
    return {"plugins": rows, "failed": failed}


def _action(spec: ActionSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "on": list(spec.on),
        "params": [
            {"name": p.name, "type": str(p.type), "required": p.required} for p in spec.params
        ],
        "reversible": spec.reversible,
        "customer_facing": spec.customer_facing,
    }


def _signature(action: dict[str, Any]) -> str:
    params = ", ".join(
        f"{p['name']}: {p['type']}" + ("" if p["required"] else "?") for p in action["params"]
    )
    return f"{action['name']}({params})"


def _lines(row: dict[str, Any]) -> list[tuple[str, str]]:
    """One (kind, name) line per declaration of a plugin, for the table."""
    lines = [("platform", p) for p in row["platforms"]]
    lines += [("channel", c) for c in row["channels"]]
    lines += [("entity type", t) for t in row["entity_types"]]
    lines += [("action", _signature(a)) for a in row["actions"]]
    lines += [("function", f) for f in row["functions"]]
    return lines


def _registry(plugins: Plugins, given: str | None) -> Registry:
    """The plugins' registry, plus what the project's accounts declare when one is there."""
    path = config_path(given)
    if given is None and not Path(path).exists():
        return plugins.registry
    try:
        project = Project(load_config(path), plugins=plugins)
        try:
            return project.registry
        finally:
            project.close()
    except ShopctlError as exc:
        # A project that names a broken plugin is exactly when this listing is needed.
        click.echo(f"warning: {exc}; listing the installed plugins only", err=True)
        return plugins.registry


@click.command("plugins")
@config_option
@json_option
def plugins_command(config_path: str | None, as_json: bool) -> None:
    """List loaded plugins with their entity types, actions, functions and channels."""
    plugins = load_plugins()
    data = describe(plugins, _registry(plugins, given_config(config_path)))
    if as_json:
        echo_json(data)
    else:
        table = Table("Plugin", "Version", "Declares", "Name")
        for row in data["plugins"]:
            lines = _lines(row) or [("", "")]
            for index, (kind, name) in enumerate(lines):
                first = index == 0
                table.add_row(
                    row["name"] if first else "",
                    (row["version"] or "") if first else "",
                    kind,
                    name,
                    end_section=index == len(lines) - 1,
                )
        Console(soft_wrap=False).print(table)
    errors = Console(stderr=True)
    for failure in data["failed"]:
        errors.print(
            f"plugin {failure['name']} failed to load: {failure['error']}",
            style="bold red",
            markup=False,
            highlight=False,
        )


commands = [plugins_command]
