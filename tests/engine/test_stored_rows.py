"""Rows that keep stored values as read and convert them when a rule reads them."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest
from sqlalchemy import Boolean, Column, MetaData, Table, Text, create_engine, insert, select

from shopctl.engine.stored_rows import RowShape, StoredRow, collector_paused
from shopctl.store.columns import JsonText, UtcDateTime


def test_timestamps_and_lists_are_converted_when_read() -> None:
    table = Table(
        "t", MetaData(), Column("id", Text), Column("at", UtcDateTime), Column("tags", JsonText)
    )
    engine = create_engine("sqlite://")
    table.create(engine)
    moment = datetime(2026, 3, 1, 4, 5, 6, 7, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": "a", "at": moment, "tags": ["新", "x"]}])
    columns = [table.c.id, table.c.at, table.c.tags]
    shape = RowShape(["id", "at", "tags"], columns, engine.dialect)
    with engine.connect() as conn:
        raw = conn.execute(select(*shape.select(columns))).one()
    row = StoredRow(shape, tuple(raw))
    assert isinstance(raw[1], str)  # kept as the driver returned it
    assert row == {"id": "a", "at": moment, "tags": ["新", "x"]}
    assert row["at"].tzinfo is UTC
    with pytest.raises(KeyError):
        row["title"]
    assert row.get("title") is None


def test_booleans_are_converted_when_read() -> None:
    table = Table("t", MetaData(), Column("id", Text), Column("flag", Boolean))
    engine = create_engine("sqlite://")
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": "a", "flag": True}])
    columns = [table.c.id, table.c.flag]
    shape = RowShape(["id", "flag"], columns, engine.dialect)
    with engine.connect() as conn:
        raw = conn.execute(select(*shape.select(columns))).one()
    assert raw[1] == 1 and raw[1] is not True  # SQLite's integer, as the driver gave it
    assert StoredRow(shape, tuple(raw))["flag"] is True


def test_the_collector_is_paused_only_inside() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("a failure inside still restores it")
    assert gc.isenabled()


def test_a_paused_collector_stays_paused_for_whoever_paused_it() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
