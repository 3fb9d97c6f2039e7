"""A store that goes away under a running daemon: deleted, replaced, made read-only.

The daemon notices at its next beat, alerts, and exits 1 with the reason in its log;
it never dies of SIGBUS, and no command creates an empty store in the old one's place
(issue 17: after a restart all 120 products were notified again inside their cooldown).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.daemon.daemon_process import (
    BUMP_ALL,
    DaemonProject,
    make_project,
    shopctl,
    start_daemon,
    wait_for,
)
from tests.daemon.test_single_daemon import daemon_pid


def running(tmp_path: Path) -> tuple[DaemonProject, Path]:
    """A project whose store lives in `data/`, and its store file."""
    data = tmp_path / "data"
    data.mkdir()
    store = data / "store.db"
    return make_project(tmp_path, BUMP_ALL, store=f"sqlite:///{store}"), store


def replace_file(store: Path) -> None:
    """Put a copy in the store's place: same content, another file."""
    copy = store.with_name("copy.db")
    shutil.copyfile(store, copy)
    copy.replace(store)


def ends_with(project: DaemonProject, damage: Callable[[], None], reason: str) -> str:
    """Start a daemon, let it act, `damage` the store: it exits 1 saying `reason`."""
    daemon = start_daemon(project)
    assert wait_for(lambda: daemon_pid(project) == daemon.pid)
    assert wait_for(lambda: sum(project.effect_counts().values()) == 5)
    damage()
    code = daemon.wait_or_kill(timeout=20)
    assert code == 1, (code, daemon.log)  # SIGBUS would be 135 or -7
    assert "event=daemon.store_lost" in daemon.log and reason in daemon.log
    assert "Traceback" not in daemon.log and "Fatal Python error" not in daemon.log
    assert reason in project.alerts.read_text(encoding="utf-8")
    return daemon.log


def test_a_deleted_store_ends_the_daemon_and_is_never_created_again(tmp_path: Path) -> None:
    project, store = running(tmp_path)
    ends_with(project, store.unlink, "was deleted")
    assert not store.exists()
    status = shopctl(project, "status")
    assert status.returncode == 1
    assert f"store {store} is missing" in status.stderr and "shopctl store create" in status.stderr
    assert "Traceback" not in status.stderr
    assert not store.exists()
    again = start_daemon(project)
    assert again.wait(timeout=30) == 1 and "is missing" in again.log
    assert not store.exists()


def test_a_replaced_store_ends_the_daemon(tmp_path: Path) -> None:
    project, store = running(tmp_path)
    ends_with(project, lambda: replace_file(store), "was replaced by another file")


@pytest.fixture
def restore_modes() -> Iterator[list[Path]]:
    """Paths whose write bits a test takes away, given back so tmp_path can be removed."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_store_made_read_only_ends_the_daemon_without_sigbus(
    tmp_path: Path, where: str, restore_modes: list[Path]
) -> None:
    project, store = running(tmp_path)
    target = store if where == "file" else store.parent
    restore_modes.append(target)
    ends_with(project, lambda: target.chmod(0o555 if target.is_dir() else 0o444), "read-only")


def chattr_works(probe: Path) -> bool:
    """Whether this process may make files immutable here (root, a filesystem that can)."""
    probe.touch()
    try:
        done = subprocess.run(["chattr", "+i", str(probe)], capture_output=True, check=False)
    except FileNotFoundError:
        return False
    if done.returncode == 0:
        subprocess.run(["chattr", "-i", str(probe)], check=True)
    return done.returncode == 0


def test_an_immutable_store_ends_the_daemon(tmp_path: Path) -> None:
    # chattr +i denies writes even to root, whom plain write bits do not stop.
    if not chattr_works(tmp_path / "probe"):
        pytest.skip("chattr +i is not permitted here (needs root and ext4/xfs/btrfs)")
    project, store = running(tmp_path)
    try:
        freeze = ["chattr", "+i", str(store)]
        ends_with(project, lambda: subprocess.run(freeze, check=True), "read-only")
    finally:
        subprocess.run(["chattr", "-i", str(store)], check=False)
