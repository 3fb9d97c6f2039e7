"""A test entity type declared through the Registry API, and a small real store for it.

`RuleStore` keeps `item` entities (with a related `person`) and their daily metrics
in real SQLite or PostgreSQL tables laid out like the store's, and evaluates compiled
expressions both ways: as SQL through `TableBinding`, and as Python over fetched rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    MetaData,
    Table,
    Text,
    bindparam,
    create_engine,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import ColumnElement

from shopctl.builtins import CORE_ACTIONS
from shopctl.registry import (
    ActionSpec,
    DerivedMetric,
    EntityType,
    Field,
    Metric,
    Param,
    Registry,
    Relation,
)
from shopctl.rules.compiled import CompiledRule, EvalContext, Window
from shopctl.rules.functions import BUILTIN_FUNCTIONS
from shopctl.store.columns import JsonText, UtcDateTime
from shopctl.types import Type

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai

PERSON = EntityType(
    "person",
    fields=(Field("id", Type.TEXT), Field("tier", Type.TEXT), Field("since", Type.TIMESTAMP)),
)
ITEM = EntityType(
    "item",
    fields=(
        Field("id", Type.TEXT),
        Field("n", Type.INTEGER, "A count"),
        Field("m", Type.INTEGER),
        Field("x", Type.NUMBER, "A price"),
        Field("y", Type.NUMBER),
        Field("name", Type.TEXT),
        Field("note", Type.TEXT),
        Field("flag", Type.BOOLEAN),
        Field("at", Type.TIMESTAMP),
        Field("due", Type.TIMESTAMP),
        Field("tags", Type.TEXT_LIST),
        Field("owner_id", Type.TEXT),
    ),
    metrics=(Metric("spend"), Metric("revenue")),
    derived=(DerivedMetric("roi", "sum(revenue, w) / sum(spend, w)"),),
    relations=(Relation("owner", "owner_id", "person"),),
)
ACTIONS = (
    *CORE_ACTIONS,
    ActionSpec(
        "set_price",
        on=("item",),
        params=(Param("price", Type.NUMBER), Param("reason", Type.TEXT, default="rule")),
    ),
    ActionSpec("pause", on=("ad_group",)),
)
FIELD_TYPES = {Type.INTEGER: BigInteger, Type.NUMBER: Float, Type.TEXT: Text}
FIELD_TYPES |= {Type.BOOLEAN: Boolean, Type.TIMESTAMP: UtcDateTime, Type.TEXT_LIST: JsonText}


def make_registry() -> Registry:
    """A registry with `item`, `person`, the core and test actions, the built-ins."""
    registry = Registry()
    registry.add_entity_type(ITEM, "tests")
    registry.add_entity_type(PERSON, "tests")
    for action in ACTIONS:
        registry.add_action(action, "tests")
    for function in BUILTIN_FUNCTIONS:
        registry.add_function(function, "core")
    return registry


@pytest.fixture
def registry() -> Registry:
    """The test declarations."""
    return make_registry()


@pytest.fixture
def ctx() -> EvalContext:
    """Evaluation at NOW in Shanghai."""
    return EvalContext(NOW, ZONE)


def _table(metadata: MetaData, entity: EntityType) -> Table:
    columns = [Column(f.name, FIELD_TYPES[f.type]) for f in entity.fields if f.name != "id"]
    return Table(f"entity_{entity.name}", metadata, Column("id", Text, primary_key=True), *columns)


class TableBinding:
    """A SqlBinding over the test tables, as the evaluator builds one over the store's."""

    def __init__(self, store: RuleStore, ctx: EvalContext):
        self.store = store
        self.ctx = ctx
        self.dialect = store.engine.dialect.name
        self._now = bindparam("now", ctx.now, type_=UtcDateTime())

    def field(self, path: tuple[str, ...]) -> ColumnElement[Any]:
        """The item's column, or the related person's."""
        table = self.store.persons if path[0] == "owner" else self.store.items
        return table.c[path[-1]]

    def window(self, window: Window) -> ColumnElement[Any]:
        """A correlated aggregate over the window's local days."""
        metrics, today = self.store.metrics, self.ctx.today
        aggregate = getattr(func, window.func)(metrics.c[window.metric])
        value = (
            select(aggregate)
            .where(metrics.c.id == self.store.items.c.id)
            .where(metrics.c.date.between(today - timedelta(days=window.days - 1), today))
            .scalar_subquery()
        )
        return func.coalesce(value, literal(0.0)) if window.func == "sum" else value

    def now(self) -> ColumnElement[Any]:
        """The evaluation instant."""
        return self._now


class RuleStore:
    """Items, persons and daily metrics in real tables, and both evaluation paths."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata = MetaData()
        self.items = _table(metadata, ITEM)
        self.persons = _table(metadata, PERSON)
        self.metrics = Table(
            "metric_item",
            metadata,
            Column("id", Text, primary_key=True),
            Column("date", Date, primary_key=True),
            Column("spend", Float),
            Column("revenue", Float),
        )
        metadata.create_all(engine)

    def insert(
        self,
        items: Sequence[Mapping[str, Any]],
        persons: Sequence[Mapping[str, Any]] = (),
        metrics: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Replace the contents with these rows (missing columns are null)."""
        with self.engine.begin() as conn:
            for table, rows in (
                (self.metrics, metrics),
                (self.items, items),
                (self.persons, persons),
            ):
                conn.execute(table.delete())
                names = [c.name for c in table.columns]
                if rows:
                    conn.execute(table.insert(), [{n: r.get(n) for n in names} for r in rows])

    def _from(self) -> Any:
        return self.items.outerjoin(self.persons, self.persons.c.id == self.items.c.owner_id)

    def sql_values(self, compiled: CompiledRule, ctx: EvalContext) -> dict[str, bool | None]:
        """Each item's value of the pushed-down condition, computed by the database."""
        values = self.sql_column(compiled.sql, ctx)
        return {i: None if v is None else bool(v) for i, v in values.items()}

    def sql_column(
        self, build: Callable[[TableBinding], ColumnElement[Any] | None], ctx: EvalContext
    ) -> dict[str, Any]:
        """Each item's value of the SQL expression `build` makes, as the database gives it."""
        expression = build(TableBinding(self, ctx))
        assert expression is not None, "nothing was pushed down"
        query = select(self.items.c.id, expression.label("v")).select_from(self._from())
        with self.engine.connect() as conn:
            return {r.id: r.v for r in conn.execute(query)}

    def python_values(self, compiled: CompiledRule, ctx: EvalContext) -> dict[str, bool | None]:
        """Each item's value of the whole condition, computed by the Python closures."""
        return {i: compiled.condition(row, ctx) for i, row in self.rows(compiled, ctx).items()}

    def matching(self, compiled: CompiledRule, ctx: EvalContext) -> set[str]:
        """Ids matched as the evaluator does it: SQL filter, then the residual."""
        binding = TableBinding(self, ctx)
        condition = compiled.sql(binding)
        rows = self.rows(compiled, ctx, binding, condition)
        residual = compiled.residual
        return {i for i, row in rows.items() if residual is None or residual(row, ctx)}

    def rows(
        self,
        compiled: CompiledRule,
        ctx: EvalContext,
        binding: TableBinding | None = None,
        condition: Any = None,
    ) -> dict[str, dict[str, Any]]:
        """Python rows keyed by field_key/window_key, for every item (or those matching)."""
        binding = binding or TableBinding(self, ctx)
        columns = [binding.field(p).label(".".join(p)) for p in compiled.fields]
        columns += [binding.window(w).label(w.key) for w in compiled.windows]
        query = select(self.items.c.id.label("_id"), *columns).select_from(self._from())
        if condition is not None:
            query = query.where(condition)
        with self.engine.connect() as conn:
            return {r._mapping["_id"]: dict(r._mapping) for r in conn.execute(query)}


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[RuleStore]:
    """A RuleStore on a fresh SQLite file."""
    engine = create_engine(sqlite_url)
    yield RuleStore(engine)
    engine.dispose()


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[RuleStore]:
    """A RuleStore on a fresh PostgreSQL database (skipped when none is configured)."""
    engine = create_engine(postgres_url)
    yield RuleStore(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """One PostgreSQL database for the many small store tests of this folder.

    Creating a database per test (the `postgres_url` way) costs most of a second; these
    tests only need their own rows, which `RuleStore.insert` puts in place of the last.
    """
    server = os.environ.get("SHOPCTL_TEST_POSTGRES")
    if not server:
        pytest.skip("no PostgreSQL configured: set SHOPCTL_TEST_POSTGRES to run against one")
    name = f"shopctl_rules_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(server).set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def shared_postgres_store(postgres_engine: Engine) -> RuleStore:
    """A RuleStore in the session's PostgreSQL database; `insert` replaces its rows."""
    return RuleStore(postgres_engine)


@pytest.fixture
def memory_sqlite_store() -> Iterator[RuleStore]:
    """A RuleStore in an in-memory SQLite database: the same engine, no file to sync."""
    engine = create_engine("sqlite://", poolclass=StaticPool)
    yield RuleStore(engine)
    engine.dispose()


@pytest.fixture
def sqlite_binding(memory_sqlite_store: RuleStore, ctx: EvalContext) -> TableBinding:
    """A binding over the test tables on SQLite, for looking at the SQL compiled."""
    return TableBinding(memory_sqlite_store, ctx)


@pytest.fixture(
    params=["memory_sqlite", pytest.param("shared_postgres", marks=pytest.mark.postgres)]
)
def rule_store(request: pytest.FixtureRequest) -> RuleStore:
    """A RuleStore on each supported database."""
    return request.getfixturevalue(f"{request.param}_store")


def day(offset: int) -> date:
    """The local date `offset` days from NOW's (negative: the past)."""
    return EvalContext(NOW, ZONE).today + timedelta(days=offset)
