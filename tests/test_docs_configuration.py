"""The example in docs/configuration.md is a valid configuration."""

import re
from pathlib import Path

import pytest

from shopctl.config import load_config, validate_plugin_settings
from shopctl.plugins import load_plugins

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_the_documented_example_loads_and_its_settings_fit_the_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert example is not None
    (tmp_path / "rules").mkdir()
    path = tmp_path / "shopctl.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    monkeypatch.setenv("SMS_TOKEN", "s3cret")
    config = load_config(path)
    assert config.defaults.max_percent == 0.5
    assert config.defaults.caps.per_30_days == 4
    assert config.secrets() == ["s3cret"]
    registry = load_plugins(allowed={"demo", "console", "webhook"}).registry
    assert validate_plugin_settings(config, registry) == []
