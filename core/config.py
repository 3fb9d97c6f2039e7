"""`shopctl.yaml`: the project's configuration (SPEC §3)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from shopctl.errors import ConfigError, Position
from shopctl.rules.model import QuietHours

CONFIG_ENV = "SHOPCTL_CONFIG"
DEFAULT_CONFIG = "shopctl.yaml"
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class PluginConfig:
    """A configured account or channel: its name, plugin and plugin settings."""

    name: str
    plugin: str
    settings: dict[str, Any]
    position: Position | None = None
    # Setting names whose value came from ${VAR}: treated as secrets wherever shown.
    from_env: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ContactCaps:
    """How often one customer may be messaged, across all channels."""

    per_day: int = 1
    per_30_days: int = 4


@dataclass(frozen=True)
class Defaults:
    """Guards that apply to every rule that does not set its own."""

    limit: int = 100
    max_percent: float = 0.5
    quiet_hours: QuietHours | None = None
    caps: ContactCaps = field(default_factory=ContactCaps)


@dataclass(frozen=True)
class Config:
    """The loaded configuration; relative paths are resolved against `root`."""

    path: Path
    root: Path
    store: str
    timezone: ZoneInfo
    rules: tuple[Path, ...]
    accounts: dict[str, PluginConfig]
    channels: dict[str, PluginConfig]
    alerts: str | None = None
    defaults: Defaults = field(default_factory=Defaults)

    def secrets(self) -> list[str]:
        """Every value that came from the environment, to be masked wherever shown."""
        found = []
        for item in (*self.accounts.values(), *self.channels.values()):
            found += [str(item.settings[k]) for k in item.from_env if item.settings.get(k)]
        return found


def config_path(given: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: `--config`, else $SHOPCTL_CONFIG, else ./shopctl.yaml."""
    return Path(given or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file."""
    path = config_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(
            f"cannot read config: {exc.strerror}", Position(str(path), 1, 1)
        ) from None
    data = yaml.safe_load(text) or {}
    return build_config(data, path)


def build_config(data: dict[str, Any], path: Path) -> Config:
    """Turn parsed config data into a Config."""
    root = path.parent.resolve()
    store = str(data.get("store", "sqlite:///shopctl.db"))
    if store.startswith("sqlite:///") and not store.startswith("sqlite:////"):
        relative = store.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            store = f"sqlite:///{root / relative}"
    rules = data.get("rules", ["rules/"])
    defaults = data.get("defaults") or {}
    return Config(
        path=path,
        root=root,
        store=store,
        timezone=ZoneInfo(data.get("timezone", "UTC")),
        rules=tuple(root / r for r in ([rules] if isinstance(rules, str) else rules)),
        accounts=_plugins(data.get("accounts") or {}),
        channels=_plugins(data.get("channels") or {}),
        alerts=data.get("alerts"),
        defaults=Defaults(
            limit=int(defaults.get("limit", 100)),
            max_percent=float(defaults.get("max_percent", 0.5)),
        ),
    )


def _plugins(section: dict[str, Any]) -> dict[str, PluginConfig]:
    result = {}
    for name, body in section.items():
        settings, from_env = {}, set()
        for key, value in body.items():
            if key == "plugin":
                continue
            if isinstance(value, str) and ENV_REF.search(value):
                from_env.add(key)
                value = ENV_REF.sub(lambda m: os.environ[m.group(1)], value)
            settings[key] = value
        result[name] = PluginConfig(name, body["plugin"], settings, None, frozenset(from_env))
    return result
