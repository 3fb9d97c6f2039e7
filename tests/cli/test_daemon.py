"""`shopctl status`: the heartbeat, each scheduled rule's next run, failures, missed runs.

(`shopctl daemon` itself runs as a real process in tests/daemon/.)"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopctl.cli.main import main
from shopctl.config import load_config
from shopctl.daemon.heartbeat import Heartbeat
from shopctl.daemon.run_records import record_missed
from shopctl.daemon.slots import Due
from shopctl.project import Project
from tests.daemon.daemon_process import BUMP_ALL, HERE, DaemonProject, make_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DaemonProject:
    """A project on the counting platform with an hourly rule and an unscheduled one."""
    manual = "\n- rule: by-hand\n  on: product\n  when: price > 5\n  do: [bump]\n"
    written = make_project(tmp_path, BUMP_ALL + manual)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.syspath_prepend(str(HERE))
    return written


def status(project: DaemonProject, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(project.config), "status", *args])
    return result.exit_code, result.output


def test_status_before_any_daemon_ran(project: DaemonProject) -> None:
    code, output = status(project, "--json")
    data = json.loads(output)
    assert code == 0
    assert data["daemon"] is None and data["failures"] == [] and data["missed"] == []
    assert [r["rule"] for r in data["rules"]] == ["bump-all"]  # only scheduled rules
    assert data["rules"][0]["schedule"] == "every 1h" and data["rules"][0]["last_run"] is None
    assert data["rules"][0]["next_run"].endswith(":00:00+08:00")
    code, output = status(project)
    assert code == 0 and "never ran" in output and "bump-all" in output


def test_status_shows_a_stale_heartbeat_and_missed_runs(project: DaemonProject) -> None:
    opened = Project(load_config(project.config))
    try:
        now = opened.clock.now()
        Heartbeat(opened.engine, "shop-host:4242:abcd").start(now - timedelta(minutes=5), {})
        record_missed(opened.engine, "bump-all", [Due(now, "2026-05-04T18:00")], now)
    finally:
        opened.close()
    code, output = status(project, "--json")
    data = json.loads(output)
    assert code == 0
    assert data["daemon"]["state"] == "stale"
    assert (data["daemon"]["host"], data["daemon"]["pid"]) == ("shop-host", 4242)
    assert data["missed"][0]["slot"] == "2026-05-04T18:00"
    assert data["rules"][0]["last_run"]["outcome"] == "missed"
    code, output = status(project)
    assert "stale" in output and "Missed runs" in output
