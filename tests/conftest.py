"""Fixtures shared by the whole suite: store URLs for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ENV = "SHOPCTL_TEST_POSTGRES"
"""A server URL such as postgresql+psycopg://postgres@127.0.0.1:5432/postgres; each test
that asks for it gets a fresh database there, dropped afterwards."""


def postgres_server() -> str | None:
    """The PostgreSQL server tests may create databases on, if one is configured."""
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite store file."""
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped after the test."""
    server = postgres_server()
    if server is None:
        pytest.skip(f"no PostgreSQL configured: set {POSTGRES_ENV} to run against one")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"shopctl_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh store on each supported database: the engine tests run on both."""
    return request.getfixturevalue(f"{request.param.replace('postgresql', 'postgres')}_url")
