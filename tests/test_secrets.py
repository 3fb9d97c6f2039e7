"""Secrets given as ${VAR} never reach logs, errors, --json output or the store."""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from shopctl.cli.main import main
from shopctl.testing.entry_points import write_plugin_distribution
from shopctl.testing.http import LocalHttpServer, Recorded, Reply

SECRETS = {
    "SHOP_API_KEY": "sk-live-7Hq2ZpX9mWv4LtR8",
    "HOOK_TOKEN": "hook-tok-5Yc8Nd3Kb1Qe",
    "HOOK_SECRET": "whsec-Jf6Ra0Ug2Mi9",
    "ROBOT_KEY": "robot-key-Vx4Pw7Ls2Dn8",
}

# The demo shop, with an API key it is given the way a real platform would be.
KEYED_DEMO = """
from shopctl import Setting, Type, hookimpl
from shopctl_plugins.demo.platform import DemoPlatform

class KeyedDemo(DemoPlatform):
    name = "keyed_demo"
    settings = DemoPlatform.settings + (Setting("api_key", Type.TEXT, "API key", secret=True),)

@hookimpl
def shopctl_platforms():
    return [KeyedDemo]
"""

RULES = """
- rule: watch-ad-groups
  on: ad_group
  when: bid > 0
  do:
    - notify(hook, "检查推广单元 {name}")
    - notify(ops, "检查推广单元 {name}")
  max_percent: 100%
  limit: 3
"""


def leaks(text: str) -> list[str]:
    """The secret names whose values appear in `text`."""
    return [name for name, value in SECRETS.items() if value in text]


def rejecting_gateway(request: Recorded) -> Reply:
    """A gateway that refuses the token and, carelessly, echoes it back."""
    token = request.headers.get("Authorization", "")
    return Reply(401, {"error": f"invalid credentials: {token}", "path": request.path})


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project whose account and channels take their secrets from the environment."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    site = tmp_path / "site"
    site.mkdir()
    (site / "shopctl_keyed_demo.py").write_text(KEYED_DEMO, encoding="utf-8")
    write_plugin_distribution(site, "keyed_demo", "shopctl_keyed_demo")
    monkeypatch.syspath_prepend(str(site))
    server = LocalHttpServer(rejecting_gateway).start()
    root = tmp_path / "project"
    (root / "rules").mkdir(parents=True)
    (root / "rules" / "watch.yaml").write_text(RULES, encoding="utf-8")
    (root / "shopctl.yaml").write_text(
        f"""
store: sqlite:///shopctl.db
timezone: Asia/Shanghai
rules: [rules/]
accounts:
  shop:
    plugin: keyed_demo
    seed: 7
    scale: 0.2
    api_key: ${{SHOP_API_KEY}}
channels:
  ops:
    plugin: console
    file: notifications.log
  hook:
    plugin: webhook
    url: {server.url}/hook/${{ROBOT_KEY}}
    token: ${{HOOK_TOKEN}}
    secret: ${{HOOK_SECRET}}
alerts: ops
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    yield root
    server.stop()
    sys.modules.pop("shopctl_keyed_demo", None)


def store_text(path: Path) -> str:
    """Every value of every column of every table in the SQLite store, as text."""
    parts = []
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                parts += [str(value) for value in row]
    return "\n".join(parts)


def test_no_secret_reaches_logs_output_errors_or_the_store(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    results: dict[str, Result] = {}
    for command in (
        ["plugins", "--json"],
        ["validate"],
        ["sync"],
        ["plan", "--json"],
        ["run", "--json", "watch-ad-groups"],
        ["history", "--json"],
        ["actions", "--json"],
    ):
        results[command[0]] = runner.invoke(main, command)
    run = results["run"]
    # The webhook refused every message: the run reports failures, the console got its lines.
    assert run.exit_code == 3, run.output
    assert "HTTP 401" in run.output + (results["actions"].stdout or "")
    assert "检查推广单元" in (project / "notifications.log").read_text(encoding="utf-8")

    for name, result in results.items():
        assert not leaks(result.stdout), f"{name} printed a secret"
        assert not leaks(result.stderr), f"{name} printed a secret on stderr"
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            assert not leaks(repr(result.exception)), f"{name} raised with a secret"
    assert not leaks(caplog.text), "a log record holds a secret"
    assert not leaks((project / "notifications.log").read_text(encoding="utf-8"))
    stored = store_text(project / "shopctl.db")
    assert "invalid credentials: Bearer ***" in stored  # the echoed token, masked
    assert not leaks(stored), "the store holds a secret"
    raw = b"".join(p.read_bytes() for p in project.glob("shopctl.db*"))
    assert not [n for n, v in SECRETS.items() if v.encode() in raw], "the store file holds one"


def test_a_missing_variable_is_named_without_showing_the_others(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOOK_TOKEN")
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "HOOK_TOKEN" in result.output
    assert not leaks(result.output)
