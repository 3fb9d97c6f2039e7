"""One active daemon per store: SQLite refuses a second one, PostgreSQL keeps it standing
by and hands over when the active one dies."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopctl.daemon.heartbeat import read_beat
from tests.daemon.daemon_process import (
    BUMP_ALL,
    DaemonProject,
    make_project,
    start_daemon,
    wait_for,
)


def daemon_pid(project: DaemonProject) -> int | None:
    """The pid in the store's heartbeat, while it says the daemon runs."""
    engine = project.engine()
    try:
        beat = read_beat(engine)
    except Exception:  # the daemon has not created the tables yet
        return None
    finally:
        engine.dispose()
    return beat.pid if beat and beat.info.get("state") == "running" else None


def test_a_second_daemon_on_a_sqlite_store_exits_naming_the_first(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL)
    first = start_daemon(project)
    try:
        assert wait_for(lambda: daemon_pid(project) == first.pid)
        second = start_daemon(project)
        assert second.wait(timeout=20) == 1
        assert "another daemon is already running on this store" in second.log
        assert f"pid {first.pid}" in second.log
        assert first.alive()
    finally:
        assert first.stop() == 0


@pytest.mark.postgres
def test_two_daemons_on_postgresql_run_each_slot_once_and_hand_over(
    tmp_path: Path, postgres_url: str
) -> None:
    project = make_project(tmp_path, BUMP_ALL, store=postgres_url)
    first = start_daemon(project)
    assert wait_for(lambda: daemon_pid(project) == first.pid)
    second = start_daemon(project)
    try:
        assert wait_for(lambda: "event=daemon.standby" in second.log)
        assert wait_for(lambda: sum(project.effect_counts().values()) == 5)
        first.kill()
        assert wait_for(lambda: daemon_pid(project) == second.pid, timeout=30)
    finally:
        assert second.stop() == 0
    assert "event=daemon.active" in second.log and "took_over=true" in second.log
    assert set(project.effect_counts().values()) == {1}
    runs = project.runs("bump-all")
    assert len(runs) == 1 and runs[0]["outcome"] == "acted"
