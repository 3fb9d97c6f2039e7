"""Bulk upserts write exactly what SQLAlchemy would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Column, Date, Float, MetaData, Table, Text, select
from sqlalchemy.dialects import sqlite

from shopctl.store.columns import JsonText, UtcDateTime
from shopctl.store.engine import create_store_engine
from shopctl.store.upsert import _storage, bulk_upsert

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seen_at", UtcDateTime),
    Column("day", Date),
    Column("tags", JsonText),
    Column("price", Float(precision=53)),
    Column("active", Boolean),
    Column("note", Text),
)


def write(url: str, rows: list[dict[str, object]], keep: tuple[str, ...] = ()) -> list[dict]:
    """Upsert rows through bulk_upsert and read the table back."""
    engine = create_store_engine(url)
    metadata.create_all(engine)
    writer = bulk_upsert(things, engine.dialect, keep)
    storage = writer.storage()
    tuples = [
        tuple(storage[c](row.get(c)) if c in storage else row.get(c) for c in writer.columns)
        for row in rows
    ]
    with engine.begin() as conn:
        writer.execute(conn, tuples)
    with engine.connect() as conn:
        found = [r._asdict() for r in conn.execute(select(things).order_by(things.c.id))]
    engine.dispose()
    return found


def test_values_come_back_as_written(store_url: str) -> None:
    moment = datetime(2026, 3, 29, 1, 2, 3, 456789, tzinfo=UTC)
    [row] = write(
        store_url,
        [
            {
                "id": "a",
                "seen_at": moment,
                "day": date(2026, 3, 29),
                "tags": ["新疆", "vip"],
                "price": 12.5,
                "active": True,
                "note": "它",
            }
        ],
    )
    assert row == {
        "id": "a",
        "seen_at": moment,
        "day": date(2026, 3, 29),
        "tags": ["新疆", "vip"],
        "price": 12.5,
        "active": True,
        "note": "它",
    }


def test_an_existing_row_is_updated_except_the_kept_columns(store_url: str) -> None:
    write(store_url, [{"id": "a", "note": "mine", "price": 1.0}])
    [row] = write(store_url, [{"id": "a", "note": "theirs", "price": 2.0}], keep=("note",))
    assert (row["price"], row["note"]) == (2.0, "mine")


def test_nulls_stay_null(store_url: str) -> None:
    [row] = write(store_url, [{"id": "a"}])
    assert set(row.values()) == {"a", None}


@settings(deadline=None, max_examples=200, derandomize=True)
@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_sqlite_timestamp_text_matches_sqlalchemys(moment: datetime, offset: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=offset))).astimezone(UTC)
    dialect = sqlite.dialect()
    general = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert _storage(UtcDateTime(), dialect)(aware) == general(aware)
