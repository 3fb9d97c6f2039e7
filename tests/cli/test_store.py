"""`shopctl store create`, and no other command creating a store the project had before."""

from __future__ import annotations

import os
from pathlib import Path

from tests.daemon.daemon_process import BUMP_ALL, make_project, shopctl


def test_a_lost_store_stops_every_command_until_store_create(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL)
    store = tmp_path / "store.db"
    assert shopctl(project, "sync").returncode == 0 and store.exists()
    store.unlink()
    for command in (("status",), ("sync",), ("run", "bump-all"), ("history",)):
        done = shopctl(project, *command)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr.strip().startswith(f"error: store {store} is missing"), done.stderr
        assert "Traceback" not in done.stderr and not store.exists()
    created = shopctl(project, "store", "create")
    assert created.returncode == 0, created.stderr
    assert f"created the store {store}, empty" in created.stdout and store.exists()
    assert shopctl(project, "status").returncode == 0


def test_store_create_refuses_a_store_that_exists(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL)
    assert shopctl(project, "store", "create").returncode == 0
    again = shopctl(project, "store", "create")
    assert again.returncode == 1
    store = tmp_path / "store.db"
    assert again.stderr.strip() == f"error: store {store} already exists; nothing was changed"


def test_a_hard_linked_store_is_refused_by_every_command(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL)
    assert shopctl(project, "sync").returncode == 0
    os.link(tmp_path / "store.db", tmp_path / "backup.db")
    done = shopctl(project, "status")
    assert done.returncode == 1 and "has 2 names (hard links)" in done.stderr
    assert "Traceback" not in done.stderr
