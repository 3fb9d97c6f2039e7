"""The alembic migrations create exactly the tables of `shopctl.store.tables`."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect

from shopctl.store.engine import alembic_config, create_store_engine, migrate
from shopctl.store.tables import metadata


def test_migrations_match_the_table_definitions(store_url: str) -> None:
    engine = create_store_engine(store_url)
    with engine.begin() as conn:
        migrate(conn)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_migrating_twice_changes_nothing_and_reaches_head(sqlite_url: str) -> None:
    engine = create_store_engine(sqlite_url)
    with engine.begin() as conn:
        migrate(conn)
    with engine.begin() as conn:
        migrate(conn)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
        assert set(inspect(conn).get_table_names()) == {*metadata.tables, "alembic_version"}


def test_downgrade_to_base_removes_the_tables_and_upgrade_restores_them(sqlite_url: str) -> None:
    engine = create_store_engine(sqlite_url)
    with engine.begin() as conn:
        migrate(conn)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["alembic_version"]
    with engine.begin() as conn:
        migrate(conn)
    with engine.connect() as conn:
        assert set(metadata.tables) <= set(inspect(conn).get_table_names())


def test_the_comparison_notices_a_column_missing_from_the_migrations(sqlite_url: str) -> None:
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["runs"].append_column(Column("priority", Integer))
    engine = create_store_engine(sqlite_url)
    with engine.begin() as conn:
        migrate(conn)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), drifted)
    assert [(d[0], d[3].name) for d in diff] == [("add_column", "priority")]
