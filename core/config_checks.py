"""Checks of config values that collect errors with the key's place, and `${VAR}`.

Messages name keys and environment variables, never values: a value may be a secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from shopctl.errors import ConfigError, Position
from shopctl.rules.suggest import did_you_mean
from shopctl.rules.yaml_source import YamlValue

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def plain_document(data: Any, path: str) -> YamlValue:
    """Already-parsed data (dicts, lists, scalars) as YamlValues placed at line 1."""
    where = Position(path, 1, 1)
    if isinstance(data, dict):
        value = {str(k): plain_document(v, path) for k, v in data.items()}
        return YamlValue(value, where, keys=dict.fromkeys(value, where))
    if isinstance(data, list | tuple):
        return YamlValue([plain_document(v, path) for v in data], where)
    text = "" if data is None else str(data).lower() if isinstance(data, bool) else str(data)
    return YamlValue(data, where, text=text)


class Checker:
    """Collects every config error, each at the place of the key or value at fault."""

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def fail(self, message: str, where: Position, length: int = 1) -> None:
        """Record an error."""
        self.errors.append(ConfigError(message, where, length))

    def mapping(
        self, item: YamlValue, where: str, known: Iterable[str] | None = None
    ) -> dict[str, YamlValue]:
        """The keys of a mapping; unknown keys (when `known` is given) are errors."""
        if item.value is None:
            return {}
        if item.kind != "mapping":
            self.fail(f"`{where}` must be a mapping of `key: value` lines", item.position)
            return {}
        fields: dict[str, YamlValue] = item.value
        if known is None:
            return fields
        known = tuple(known)
        result = {}
        for key, value in fields.items():
            if key in known:
                result[key] = value
                continue
            hint = did_you_mean(key, known) or f" (known keys: {', '.join(known)})"
            self.fail(f"unknown key `{key}` in {where}{hint}", item.keys[key], len(key))
        return result

    def text(self, item: YamlValue, where: str) -> str | None:
        """A text value."""
        if item.kind != "scalar" or not isinstance(item.value, str):
            self.fail(f"`{where}` must be text", item.position, item.length)
            return None
        return item.value

    def text_list(self, item: YamlValue, where: str) -> list[str]:
        """A text, or a list of texts."""
        items = item.value if item.kind == "list" else [item]
        if item.kind == "mapping" or any(
            i.kind != "scalar" or not isinstance(i.value, str) for i in items
        ):
            self.fail(f"`{where}` must be a text or a list of texts", item.position, item.length)
            return []
        return [i.value for i in items]

    def timezone(self, item: YamlValue) -> ZoneInfo | None:
        """An IANA time zone such as Asia/Shanghai."""
        name = self.text(item, "timezone")
        if name is None:
            return None
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            hint = did_you_mean(name, available_timezones()) or " (e.g. Asia/Shanghai, UTC)"
            self.fail(
                f"`timezone`: unknown time zone `{name[:60]}`{hint}", item.position, item.length
            )
            return None

    def value(
        self, item: YamlValue, where: str, parse: Callable[[Any], Any], attribute: str
    ) -> Any:
        """parse(item.value or item.text); a ValueError becomes an error at the value."""
        if item.kind != "scalar":
            self.fail(f"`{where}` must be a single value", item.position, item.length)
            return None
        try:
            return parse(getattr(item, attribute))
        except ValueError as exc:
            self.fail(f"`{where}`: {exc}", item.position, item.length)
            return None

    def unknown_name(
        self, item: YamlValue, where: str, name: str, known: Iterable[str], kind: str
    ) -> None:
        """An error for a name that is not among the configured ones."""
        known = sorted(known)
        hint = did_you_mean(name, known) or f" (configured: {', '.join(known) or 'none'})"
        self.fail(f"`{where}`: unknown {kind} `{name}`{hint}", item.position, item.length)

    def expand_env(self, item: YamlValue, text: str, where: str) -> tuple[str, list[str]]:
        """`text` with each ${VAR} replaced from the environment, and the names used;
        an unset variable is an error that names it (and never shows any value)."""
        names = ENV_REF.findall(text)
        for name in names:
            if name not in os.environ:
                self.fail(
                    f"environment variable `{name}` is not set (needed by `{where}`)",
                    item.position,
                    item.length,
                )
        expanded = ENV_REF.sub(lambda m: os.environ.get(m.group(1), ""), text)
        return expanded, names

    def setting(self, item: YamlValue, where: str) -> tuple[Any, list[str]]:
        """A plugin setting as plain data, ${VAR} expanded; and the variables used."""
        if item.kind == "mapping":
            pairs = [(k, self.setting(v, f"{where}.{k}")) for k, v in item.value.items()]
            return {k: v for k, (v, _) in pairs}, [n for _, (_, ns) in pairs for n in ns]
        if item.kind == "list":
            parts = [self.setting(v, where) for v in item.value]
            return [v for v, _ in parts], [n for _, ns in parts for n in ns]
        if isinstance(item.value, str) and ENV_REF.search(item.value):
            return self.expand_env(item, item.value, where)
        return item.value, []
