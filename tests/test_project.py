"""A project checks an account's settings against its plugin before creating it."""

from pathlib import Path

import pytest

from shopctl.config import build_config
from shopctl.errors import ConfigErrors
from shopctl.plugins import load_plugins
from shopctl.project import Project


def test_an_account_with_a_misspelt_setting_is_refused_before_the_platform_starts(
    tmp_path: Path,
) -> None:
    config = build_config(
        {"accounts": {"shop": {"plugin": "demo", "sede": 7}}}, tmp_path / "shopctl.yaml"
    )
    project = Project(config, plugins=load_plugins(allowed={"demo"}))
    with pytest.raises(ConfigErrors, match=r"unknown setting `sede` in accounts\.shop") as err:
        project.platform("shop")
    assert "did you mean `seed`" in str(err.value)


def test_a_channel_missing_a_required_setting_is_refused(tmp_path: Path) -> None:
    config = build_config({"channels": {"mail": {"plugin": "email"}}}, tmp_path / "shopctl.yaml")
    project = Project(config, plugins=load_plugins(allowed={"email"}))
    with pytest.raises(ConfigErrors, match=r"channels\.mail needs the setting `host`"):
        project.channel("mail")
