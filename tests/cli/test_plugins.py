"""`shopctl plugins`: declarations per plugin, and plugins that failed to load."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopctl.cli.main import main
from shopctl.testing.entry_points import write_plugin_distribution

COUPONS = """
from shopctl import ActionResult, EntityType, Field, Param, Platform, Type, action, hookimpl

class Coupons(Platform):
    name = "coupons"
    version = "2.1"
    provides = ("coupon",)

    @action("coupon", params=(Param("days", Type.INTEGER), Param("note", Type.TEXT, default="")))
    def extend(self, request):
        '''Extend a coupon's validity.'''
        return ActionResult()

    @action("ad_group")
    def pause(self, request):
        '''Pause an ad group (the demo shop declares the same action).'''
        return ActionResult()

@hookimpl
def shopctl_entity_types():
    return [
        EntityType("coupon", (Field("id", Type.TEXT),)),
        EntityType("product", (Field("coupon_count", Type.INTEGER),)),
    ]

@hookimpl
def shopctl_platforms():
    return [Coupons]
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path holding a good and a broken third-party plugin."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)  # no shopctl.yaml here: plugins alone are listed
    (tmp_path / "shopctl_cli_coupons.py").write_text(COUPONS, encoding="utf-8")
    (tmp_path / "shopctl_cli_broken.py").write_text(
        "raise ImportError('needs the taobao SDK')\n", encoding="utf-8"
    )
    write_plugin_distribution(tmp_path, "coupons", "shopctl_cli_coupons", version="2.1")
    write_plugin_distribution(tmp_path, "broken", "shopctl_cli_broken")
    yield tmp_path
    for module in ("shopctl_cli_coupons", "shopctl_cli_broken"):
        sys.modules.pop(module, None)


def test_json_lists_each_plugin_with_its_declarations(site: Path) -> None:
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by_name = {p["name"]: p for p in data["plugins"]}
    coupons = by_name["coupons"]
    assert coupons["version"] == "2.1"
    assert coupons["platforms"] == ["coupons"]
    assert coupons["entity_types"] == ["coupon"]
    assert coupons["actions"][1]["name"] == "pause"  # shared with demo, listed by both
    assert "pause" in {a["name"] for a in by_name["demo"]["actions"]}
    assert coupons["actions"][:1] == [
        {
            "name": "extend",
            "on": ["coupon"],
            "params": [
                {"name": "days", "type": "integer", "required": True},
                {"name": "note", "type": "text", "required": False},
            ],
            "reversible": False,
            "customer_facing": False,
        }
    ]
    assert by_name["email"]["channels"] == ["email"]
    assert by_name["webhook"]["channels"] == ["webhook"]
    core = by_name["shopctl.builtins"]
    # The core declares product; the plugin only extends it.
    assert {"product", "customer", "ad_group"} <= set(core["entity_types"])
    assert {"notify", "message", "tag"} <= {a["name"] for a in core["actions"]}
    assert "days_since" in core["functions"]


def test_a_plugin_that_fails_on_import_is_named_and_the_rest_still_load(site: Path) -> None:
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["failed"] == [{"name": "broken", "error": "ImportError: needs the taobao SDK"}]
    assert "coupons" in {p["name"] for p in data["plugins"]}
    assert "plugin broken failed to load: ImportError: needs the taobao SDK" in result.stderr


def test_a_project_using_the_broken_plugin_still_gets_the_listing(site: Path) -> None:
    (site / "shopctl.yaml").write_text("accounts:\n  shop:\n    plugin: broken\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["failed"][0]["name"] == "broken"
    assert "unknown platform plugin 'broken'" in result.stderr


def test_table_shows_actions_with_parameters(site: Path) -> None:
    result = CliRunner().invoke(main, ["plugins"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "extend(days: integer, note: text?)" in result.stdout
    assert re.search(r"channel +│ webhook", result.stdout)
    assert "broken failed to load" in result.stderr


def test_allow_list_restricts_what_loads(site: Path) -> None:
    result = CliRunner().invoke(main, ["plugins", "--json"], env={"SHOPCTL_PLUGINS": "coupons"})
    names = {p["name"] for p in json.loads(result.stdout)["plugins"]}
    assert "coupons" in names
    assert "email" not in names and "broken" not in names


def test_installed_plugin_found_by_a_fresh_process(site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", "from shopctl.cli.main import main; main()", "plugins", "--json"],
        capture_output=True, text=True, env=env, cwd=site, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert "coupons" in {p["name"] for p in data["plugins"]}
    assert "broken" in done.stderr
