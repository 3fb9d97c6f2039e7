"""One active daemon per store: a file lock on SQLite, an advisory lock on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from shopctl.daemon.lock import AdvisoryLock, FileLock, store_lock
from shopctl.errors import ShopctlError


def test_a_second_holder_of_the_file_lock_is_refused_until_the_first_lets_go(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db.daemon.lock"
    first, second = FileLock(path), FileLock(path)
    assert first.acquire() and first.held()
    assert not second.acquire() and not second.held()
    first.release()
    assert second.acquire()
    second.release()


def test_sqlite_stores_get_a_lock_file_next_to_the_database(sqlite_url: str) -> None:
    lock = store_lock(create_engine(sqlite_url))
    assert isinstance(lock, FileLock) and not lock.waits
    assert lock.path.name == "store.db.daemon.lock"


def test_an_in_memory_store_cannot_host_a_daemon() -> None:
    with pytest.raises(ShopctlError, match="in-memory"):
        store_lock(create_engine("sqlite://"))


@pytest.mark.postgres
def test_the_advisory_lock_is_held_by_one_session_and_freed_when_it_closes(
    postgres_url: str,
) -> None:
    one, two = create_engine(postgres_url), create_engine(postgres_url)
    try:
        first, second = store_lock(one), store_lock(two)
        assert isinstance(first, AdvisoryLock) and first.waits
        assert first.acquire() and first.held()
        assert not second.acquire()
        first.release()
        assert not first.held()
        assert second.acquire() and second.held()
        second.release()
    finally:
        one.dispose()
        two.dispose()
