"""`shopctl.yaml`: the project's configuration (SPEC §3).

Read with shopctl's positional YAML loader, so every error names the key, its line and
column; all errors of the file are reported together (ConfigErrors). `${VAR}` values
come from the environment and are secrets: no error, log or output shows them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shopctl.config_checks import ENV_REF, Checker, plain_document
from shopctl.errors import ConfigError, ConfigErrors, Position
from shopctl.registry import Registry, Setting
from shopctl.rules import clauses
from shopctl.rules.model import QuietHours
from shopctl.rules.source_text import read_source
from shopctl.rules.suggest import did_you_mean
from shopctl.rules.yaml_source import YamlValue, load_yaml
from shopctl.types import Type

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "ENV_REF",
    "Config",
    "ContactCaps",
    "Defaults",
    "PluginConfig",
    "build_config",
    "config_path",
    "load_config",
    "validate_plugin_settings",
]

CONFIG_ENV = "SHOPCTL_CONFIG"
DEFAULT_CONFIG = "shopctl.yaml"
TOP_KEYS = ("store", "timezone", "rules", "accounts", "channels", "alerts", "defaults")
DEFAULT_KEYS = ("limit", "max_percent", "quiet_hours", "caps", "cooldown")
CAP_KEYS = ("per_day", "per_30_days")


@dataclass(frozen=True)
class PluginConfig:
    """A configured account or channel: its name, plugin and plugin settings."""

    name: str
    plugin: str
    settings: dict[str, Any] = field(repr=False)  # may hold secrets
    position: Position | None = None
    # Setting names whose value came from ${VAR}: treated as secrets wherever shown.
    from_env: frozenset[str] = frozenset()
    # Where each setting (and `plugin`) was written, for errors.
    positions: dict[str, Position] = field(default_factory=dict, compare=False, repr=False)
    # Where each setting's key was written: unknown settings are shown there.
    key_positions: dict[str, Position] = field(default_factory=dict, compare=False, repr=False)


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
    cooldown: timedelta | None = None


@dataclass(frozen=True)
class Config:
    """The loaded configuration; relative paths are resolved against `root`."""

    path: Path
    root: Path
    store: str = field(repr=False)  # a URL may carry a password from ${VAR}
    timezone: ZoneInfo
    rules: tuple[Path, ...]
    accounts: dict[str, PluginConfig]
    channels: dict[str, PluginConfig]
    alerts: str | None = None
    defaults: Defaults = field(default_factory=Defaults)
    # Values read from the environment outside plugin settings (the store URL's).
    env_values: tuple[str, ...] = field(default=(), repr=False)

    def secrets(self) -> list[str]:
        """Every value that came from the environment, to be masked wherever shown."""
        found = [v for v in self.env_values if v]
        for item in (*self.accounts.values(), *self.channels.values()):
            found += [str(item.settings[k]) for k in item.from_env if item.settings.get(k)]
        return found


def config_path(given: str | os.PathLike[str] | None = None) -> Path:
    """The config file to use: `--config`, else $SHOPCTL_CONFIG, else ./shopctl.yaml."""
    return Path(given or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file; ConfigErrors holds every mistake in it."""
    path = config_path(path)
    text = read_source(path, ConfigError)
    document, errors = load_yaml(text, str(path), ConfigError)
    if errors:
        raise ConfigErrors(errors)
    if document is None:
        document = YamlValue({}, Position(str(path), 1, 1))
    return _build(document, path)


def build_config(data: dict[str, Any], path: Path) -> Config:
    """Turn already-parsed config data into a Config (checked like a file)."""
    return _build(plain_document(data, str(path)), path)


def _build(document: YamlValue, path: Path) -> Config:
    check = Checker()
    root = path.parent.resolve()
    # A key left empty (`alerts:`) means the default, as if it were not written.
    top = {
        k: v
        for k, v in check.mapping(document, "the config", TOP_KEYS).items()
        if v.value is not None
    }
    env_values: list[str] = []
    store = "sqlite:///shopctl.db"
    if "store" in top:
        given = check.text(top["store"], "store")
        if given is not None:
            store, names = check.expand_env(top["store"], given, "store")
            env_values += [os.environ[n] for n in names if n in os.environ]
    if store.startswith("sqlite:///") and not store.startswith("sqlite:////"):
        relative = store.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            store = f"sqlite:///{root / relative}"
    zone = ZoneInfo("UTC")
    if "timezone" in top:
        zone = check.timezone(top["timezone"]) or zone
    rules = (Path("rules/"),)
    if "rules" in top:
        rules = tuple(Path(p) for p in check.text_list(top["rules"], "rules"))
    accounts = _plugins(check, top.get("accounts"), "accounts")
    channels = _plugins(check, top.get("channels"), "channels")
    alerts = None
    if "alerts" in top:
        alerts = check.text(top["alerts"], "alerts")
        if alerts is not None and alerts not in channels:
            check.unknown_name(top["alerts"], "alerts", alerts, channels, "channel")
    defaults = _defaults(check, top.get("defaults"))
    config = Config(
        path=path,
        root=root,
        store=store,
        timezone=zone,
        rules=tuple(root / r for r in rules),
        accounts=accounts,
        channels=channels,
        alerts=alerts,
        defaults=defaults,
        env_values=tuple(env_values),
    )
    if check.errors:
        errors = sorted(check.errors, key=lambda e: e.position or Position("", 0, 0))
        raise ConfigErrors(errors, config)
    return config


def _plugins(check: Checker, section: YamlValue | None, where: str) -> dict[str, PluginConfig]:
    result: dict[str, PluginConfig] = {}
    if section is None or section.value is None:
        return result
    for name, body in check.mapping(section, where).items():
        if not clauses.RULE_NAME.fullmatch(name) or "-" in name or "." in name:
            check.fail(f"`{name}` cannot be used as a name in rules; use letters, digits, _",
                       section.keys[name], len(name))  # fmt: skip
            continue
        fields = check.mapping(body, f"{where}.{name}")
        plugin_value = fields.get("plugin")
        if plugin_value is None:
            check.fail(f"{where}.{name} has no `plugin`", section.keys[name], len(name))
            continue
        plugin = check.text(plugin_value, f"{where}.{name}.plugin")
        settings: dict[str, Any] = {}
        from_env: set[str] = set()
        positions = {"plugin": plugin_value.position}
        key_positions = dict(body.keys)
        for key, value in fields.items():
            if key == "plugin":
                continue
            positions[key] = value.position
            settings[key], names = check.setting(value, f"{where}.{name}.{key}")
            if names:
                from_env.add(key)
        if plugin is not None:
            position = section.keys[name]
            result[name] = PluginConfig(
                name, plugin, settings, position, frozenset(from_env), positions, key_positions
            )
    return result


def _defaults(check: Checker, section: YamlValue | None) -> Defaults:
    if section is None or section.value is None:
        return Defaults()
    given = check.mapping(section, "defaults", DEFAULT_KEYS)
    values: dict[str, Any] = {}
    checks = {
        "limit": (clauses.positive_int, "value"),
        "max_percent": (clauses.percent, "text"),
        "quiet_hours": (clauses.quiet_hours, "text"),
        "cooldown": (clauses.duration, "text"),
    }
    for key, (parse, attribute) in checks.items():
        if key in given:
            values[key] = check.value(given[key], f"defaults.{key}", parse, attribute)
    if "caps" in given:
        caps = check.mapping(given["caps"], "defaults.caps", CAP_KEYS)
        counts = {
            k: check.value(caps[k], f"defaults.caps.{k}", clauses.positive_int, "value")
            for k in CAP_KEYS
            if k in caps
        }
        values["caps"] = ContactCaps(**{k: v for k, v in counts.items() if v is not None})
    return Defaults(**{k: v for k, v in values.items() if v is not None})


def validate_plugin_settings(config: Config, registry: Registry) -> list[ConfigError]:
    """Errors in the accounts' and channels' settings against what their plugins declare:
    unknown plugins, unknown or missing settings, values of the wrong type."""
    errors: list[ConfigError] = []
    sections = (("accounts", config.accounts, registry.platforms, "platform"),
                ("channels", config.channels, registry.channels, "channel"))  # fmt: skip
    for section, items, plugins, kind in sections:
        for item in items.values():
            where = item.positions.get("plugin", item.position)
            cls = plugins.get(item.plugin)
            if cls is None:
                hint = (
                    did_you_mean(item.plugin, plugins)
                    or f" (installed: {', '.join(sorted(plugins)) or 'none'})"
                )
                errors.append(ConfigError(f"unknown {kind} plugin `{item.plugin}`{hint}", where))
                continue
            errors += settings_errors(item, cls.settings, f"{section}.{item.name}")
    return errors


def settings_errors(
    item: PluginConfig, declared: tuple[Setting, ...], where: str
) -> list[ConfigError]:
    """Unknown, missing or mistyped settings of one account or channel."""
    errors = []
    names = {s.name: s for s in declared}
    for key in item.settings:
        at = item.positions.get(key, item.position)
        if key not in names:
            at = item.key_positions.get(key, at)
            hint = (
                did_you_mean(key, names)
                or f" (settings of `{item.plugin}`: {', '.join(names) or 'none'})"
            )
            errors.append(ConfigError(f"unknown setting `{key}` in {where}{hint}", at, len(key)))
        elif not _fits(item.settings[key], names[key].type, from_env=key in item.from_env):
            errors.append(ConfigError(f"`{where}.{key}` must be {_a(names[key].type)}", at))
    for setting in declared:
        if setting.required and setting.name not in item.settings:
            errors.append(
                ConfigError(
                    f"{where} needs the setting `{setting.name}` ({setting.help})", item.position
                )
            )
    return errors


def _fits(value: Any, expected: Type, from_env: bool) -> bool:
    """Whether a setting's value has the declared type; text from ${VAR} may spell a
    number or a boolean, which the plugin converts."""
    if value is None:
        return True
    if from_env and isinstance(value, str):
        return expected in (Type.TEXT, Type.TEXT_LIST, Type.ANY) or _spells(value, expected)
    checks: dict[Type, Callable[[Any], bool]] = {
        Type.INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
        Type.NUMBER: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        Type.BOOLEAN: lambda v: isinstance(v, bool),
        Type.TEXT: lambda v: isinstance(v, str),
        Type.TEXT_LIST: lambda v: (
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        ),
        Type.NUMBER_LIST: lambda v: (
            isinstance(v, list)
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
        ),
    }
    return checks.get(expected, lambda v: True)(value)


def _spells(text: str, expected: Type) -> bool:
    try:
        if expected is Type.INTEGER:
            int(text)
        elif expected is Type.NUMBER:
            float(text)
        elif expected is Type.BOOLEAN:
            return text.lower() in ("true", "false", "1", "0", "yes", "no")
    except ValueError:
        return False
    return True


def _a(expected: Type) -> str:
    return {Type.INTEGER: "a whole number", Type.NUMBER: "a number", Type.BOOLEAN: "true or false",
            Type.TEXT: "text", Type.TEXT_LIST: "a text or a list of texts",
            Type.NUMBER_LIST: "a list of numbers"}.get(expected, str(expected))  # fmt: skip
