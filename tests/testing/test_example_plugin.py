"""The example third-party plugin, installed like any other, shows up and passes its suite.

CI installs it first (`pip install examples/shopctl-example-platform`); without it these
tests skip, saying so.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopctl.cli.main import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "shopctl-example-platform"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("shopctl_example_platform") is None,
    reason="the example plugin is not installed: pip install examples/shopctl-example-platform",
)


def test_the_installed_example_shows_up_in_shopctl_plugins(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    example = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}["example"]
    assert example["version"] == "0.1.0"
    assert example["platforms"] == ["example"]
    assert [a["name"] for a in example["actions"]] == ["set_price"]


def test_the_example_passes_its_own_tests_and_the_contract_suite() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "tests"],
        cwd=EXAMPLE, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TestExamplePlatform::test_each_action_performs_and_reverses PASSED" in done.stdout
    assert (
        "TestExamplePlatform::test_fetch_yields_records_of_the_declared_types PASSED" in done.stdout
    )
