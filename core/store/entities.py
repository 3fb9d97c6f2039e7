"""Entity and daily-metric tables, built from the registry's declarations.

One table per entity type, `entity_<type>`: `_account`, `id`, one typed column per
declared field, `_synced_at`; primary key (_account, id). One per type with daily
metrics, `metric_<type>`: `_account`, `id`, `date`, one Float column per metric;
primary key (_account, id, date).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from shopctl.registry import DeclarationError, EntityType, Field, Registry
from shopctl.store.columns import JsonText, UtcDateTime
from shopctl.types import Type

ACCOUNT = "_account"
SYNCED_AT = "_synced_at"
# Sync never overwrites this field: the core's `tag` action owns it.
LABELS = "labels"

_COLUMN_TYPES: dict[Type, type[TypeEngine]] = {
    Type.INTEGER: BigInteger,
    Type.NUMBER: Float,
    Type.TEXT: Text,
    Type.BOOLEAN: Boolean,
    Type.TIMESTAMP: UtcDateTime,
    Type.TEXT_LIST: JsonText,
    Type.NUMBER_LIST: JsonText,
}


def column_type(field: Field, entity_type: str) -> TypeEngine:
    """The SQLAlchemy type that stores values of `field`."""
    try:
        kind = _COLUMN_TYPES[field.type]
    except KeyError:
        raise DeclarationError(
            f"{entity_type}.{field.name}: fields of type {field.type} cannot be stored"
        ) from None
    return Float(precision=53) if kind is Float else kind()


def entity_table_name(type_name: str) -> str:
    """`entity_<type>`."""
    return f"entity_{type_name}"


def metric_table_name(type_name: str) -> str:
    """`metric_<type>`."""
    return f"metric_{type_name}"


class EntityTables:
    """The entity and metric tables of every declared entity type, in one MetaData."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self.metadata = MetaData()
        self._entities: dict[str, Table] = {}
        self._metrics: dict[str, Table] = {}
        for entity_type in registry.entity_types.values():
            self._entities[entity_type.name] = self._entity_table(entity_type)
            if entity_type.metrics:
                self._metrics[entity_type.name] = self._metric_table(entity_type)

    def entity(self, type_name: str) -> Table:
        """The `entity_<type>` table; KeyError if the type is not declared."""
        return self._entities[type_name]

    def metrics(self, type_name: str) -> Table:
        """The `metric_<type>` table; KeyError if the type has no daily metrics."""
        return self._metrics[type_name]

    def has_metrics(self, type_name: str) -> bool:
        """Whether the type declares daily metrics."""
        return type_name in self._metrics

    def tables(self) -> list[Table]:
        """Every entity and metric table."""
        return [*self._entities.values(), *self._metrics.values()]

    def _entity_table(self, entity_type: EntityType) -> Table:
        columns = [
            Column(ACCOUNT, Text, primary_key=True),
            Column("id", Text, primary_key=True),
        ]
        for field in entity_type.fields:
            if field.name != "id":
                columns.append(Column(field.name, column_type(field, entity_type.name)))
        columns.append(Column(SYNCED_AT, UtcDateTime))
        return Table(entity_table_name(entity_type.name), self.metadata, *columns)

    def _metric_table(self, entity_type: EntityType) -> Table:
        name = metric_table_name(entity_type.name)
        return Table(
            name,
            self.metadata,
            Column(ACCOUNT, Text, primary_key=True),
            Column("id", Text, primary_key=True),
            Column("date", Date, primary_key=True),
            *(Column(m.name, Float(precision=53)) for m in entity_type.metrics),
            # Window aggregates group by entity: on SQLite, rows clustered by the primary
            # key are read in group order with no lookups (measured on the full-scale
            # benchmark: a 30-day window over 5.2M product rows took 0.75 s this way,
            # 13 s through a (date, _account, id) index). PostgreSQL keeps the date
            # index for short windows, its planner choosing with fresh statistics.
            Index(f"ix_{name}_date", "date", ACCOUNT, "id").ddl_if(dialect="postgresql"),
            sqlite_with_rowid=False,
        )
