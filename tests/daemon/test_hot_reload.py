"""Rule files edited while the daemon runs: broken ones are reported and keep their last
good version, the other rules keep their schedule, a fixed file resumes."""

from __future__ import annotations

import time
from pathlib import Path

from shopctl.daemon.heartbeat import read_beat
from tests.daemon.daemon_process import (
    BUMP_ALL,
    DaemonProject,
    make_project,
    start_daemon,
    wait_for,
)

POKE_ALL = BUMP_ALL.replace("bump-all", "poke-all").replace("[bump]", "[poke]")
BROKEN_POKE = POKE_ALL.replace('status == "active"', 'statuss == "active"')


def actions(effects: Path) -> list[str]:
    """The action of each effect, in order."""
    if not effects.exists():
        return []
    return [line.split("\t")[2] for line in effects.read_text(encoding="utf-8").splitlines()]


def test_a_broken_file_is_alerted_the_rest_runs_and_fixing_it_resumes(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL, count=3)
    extra = tmp_path / "rules" / "extra.yaml"
    extra.write_text(BROKEN_POKE, encoding="utf-8")
    daemon = start_daemon(project)
    try:
        # The broken file is alerted; the other file's rule runs on schedule.
        assert wait_for(lambda: actions(project.effects).count("bump") == 3)
        assert wait_for(lambda: "extra.yaml is invalid" in alerts(project.alerts))
        assert "statuss" in alerts(project.alerts)
        assert "poke" not in actions(project.effects)

        # Fixing it resumes its rule: a new `every` rule serves its current slot at once.
        extra.write_text(POKE_ALL, encoding="utf-8")
        assert wait_for(lambda: actions(project.effects).count("poke") == 3)

        # Breaking a file that worked keeps its last good rules scheduled.
        main = tmp_path / "rules" / "main.yaml"
        main.write_text(BUMP_ALL.replace("do: [bump]", "do: [bumpp]"), encoding="utf-8")
        assert wait_for(lambda: "main.yaml is invalid" in alerts(project.alerts))
        time.sleep(1.5)  # three heartbeats after the reload
        assert scheduled(project) == ["bump-all", "poke-all"]
    finally:
        assert daemon.stop() == 0, daemon.log
    assert "event=rules.broken" in daemon.log
    assert actions(project.effects).count("bump") == 3  # nothing ran twice


def alerts(path: Path) -> str:
    """Everything the alerts channel received."""
    return path.read_text(encoding="utf-8") if path.exists() else ""


def scheduled(project: DaemonProject) -> list[str]:
    """The rules the daemon's heartbeat says it has scheduled."""
    engine = project.engine()
    try:
        beat = read_beat(engine)
    finally:
        engine.dispose()
    return sorted(beat.info.get("next_runs", {})) if beat else []
