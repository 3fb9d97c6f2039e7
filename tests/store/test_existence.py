"""A SQLite store is created once per project; a missing, linked, replaced or read-only
store is named, never silently replaced by an empty one."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from subprocess import run

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from shopctl.plugins import load_plugins
from shopctl.store.engine import open_store
from shopctl.store.existence import (
    StoreFile,
    StoreLinked,
    StoreMissing,
    forget_created,
    may_create,
    recorded,
    sqlite_file,
)


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """The project's state folder, where created stores are recorded."""
    return tmp_path / ".shopctl"


def test_only_file_based_sqlite_urls_have_a_store_file(tmp_path: Path) -> None:
    assert sqlite_file(f"sqlite:///{tmp_path / 'a.db'}") == tmp_path / "a.db"
    assert sqlite_file("sqlite://") is None
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://u@h/db") is None


def test_a_new_store_may_be_created_once_then_its_loss_is_an_error(
    tmp_path: Path, records: Path
) -> None:
    url, path = f"sqlite:///{tmp_path / 'shop.db'}", tmp_path / "shop.db"
    open_store(url, load_plugins().registry, records=records).dispose()
    assert path.exists() and str(path.resolve()) in recorded(records)
    path.unlink()
    with pytest.raises(StoreMissing, match=r"shop\.db is missing; this project created it on "):
        may_create(path, records)
    assert not path.exists()
    forget_created(path, records)  # what `shopctl store create` does
    assert may_create(path, records)


def test_a_store_made_before_the_record_existed_is_recorded_when_opened(
    tmp_path: Path, records: Path
) -> None:
    path = tmp_path / "old.db"
    open_store(f"sqlite:///{path}", load_plugins().registry).dispose()  # no records kept
    assert not may_create(path, records)
    assert str(path.resolve()) in recorded(records)


def test_an_engine_never_recreates_a_store_deleted_under_it(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    engine = open_store(f"sqlite:///{path}", load_plugins().registry)
    try:
        engine.dispose()  # the next checkout opens a new connection
        path.unlink()
        failed = pytest.raises(OperationalError, match="unable to open database file")
        with failed, engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert not path.exists()
    finally:
        engine.dispose()


def test_sqlite_memory_mapping_is_off(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'm.db'}", load_plugins().registry)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA mmap_size")).scalar() == 0
    finally:
        engine.dispose()


def test_a_store_with_a_hard_link_is_refused(tmp_path: Path, records: Path) -> None:
    path = tmp_path / "shop.db"
    path.write_bytes(b"")
    os.link(path, tmp_path / "other.db")
    with pytest.raises(StoreLinked, match="has 2 names"):
        may_create(path, records)


def test_a_symlink_to_the_store_is_the_same_store(tmp_path: Path, records: Path) -> None:
    path = tmp_path / "shop.db"
    path.write_bytes(b"")
    (tmp_path / "alias.db").symlink_to(path)
    assert not may_create(path, records) and not may_create(tmp_path / "alias.db", records)
    assert list(recorded(records)) == [str(path.resolve())]


def test_a_store_file_names_what_happened_to_it(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    path.write_bytes(b"x")
    store = StoreFile.of(path)
    assert store.problem() is None
    path.chmod(0o444)
    assert "turned read-only" in (store.problem() or "")
    path.chmod(0o644)
    tmp_path.chmod(0o555)
    try:
        assert f"({tmp_path} cannot be written)" in (store.problem() or "")
    finally:
        tmp_path.chmod(0o755)
    os.link(path, tmp_path / "link.db")
    assert "got a second name" in (store.problem() or "")
    (tmp_path / "link.db").unlink()
    shutil.copyfile(path, tmp_path / "copy.db")
    (tmp_path / "copy.db").replace(path)
    assert "was replaced by another file" in (store.problem() or "")
    path.unlink()
    assert store.problem() == f"store {path} was deleted"


def test_a_project_folder_that_cannot_keep_the_record_still_opens_its_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    folder.chmod(0o555)
    frozen = os.geteuid() == 0 and run(["chattr", "+i", str(folder)], check=False).returncode == 0
    try:
        if os.geteuid() == 0 and not frozen:
            pytest.skip("root writes any folder and chattr +i is not permitted here")
        with caplog.at_level(logging.WARNING, logger="shopctl.store"):
            url = f"sqlite:///{tmp_path / 'shop.db'}"
            open_store(url, load_plugins().registry, records=folder / ".shopctl")
    finally:
        if frozen:
            run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
    assert (tmp_path / "shop.db").exists() and not (folder / ".shopctl").exists()
    assert "a later loss of" in caplog.text and "will not be noticed" in caplog.text


def test_a_store_path_with_uri_characters_opens_as_itself(tmp_path: Path) -> None:
    path = tmp_path / "my shop #1.db"  # a '?' would start the URL's query
    engine = open_store(f"sqlite:///{path}", load_plugins().registry)
    engine.dispose()
    assert path.exists() and [p.name for p in tmp_path.iterdir()] == [path.name]
