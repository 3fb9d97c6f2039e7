"""Entity and metric tables follow the declarations; new fields become new columns."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Boolean, Float, Text, insert, inspect, select

from shopctl.registry import DeclarationError, EntityType, Field, Registry
from shopctl.store.columns import JsonText, UtcDateTime
from shopctl.store.engine import open_store
from shopctl.store.entities import EntityTables
from shopctl.types import Type


def test_an_entity_table_has_a_typed_column_per_field(registry: Registry) -> None:
    table = EntityTables(registry).entity("customer")
    assert table.name == "entity_customer"
    assert [c.name for c in table.primary_key.columns] == ["_account", "id"]
    kinds = {c.name: type(c.type) for c in table.columns}
    assert kinds["points"] is BigInteger
    assert kinds["total_spent"] is Float
    assert kinds["name"] is Text
    assert kinds["accepts_marketing"] is Boolean
    assert kinds["last_order_at"] is UtcDateTime
    assert kinds["tags"] is JsonText
    assert kinds["labels"] is JsonText
    assert kinds["_synced_at"] is UtcDateTime


def test_a_metric_table_is_keyed_by_entity_and_day(registry: Registry) -> None:
    tables = EntityTables(registry)
    table = tables.metrics("ad_group")
    assert [c.name for c in table.primary_key.columns] == ["_account", "id", "date"]
    assert {"impressions", "clicks", "spend", "revenue", "conversions"} <= set(table.c.keys())
    assert table.metadata is tables.entity("order").metadata
    assert not tables.has_metrics("customer")
    with pytest.raises(KeyError):
        tables.metrics("customer")


def test_metric_rows_are_clustered_by_entity_on_sqlite_and_indexed_by_day_on_postgresql(
    store_url: str, registry: Registry
) -> None:
    engine = open_store(store_url, registry)
    indexes = inspect(engine).get_indexes("metric_product")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            ddl = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'metric_product'"
            ).scalar_one()
        assert "WITHOUT ROWID" in ddl
        assert indexes == []
    else:
        assert [i["column_names"] for i in indexes] == [["date", "_account", "id"]]
    engine.dispose()


def test_a_field_type_that_cannot_be_stored_is_a_declaration_error(registry: Registry) -> None:
    registry.add_entity_type(
        EntityType("coupon", (Field("id", Type.TEXT), Field("valid_for", Type.DURATION))), "x"
    )
    with pytest.raises(DeclarationError, match=r"coupon\.valid_for"):
        EntityTables(registry)


def test_a_newly_declared_field_becomes_a_column_and_data_is_kept(
    store_url: str, registry: Registry
) -> None:
    engine = open_store(store_url, registry)
    table = EntityTables(registry).entity("customer")
    with engine.begin() as conn:
        conn.execute(insert(table).values(_account="shop", id="c1", name="王芳", points=7))
    registry.add_entity_type(
        EntityType("customer", (Field("wechat_id", Type.TEXT), Field("vip", Type.BOOLEAN))),
        "account:shop",
    )
    engine = open_store(store_url, registry)
    assert {"wechat_id", "vip"} <= {c["name"] for c in inspect(engine).get_columns(table.name)}
    table = EntityTables(registry).entity("customer")
    with engine.connect() as conn:
        row = conn.execute(select(table)).one()
    assert (row.name, row.points, row.wechat_id, row.vip) == ("王芳", 7, None, None)
    engine.dispose()


def test_a_new_entity_type_gets_its_tables_on_reopen(sqlite_url: str, registry: Registry) -> None:
    open_store(sqlite_url, registry)
    registry.add_entity_type(EntityType("coupon", (Field("id", Type.TEXT),)), "x")
    engine = open_store(sqlite_url, registry)
    assert "entity_coupon" in inspect(engine).get_table_names()
