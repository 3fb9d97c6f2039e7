"""open_store: SQLite pragmas, immediate transactions for writers, caching, PostgreSQL."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, event, inspect, text

from shopctl.registry import Registry
from shopctl.store.engine import READ_ONLY, create_store_engine, open_store


def test_sqlite_is_set_up_for_a_long_lived_writer(sqlite_url: str, registry: Registry) -> None:
    engine = open_store(sqlite_url, registry)
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == 30_000
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL


def test_open_store_creates_every_table(store_url: str, registry: Registry) -> None:
    engine = open_store(store_url, registry)
    names = set(inspect(engine).get_table_names())
    assert {"sync_state", "runs", "intents", "heartbeat", "alembic_version"} <= names
    assert {"entity_customer", "entity_order", "metric_product", "metric_ad_group"} <= names
    assert "metric_customer" not in names  # customers have no daily metrics
    engine.dispose()


def test_opening_again_returns_the_same_engine_without_touching_the_database(
    sqlite_url: str, registry: Registry
) -> None:
    first = open_store(sqlite_url, registry)
    statements: list[str] = []
    event.listen(first, "before_cursor_execute", lambda *args: statements.append(args[2]))
    assert open_store(sqlite_url, registry) is first
    assert statements == []


def _counter(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))


def test_two_writers_queue_instead_of_failing(sqlite_url: str, registry: Registry) -> None:
    # Read-then-write in deferred transactions would fail with "database is locked"
    # when both read first; BEGIN IMMEDIATE makes the second wait its turn.
    open_store(sqlite_url, registry)
    engines = [create_store_engine(sqlite_url) for _ in range(2)]
    _counter(engines[0])
    errors: list[Exception] = []

    def bump(engine: Engine) -> None:
        try:
            for _ in range(20):
                with engine.begin() as conn:
                    n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                    time.sleep(0.001)
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 40


def test_readers_can_opt_out_of_the_write_lock(sqlite_url: str, registry: Registry) -> None:
    writer, reader = (create_store_engine(sqlite_url) for _ in range(2))
    _counter(writer)
    done = threading.Event()
    with writer.begin() as conn:
        conn.execute(text("UPDATE counter SET n = 5"))

        def read() -> None:
            with reader.connect().execution_options(**READ_ONLY) as rconn:
                assert rconn.execute(text("SELECT n FROM counter")).scalar_one() == 0
            done.set()

        thread = threading.Thread(target=read)
        thread.start()
        assert done.wait(5), "a read-only reader waited for the writer"
        thread.join()
