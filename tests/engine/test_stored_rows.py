"""Rows that keep stored values as read and convert them when a rule reads them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, MetaData, Table, Text, create_engine, insert, select

from shopctl.engine.stored_rows import RowShape, StoredRow
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
