"""shopctl.yaml: values, every error with its key and place, secrets from ${VAR}."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from shopctl.channel import Channel
from shopctl.config import (
    ContactCaps,
    Defaults,
    build_config,
    load_config,
    validate_plugin_settings,
)
from shopctl.errors import ConfigError, ConfigErrors, Position
from shopctl.platform import Platform
from shopctl.registry import Registry, Setting
from shopctl.rules.model import QuietHours
from shopctl.types import Type

EXAMPLE = """\
store: sqlite:///shopctl.db
timezone: Asia/Shanghai
rules: [rules/]
accounts:
  shop:
    plugin: demo
    seed: 42
channels:
  ops:
    plugin: console
  sms:
    plugin: webhook
    url: https://sms.example/api/send
    token: ${SHOPCTL_TEST_SMS_TOKEN}
alerts: ops
defaults:
  limit: 100
  max_percent: 30%
  quiet_hours: "22:00-08:00"
  caps: {per_day: 2, per_30_days: 6}
  cooldown: 3d
"""
SECRET = "s3cr3t-value-never-shown"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shopctl.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(write(tmp_path, text))
    return caught.value.errors


def test_the_spec_example_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPCTL_TEST_SMS_TOKEN", SECRET)
    config = load_config(write(tmp_path, EXAMPLE))
    assert config.store == f"sqlite:///{tmp_path.resolve() / 'shopctl.db'}"
    assert str(config.timezone) == "Asia/Shanghai"
    assert config.rules == (tmp_path.resolve() / "rules",)
    assert config.accounts["shop"].plugin == "demo"
    assert config.accounts["shop"].settings == {"seed": 42}
    assert config.accounts["shop"].positions["seed"] == Position(
        str(tmp_path / "shopctl.yaml"), 7, 11
    )
    assert config.channels["sms"].settings["token"] == SECRET
    assert config.channels["sms"].from_env == frozenset({"token"})
    assert config.alerts == "ops"
    assert config.defaults == Defaults(
        limit=100,
        max_percent=0.3,
        quiet_hours=QuietHours(time(22), time(8)),
        caps=ContactCaps(per_day=2, per_30_days=6),
        cooldown=timedelta(days=3),
    )
    assert config.secrets() == [SECRET]
    assert SECRET not in repr(config)


def test_a_missing_environment_variable_names_it_and_its_line_never_a_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPCTL_TEST_SMS_TOKEN", raising=False)
    (error,) = errors_of(tmp_path, EXAMPLE)
    assert error.message == (
        "environment variable `SHOPCTL_TEST_SMS_TOKEN` is not set (needed by `channels.sms.token`)"
    )
    assert (error.position.line, error.position.column) == (14, 12)  # type: ignore[union-attr]


def test_all_mistakes_at_once_each_with_key_line_and_column(tmp_path: Path) -> None:
    errors = errors_of(
        tmp_path,
        "timezone: Asia/Shanghia\nrules: {a: 1}\nacounts: {}\n"
        "channels:\n  ops: {url: x}\nalerts: opps\n"
        "defaults:\n  limit: 0\n  cooldown: soon\n  caps: {per_week: 1}\n",
    )
    found = [(e.position.line, e.position.column, e.message) for e in errors]  # type: ignore[union-attr]
    assert found == [
        (1, 11, "`timezone`: unknown time zone `Asia/Shanghia`; did you mean `Asia/Shanghai`?"),
        (2, 8, "`rules` must be a text or a list of texts"),
        (3, 1, "unknown key `acounts` in the config; did you mean `accounts`?"),
        (5, 3, "channels.ops has no `plugin`"),
        (6, 9, "`alerts`: unknown channel `opps` (configured: none)"),
        (8, 10, "`defaults.limit`: '0' is not a whole number of at least 1"),
        (9, 13, "`defaults.cooldown`: 'soon' is not a duration; write e.g. 15m, 12h, 30d or 2w"),
        (10, 10, "unknown key `per_week` in defaults.caps (known keys: per_day, per_30_days)"),
    ]


def test_wrong_types(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, "store: 5\ntimezone: [UTC]\naccounts: [shop]\n")
    assert [e.message for e in errors] == [
        "`store` must be text",
        "`timezone` must be text",
        "`accounts` must be a mapping of `key: value` lines",
    ]


def test_yaml_mistakes_and_unreadable_files(tmp_path: Path) -> None:
    (error,) = errors_of(tmp_path, "store: x\n\tbad: 1\n")
    assert "tab" in error.message and error.position.line == 2  # type: ignore[union-attr]
    (error,) = errors_of(tmp_path, "a: 1\na: 2\n")
    assert error.message == "`a` is given twice (first on line 1)"
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_defaults_when_the_file_is_empty(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "# nothing\n"))
    assert config.defaults == Defaults()
    assert str(config.timezone) == "UTC" and config.accounts == {}


def test_build_config_from_data_is_checked_the_same_way(tmp_path: Path) -> None:
    config = build_config({"store": "sqlite:///:memory:", "alerts": None}, tmp_path / "x.yaml")
    assert config.store == "sqlite:///:memory:"
    with pytest.raises(ConfigErrors, match="unknown key `stor`"):
        build_config({"stor": "x"}, tmp_path / "x.yaml")


class Shop(Platform):
    name = "shop-api"
    settings: ClassVar[tuple[Setting, ...]] = (
        Setting("key", Type.TEXT, "API key", secret=True),
        Setting("retries", Type.INTEGER, "Retries", 3),
    )


class Sms(Channel):
    name = "sms-api"
    settings: ClassVar[tuple[Setting, ...]] = (Setting("to", Type.TEXT_LIST, "Phones", ()),)


@pytest.fixture
def registry() -> Registry:
    registry = Registry()
    registry.add_platform(Shop, "test")
    registry.add_channel(Sms, "test")
    return registry


def test_plugin_settings_are_checked_against_declarations(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPCTL_TEST_RETRIES", "5")
    config = load_config(
        write(
            tmp_path,
            "accounts:\n"
            "  good: {plugin: shop-api, key: k, retries: '${SHOPCTL_TEST_RETRIES}'}\n"
            "  bad:\n    plugin: shop-api\n    retries: many\n    kee: k\n"
            "  other: {plugin: shop-apii}\n"
            "channels:\n  sms: {plugin: sms-api, to: [1]}\n",
        )
    )
    found = [(e.position.line, e.message) for e in validate_plugin_settings(config, registry)]  # type: ignore[union-attr]
    assert found == [
        (5, "`accounts.bad.retries` must be a whole number"),
        (6, "unknown setting `kee` in accounts.bad; did you mean `key`?"),
        (3, "accounts.bad needs the setting `key` (API key)"),
        (7, "unknown platform plugin `shop-apii`; did you mean `shop-api`?"),
        (9, "`channels.sms.to` must be a text or a list of texts"),
    ]
