"""`shopctl validate`: every error in one pass, compiler-style or as JSON, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from shopctl.cli.main import main

CONFIG = """\
timezone: Asia/Shanghai
rules: [rules/]
accounts:
  shop:
    plugin: demo
channels:
  ops:
    plugin: console
"""
GOOD = """\
- rule: low-stock
  description: 库存预警
  on: product
  every: 1h
  when: stock < 5 and status == "active"
  do:
    - notify(ops, "库存不足 {title}")
"""
TEXT_GOOD = 'rule gold on customer when tier == "gold" do tag("gold")\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (the working directory) with a valid config and rule file."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "shopctl.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "rules" / "stock.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHOPCTL_CONFIG", raising=False)
    return tmp_path


def validate(*args: str) -> Result:
    return CliRunner().invoke(main, ["validate", *args], catch_exceptions=False)


def test_a_valid_project_exits_0_with_a_one_line_summary(project: Path) -> None:
    (project / "rules" / "more.rules").write_text(TEXT_GOOD, encoding="utf-8")
    result = validate()
    assert result.exit_code == 0
    assert result.output == "ok: 2 rule(s) in 2 file(s)\n"


def test_errors_of_every_file_with_source_line_and_caret_then_exit_1(project: Path) -> None:
    (project / "rules" / "stock.yaml").write_text(
        GOOD.replace("stock < 5", "stok < 5"), encoding="utf-8"
    )
    (project / "rules" / "vip.rules").write_text(
        'rule gold on customer\n  when tier == "gold" and\n  do tag("gold")\n', encoding="utf-8"
    )
    result = validate()
    assert result.exit_code == 1
    assert result.output == (
        "rules/stock.yaml:5:9: error: unknown field `stok` on product; did you mean `stock`?\n"
        '      when: stok < 5 and status == "active"\n'
        "            ^^^^\n"
        "rules/vip.rules:3:3: error: expected a value after 'and', before 'do'\n"
        '      do tag("gold")\n'
        "      ^^\n"
        "2 error(s)\n"
    ).replace("rules/", str(project / "rules") + "/")


def test_json_has_the_fixed_shape(project: Path) -> None:
    (project / "rules" / "stock.yaml").write_text(GOOD.replace("every: 1h", "every: 1s"))
    result = validate("--json")
    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "errors": [
            {
                "path": str(project / "rules" / "stock.yaml"),
                "line": 4,
                "column": 10,
                "message": "'1s' is not a duration; write e.g. 15m, 12h, 30d or 2w",
            }
        ]
    }
    (project / "rules" / "stock.yaml").write_text(GOOD)
    result = validate("--json")
    assert (result.exit_code, json.loads(result.output)) == (0, {"errors": []})


def test_given_paths_are_validated_instead_of_the_configured_rules(project: Path) -> None:
    (project / "rules" / "stock.yaml").write_text("broken: [\n")
    other = project / "other.rules"
    other.write_text(TEXT_GOOD)
    result = validate(str(other))
    assert (result.exit_code, result.output) == (0, "ok: 1 rule(s) in 1 file(s)\n")
    result = validate(str(project / "nope.yaml"))
    assert result.exit_code == 1
    assert "nope.yaml:1:1: error: no such rule file or folder" in result.output


def test_config_errors_are_reported_too_never_a_secret(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPCTL_TEST_HOOK", "hunter2-secret")
    (project / "shopctl.yaml").write_text(
        CONFIG.replace(
            "    plugin: console\n", "    plugin: console\n    colour: ${SHOPCTL_TEST_HOOK}\n"
        )
        + "alerts: opps\n"
    )
    result = validate()
    assert result.exit_code == 1
    assert (
        "shopctl.yaml:10:9: error: `alerts`: unknown channel `opps`; did you mean `ops`?"
        in result.output
    )
    monkeypatch.delenv("SHOPCTL_TEST_HOOK")
    result = validate("--json")
    messages = [e["message"] for e in json.loads(result.output)["errors"]]
    assert (
        "environment variable `SHOPCTL_TEST_HOOK` is not set (needed by `channels.ops.colour`)"
        in messages
    )
    assert "hunter2" not in result.output


def test_plugin_settings_are_validated(project: Path) -> None:
    (project / "shopctl.yaml").write_text(CONFIG.replace("plugin: console", "plugin: consol"))
    result = validate("--json")
    assert result.exit_code == 1
    (error,) = json.loads(result.output)["errors"]
    assert error["message"] == "unknown channel plugin `consol`; did you mean `console`?"
    assert (error["line"], error["column"]) == (8, 13)


def test_without_a_config_given_files_are_checked_on_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHOPCTL_CONFIG", raising=False)
    (tmp_path / "a.rules").write_text(TEXT_GOOD)
    assert validate("a.rules").output == "ok: 1 rule(s) in 1 file(s)\n"
    result = validate()
    assert result.exit_code == 1
    assert "cannot read" in result.output
