"""Opening the store: the engine, SQLite tuned for one long-lived writer, migrations.

`open_store` runs the alembic migrations of the fixed tables, then creates the entity
and metric tables of every declared entity type and adds the columns of newly
declared fields. Opening the same store with the same declarations again in one
process returns the engine already made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool

from shopctl.registry import Registry
from shopctl.store import migrations
from shopctl.store.entities import EntityTables
from shopctl.store.existence import may_create, record_created, sqlite_file, sqlite_uri

BUSY_TIMEOUT_MS = 30_000
SCHEMA_LOCK = 0x73686F70  # PostgreSQL advisory lock held while creating tables
# Read-only work on SQLite may opt out of BEGIN IMMEDIATE, so a long query does not
# hold the write lock: `engine.connect().execution_options(**READ_ONLY)`.
READ_ONLY = {"shopctl_read_only": True}
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",  # 64 MB page cache: bulk upserts touch many index pages
    # No memory-mapped database I/O: a store truncated or replaced under a mapping
    # would end the process with SIGBUS instead of an error it can report.
    "PRAGMA mmap_size=0",
)

_opened: dict[str, Engine] = {}
_ensured: set[tuple[int, str]] = set()  # (engine, registry fingerprint) with its tables
_lock = Lock()


def open_store(url: str, registry: Registry, records: Path | None = None) -> Engine:
    """The engine of the store at `url`, migrated, with every entity and metric table.

    With `records` (the project's state folder) a SQLite file the project created before
    is never created again: its absence is an error (see `shopctl.store.existence`).
    """
    return with_entity_tables(connect_store(url, records), registry)


def connect_store(url: str, records: Path | None = None) -> Engine:
    """The engine of the store at `url` with its fixed tables migrated (one per URL)."""
    with _lock:
        engine = _opened.get(url)
        if engine is None:
            path = sqlite_file(url)
            create = path is not None and may_create(path, records)
            engine = create_store_engine(url, create=create)
            with engine.begin() as conn:
                _lock_schema(conn)
                migrate(conn)
            if create and records is not None and path is not None:
                record_created(path, records)
            if not _is_memory(url):
                _opened[url] = engine
        return engine


def with_entity_tables(engine: Engine, registry: Registry) -> Engine:
    """`engine`, once its store holds a table for every entity type `registry` declares."""
    key = (id(engine), _fingerprint(registry))
    with _lock:
        if key not in _ensured:
            with engine.begin() as conn:
                _lock_schema(conn)
                ensure_entity_tables(conn, EntityTables(registry))
            if not _is_memory(str(engine.url)):  # a memory engine's id may be reused
                _ensured.add(key)
    return engine


def _lock_schema(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # Two processes opening a new store must not both create its tables.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def create_store_engine(url: str, create: bool = True) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and immediate transactions.

    A SQLite file is created by the engine's first connection only when `create`; every
    later connection opens it with mode=rw, so a store deleted under a running process
    is never silently replaced by an empty one.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    options: dict[str, Any] = {}
    if _is_memory(url):
        # One shared connection, or every checkout would see a new empty database.
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **options)
    path = sqlite_file(url)
    if path is not None:
        event.listen(engine, "do_connect", _never_create(path, create))
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def migrate(conn: Connection) -> None:
    """Upgrade the fixed tables to the newest alembic revision (cheap when current)."""
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    if MigrationContext.configure(conn).get_current_revision() == head:
        return
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def alembic_config() -> AlembicConfig:
    """An alembic config pointing at the packaged migrations; no alembic.ini needed."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def ensure_entity_tables(conn: Connection, tables: EntityTables) -> None:
    """Create missing entity/metric tables and add columns for newly declared fields."""
    existing = set(inspect(conn).get_table_names())
    tables.metadata.create_all(conn, tables=[t for t in tables.tables() if t.name not in existing])
    ops = Operations(MigrationContext.configure(conn))
    for table in tables.tables():
        if table.name not in existing:
            continue
        present = {c["name"] for c in inspect(conn).get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                ops.add_column(table.name, Column(column.name, column.type))


def _never_create(path: Path, create: bool) -> Callable[..., None]:
    allowed = [create]

    def connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        cargs[:1] = [sqlite_uri(path, allowed[0])]
        cparams["uri"] = True
        allowed[0] = False  # only the first connection may create the file

    return connect


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    # Taking the write lock up front means two writers queue on busy_timeout instead
    # of both reading, then one failing with "database is locked" on upgrade.
    deferred = conn.get_execution_options().get("shopctl_read_only")
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def _is_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _fingerprint(registry: Registry) -> str:
    tables = EntityTables(registry)
    shape = sorted(
        (t.name, tuple((c.name, repr(c.type)) for c in t.columns)) for t in tables.tables()
    )
    return hashlib.sha256(repr(shape).encode()).hexdigest()
