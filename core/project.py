"""A loaded project: config, plugins, store and clock, what every command works on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopctl.channel import Channel
from shopctl.clock import Clock, as_utc
from shopctl.config import Config, load_config, settings_errors
from shopctl.errors import ConfigError, ConfigErrors
from shopctl.platform import Platform, PluginContext
from shopctl.plugins import Plugins, load_plugins
from shopctl.registry import Registry
from shopctl.rules.compiled import EvalContext

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from shopctl.rules.loader import RuleSet
    from shopctl.store.learned import Learned


class Project:
    """One shopctl project; opened once per command or daemon and closed at the end."""

    def __init__(self, config: Config, clock: Clock | None = None, plugins: Plugins | None = None):
        self.config = config
        self.clock = clock or Clock()
        self.plugins = plugins or load_plugins()
        self._platforms: dict[str, Platform] = {}
        self._channels: dict[str, Channel] = {}

    @classmethod
    def open(cls, config_path: str | Path | None = None, clock: Clock | None = None) -> Project:
        """Load the config at `config_path` (or the default) and the plugins."""
        return cls(load_config(config_path), clock)

    @cached_property
    def registry(self) -> Registry:
        """Every declaration of the loaded plugins and of the configured accounts."""
        registry = self.plugins.registry.copy()
        for account in self.config.accounts:
            for entity_type in self.platform(account, registry).entity_types():
                registry.add_entity_type(entity_type, f"account:{account}")
        return registry

    @cached_property
    def learned(self) -> dict[str, Learned]:
        """What each account's platform learned at its latest sync (SPEC §6.1).

        Read from the store only when a configured platform learns its schema, so
        projects of other platforms do not open the store to build their registry.
        """
        platforms = self.plugins.registry.platforms
        plugins = {conf.plugin for conf in self.config.accounts.values()}
        if not any(name in platforms and platforms[name].learns() for name in plugins):
            return {}
        from shopctl.store.engine import connect_store
        from shopctl.store.learned import read_learned

        return read_learned(connect_store(self.config.store, records=self.state_path))

    def keep_learned(self, account: str, body: Mapping[str, Any]) -> None:
        """Store what `account`'s platform learned; the project is reloaded with it."""
        from shopctl.store.engine import connect_store
        from shopctl.store.learned import save_learned

        plugin = self.config.accounts[account].plugin
        engine = connect_store(self.config.store, records=self.state_path)
        save_learned(engine, account, plugin, body, self.clock.now())
        for item in self._platforms.values():
            item.close()
        self._platforms.clear()
        for name in ("learned", "registry", "engine", "rules"):
            self.__dict__.pop(name, None)

    @property
    def state_path(self) -> Path:
        """The project's own folder next to the config (`.shopctl`), not created here."""
        return self.config.root / ".shopctl"

    @property
    def state_dir(self) -> Path:
        """A folder next to the config where plugins may keep files."""
        path = self.state_path
        path.mkdir(exist_ok=True)
        return path

    @cached_property
    def engine(self) -> Engine:
        """The store, migrated to the current schema and with every entity table."""
        from sqlalchemy.exc import SQLAlchemyError

        from shopctl.store.engine import open_store
        from shopctl.store.reach import unreachable

        registry = self.registry
        try:
            return open_store(self.config.store, registry, records=self.state_path)
        except (ImportError, SQLAlchemyError) as exc:
            raise unreachable(self.config.store, exc) from None

    @cached_property
    def rules(self) -> RuleSet:
        """The rule files, loaded and checked; broken files disable only their rules."""
        from shopctl.rules.loader import load_rules

        return load_rules(self.config.rules, self.registry, set(self.config.channels))

    def plugin_context(self, account: str | None = None) -> PluginContext:
        """What platforms and channels are created with (an account's learned schema)."""
        learned: Mapping[str, Any] = {}
        if account is not None:
            kept = self.learned.get(account)
            if kept is not None and kept.plugin == self.config.accounts[account].plugin:
                learned = kept.body
        return PluginContext(clock=self.clock, state_dir=self.state_dir, learned=learned)

    def platform(self, account: str, registry: Registry | None = None) -> Platform:
        """The platform object of a configured account, created once."""
        if account not in self._platforms:
            conf = self.config.accounts.get(account)
            if conf is None:
                raise ConfigError(f"no account {account!r} in {self.config.path}")
            platforms = (registry or self.registry).platforms
            cls = self._plugin_class(platforms, conf.plugin, "platform", conf)
            self._platforms[account] = cls(account, conf.settings, self.plugin_context(account))
        return self._platforms[account]

    def channel(self, name: str) -> Channel:
        """The channel object of a configured channel, created once."""
        if name not in self._channels:
            conf = self.config.channels.get(name)
            if conf is None:
                raise ConfigError(f"no channel {name!r} in {self.config.path}")
            cls = self._plugin_class(self.registry.channels, conf.plugin, "channel", conf)
            self._channels[name] = cls(name, conf.settings, self.plugin_context())
        return self._channels[name]

    def eval_context(self, at: datetime | None = None) -> EvalContext:
        """The evaluation instant (`--at` or now) in the configured zone."""
        return EvalContext(as_utc(at) if at else self.clock.now(), self.config.timezone)

    def close(self) -> None:
        """Close every plugin object and the store."""
        for item in (*self._platforms.values(), *self._channels.values()):
            item.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    def _plugin_class(self, table: dict[str, Any], plugin: str, kind: str, conf: Any) -> Any:
        if plugin not in table:
            failed = self.plugins.failed.get(plugin)
            why = f" (it failed to load: {failed})" if failed else ""
            raise ConfigError(f"{conf.name}: unknown {kind} plugin {plugin!r}{why}", conf.position)
        section = "accounts" if kind == "platform" else "channels"
        errors = settings_errors(conf, table[plugin].settings, f"{section}.{conf.name}")
        if errors:
            raise ConfigErrors(errors)
        return table[plugin]
