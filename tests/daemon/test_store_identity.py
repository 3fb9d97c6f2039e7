"""One active daemon per store, however the store is named: a second daemon reaching it
through a symlink, a hard link or past a deleted lock file refuses to start and acts on
nothing (issue 17: the hard-link daemon re-ran the slot and sent 38 duplicates)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shopctl.daemon.heartbeat import Heartbeat
from tests.daemon.daemon_process import (
    BUMP_ALL,
    DaemonProject,
    make_project,
    start_daemon,
    wait_for,
)
from tests.daemon.test_single_daemon import daemon_pid

PRODUCTS = 12
# `poke` knows no idempotency keys: a second daemon acting would show as duplicates.
POKE_ALL = BUMP_ALL.replace("bump-all", "poke-all").replace("[bump]", "[poke]")


def second_name(project: DaemonProject, how: str) -> DaemonProject:
    """The same project and store, the store named another way (`how`)."""
    if how == "deleted lock file":
        (project.root / "store.db.daemon.lock").unlink()
        return project
    other = project.root / "other"
    other.mkdir()
    name = other / "store.db"
    if how == "symlink":
        name.symlink_to(project.root / "store.db")
    else:
        os.link(project.root / "store.db", name)
    (other / "site").symlink_to(project.root / "site", target_is_directory=True)
    shutil.copytree(project.root / "rules", other / "rules")
    store = f"sqlite:///{name}"
    text = project.config.read_text(encoding="utf-8").replace(project.store, store)
    (other / "shopctl.yaml").write_text(text, encoding="utf-8")
    return DaemonProject(other, store)


REFUSED = "another daemon is already running on this store"


@pytest.mark.parametrize("how", ["symlink", "deleted lock file"])
def test_a_second_daemon_on_the_same_store_refuses_to_start_and_sends_nothing(
    tmp_path: Path, how: str
) -> None:
    project = make_project(tmp_path, POKE_ALL, count=PRODUCTS, delay=0.2)
    first = start_daemon(project)
    try:
        assert wait_for(lambda: daemon_pid(project) == first.pid)
        assert wait_for(lambda: sum(project.effect_counts().values()) >= 1)
        second = start_daemon(second_name(project, how))
        assert second.wait(timeout=30) == 1, second.log
        assert REFUSED in second.log and f"pid {first.pid}" in second.log
        if how == "deleted lock file":  # past the lock: the store's lease refused it
            assert "event=daemon.lease_check" in second.log
        assert "event=daemon.active" not in second.log
        assert wait_for(lambda: sum(project.effect_counts().values()) == PRODUCTS, timeout=30)
        assert first.alive()
    finally:
        assert first.stop() == 0, first.log
    assert "lease_lost" not in first.log
    counts = project.effect_counts()
    assert sorted(counts) == [f"p{n:03d}" for n in range(1, PRODUCTS + 1)]
    assert set(counts.values()) == {1}, counts
    assert [run["outcome"] for run in project.runs("poke-all")] == ["acted"]


def test_a_daemon_restarted_after_kill_9_takes_the_dead_ones_lease(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL)
    # A slow beat (stale only after ~10 s), so the lease is still fresh when the second
    # daemon starts, however loaded the machine.
    first = start_daemon(project, "--heartbeat", "3")
    assert wait_for(lambda: sum(project.effect_counts().values()) == 5)
    first.kill()
    second = start_daemon(project)
    try:
        # The dead daemon's beat is fresh: the new one watches it, sees no beat, takes over.
        assert wait_for(lambda: daemon_pid(project) == second.pid, timeout=30), second.log
    finally:
        assert second.stop() == 0, second.log
    assert "event=daemon.lease_check" in second.log
    counts = project.effect_counts()
    assert len(counts) == 5 and set(counts.values()) == {1}, counts


def test_a_hard_link_to_the_store_is_refused_and_stops_the_daemon_using_it(
    tmp_path: Path,
) -> None:
    # SQLite keeps the write-ahead log by name: through a hard link a daemon would see
    # none of the first one's recent writes (its runs, its lease) and act again.
    project = make_project(tmp_path, POKE_ALL, count=PRODUCTS, delay=0.2)
    first = start_daemon(project)
    assert wait_for(lambda: daemon_pid(project) == first.pid)
    assert wait_for(lambda: sum(project.effect_counts().values()) >= 1)
    second = start_daemon(second_name(project, "hard link"))
    assert second.wait(timeout=30) == 1, second.log
    assert "has 2 names (hard links)" in second.log and "Traceback" not in second.log
    assert "event=daemon.active" not in second.log
    assert first.wait(timeout=20) == 1, first.log
    assert "event=daemon.store_lost" in first.log and "got a second name" in first.log
    assert "got a second name" in project.alerts.read_text(encoding="utf-8")
    counts = project.effect_counts()
    assert sum(counts.values()) < PRODUCTS and set(counts.values()) == {1}, counts


def test_a_daemon_whose_lease_is_taken_stops_acting_mid_batch(tmp_path: Path) -> None:
    project = make_project(tmp_path, POKE_ALL, count=PRODUCTS, delay=0.3)
    daemon = start_daemon(project)
    assert wait_for(lambda: sum(project.effect_counts().values()) >= 2)
    engine = project.engine()
    try:
        Heartbeat(engine, "elsewhere:4242:abcd").start(datetime.now(UTC), {"state": "running"})
    finally:
        engine.dispose()
    assert daemon.wait(timeout=20) == 1, daemon.log
    assert "event=daemon.lease_lost" in daemon.log and "pid 4242" in daemon.log
    assert "another daemon took" in project.alerts.read_text(encoding="utf-8")
    counts = project.effect_counts()
    assert sum(counts.values()) < PRODUCTS and set(counts.values()) == {1}, counts
    assert project.intent_statuses()["done"] == sum(counts.values())
