"""Evaluating a compiled rule in the store: one SELECT per rule, the rest in Python.

The compiler turns a condition into SQL through a `SqlBinding`; `StoreBinding` is the
store's side of that contract. Fields of the target entity are its table's columns;
fields of related entities come from their tables, LEFT JOINed once per relation path;
window aggregates come from one grouped subquery over the daily metrics per window
length, LEFT JOINed once. The pushed-down condition filters in the database; the
residual (what SQL cannot express, such as `matches`) runs on the fetched rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Table, and_, bindparam, case, func, literal, select, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import ColumnElement, FromClause, Select
from sqlalchemy.sql.expression import Alias

from shopctl.engine.stored_rows import RowShape, StoredRow, collector_paused
from shopctl.registry import EntityType, Registry
from shopctl.rules.ast import Binary, Expr
from shopctl.rules.compiled import CompiledRule, EvalContext, Row, Window, field_key
from shopctl.rules.compiler import compile_expression
from shopctl.rules.regex_guard import RegexTimeout
from shopctl.store.columns import UtcDateTime
from shopctl.store.engine import READ_ONLY
from shopctl.store.entities import EntityTables

if TYPE_CHECKING:
    from shopctl.project import Project

# Conditions on a table with `_account` and `id` columns (an entity or metric table).
Scope = Callable[[Table | Alias], list[ColumnElement[bool]]]

CHUNK = 5000  # rows fetched per round from the cursor: bounded memory on big stores
# Near misses are looked for among the first entities of the type only (in key order),
# so their query costs the same on a store of any size.
NEAR_MISS_SAMPLE = 5000
AGGREGATES = {"sum": func.sum, "avg": func.avg, "min": func.min, "max": func.max}


class Match(NamedTuple):
    """One entity and every value the rule and its actions read, keyed like the row.

    A named tuple: evaluations may hold hundreds of thousands, made cheaply.
    """

    account: str
    id: str
    row: Row


@dataclass(frozen=True)
class Evaluation:
    """What a rule's condition selects: the matches and how many entities were in scope.

    `total` counts the entities of the rule's type in scope (account restriction
    included, `ids` not), for the `max_percent` guard. `near_misses` are entities the
    condition did not select but came closest to selecting (see `evaluate`).
    """

    matched: list[Match]
    total: int
    near_misses: list[Match] = field(default_factory=list)
    # entity id -> why its condition could not be decided (a regex that timed out on it)
    failures: dict[str, str] = field(default_factory=dict)


class StoreBinding:
    """The store's `SqlBinding`: columns for field paths, window aggregates and now()."""

    def __init__(
        self,
        tables: EntityTables,
        registry: Registry,
        entity_type: EntityType,
        ctx: EvalContext,
        dialect: str,
        windows: Iterable[Window] = (),
        scope: Scope = lambda table: [],
    ):
        self.dialect = dialect
        self.target = tables.entity(entity_type.name)
        self._tables = tables
        self._registry = registry
        self._entity_type = entity_type
        self.ctx = ctx
        self._now = bindparam("now", ctx.now, type_=UtcDateTime())
        self._from: FromClause = self.target
        self._related: dict[tuple[str, ...], tuple[Alias, EntityType]] = {}
        # Every window of one length shares one grouped subquery, so all the windows the
        # rule reads must be known before the first one is joined.
        self._wanted: dict[int, list[Window]] = {}
        for window in windows:
            if window not in self._wanted.setdefault(window.days, []):
                self._wanted[window.days].append(window)
        self._grouped: dict[int, Any] = {}
        self._scope = scope

    def field(self, path: tuple[str, ...]) -> ColumnElement[Any]:
        """The column of a field of the target entity, or of a related entity."""
        if len(path) == 1:
            return self.target.c[path[0]]
        table, _ = self._relation(path[:-1])
        return table.c[path[-1]]

    def window(self, window: Window) -> ColumnElement[Any]:
        """The aggregate over the window; a sum over no rows is 0, the others null."""
        wanted = self._wanted.setdefault(window.days, [])
        if window.days in self._grouped and window not in wanted:
            raise ValueError(f"window {window.key} was not declared by the compiled rule")
        if window not in wanted:
            wanted.append(window)
        column = self._grouped_metrics(window.days).c[window.key]
        return func.coalesce(column, 0.0) if window.func == "sum" else column

    def now(self) -> ColumnElement[Any]:
        """The evaluation instant as a bound parameter."""
        return self._now

    @property
    def from_clause(self) -> FromClause:
        """The target table with every relation and window joined so far."""
        return self._from

    def _relation(self, path: tuple[str, ...]) -> tuple[Alias, EntityType]:
        if path in self._related:
            return self._related[path]
        if len(path) == 1:
            parent, parent_type = self.target, self._entity_type
        else:
            parent, parent_type = self._relation(path[:-1])
        relation = parent_type.relation(path[-1])
        if relation is None:
            raise KeyError(f"{parent_type.name} has no relation {path[-1]!r}")
        related_type = self._registry.entity_type(relation.target)
        alias = self._tables.entity(relation.target).alias(f"r{len(self._related)}")
        on = and_(alias.c._account == parent.c._account, alias.c.id == parent.c[relation.field])
        self._from = self._from.outerjoin(alias, on)
        self._related[path] = (alias, related_type)
        return self._related[path]

    def _grouped_metrics(self, days: int) -> Any:
        if days in self._grouped:
            return self._grouped[days]
        metrics = self._tables.metrics(self._entity_type.name)
        today = self.ctx.today
        first = today - timedelta(days=days - 1)
        aggregates = [
            AGGREGATES[w.func](metrics.c[w.metric]).label(w.key) for w in self._wanted[days]
        ]
        grouped = (
            select(metrics.c._account, metrics.c.id, *aggregates)
            .where(metrics.c.date >= first, metrics.c.date <= today, *self._scope(metrics))
            .group_by(metrics.c._account, metrics.c.id)
            .subquery(f"w{days}")
        )
        on = and_(grouped.c._account == self.target.c._account, grouped.c.id == self.target.c.id)
        self._from = self._from.outerjoin(grouped, on)
        self._grouped[days] = grouped
        return grouped


def evaluate(
    source: Project | Engine,
    compiled: CompiledRule,
    ctx: EvalContext,
    *,
    registry: Registry | None = None,
    account: str | None = None,
    ids: Sequence[str] | None = None,
    near_misses: int = 0,
) -> Evaluation:
    """Select the entities for which the rule's condition is true, in one query.

    `source` is a Project, or an Engine together with `registry`. `account` narrows to
    one account (on top of the rule's own), `ids` to some entities. With
    `near_misses=N`, up to N entities that failed the condition are returned too, the
    closest first: those for which the pushed-down part held and only the residual
    failed (found for free in the main query), then, when the condition is a
    conjunction of several terms, those for which all but one term was true, looked
    for among the first `NEAR_MISS_SAMPLE` entities in key order (one more query, of
    bounded cost).
    """
    engine, registry = _engine_and_registry(source, registry)
    query = RuleQuery(engine, registry, compiled, ctx, account=account, ids=ids)
    matched: list[Match] = []
    missed: list[Match] = []
    failures: dict[str, str] = {}
    total: int | None = None
    with read_only(engine) as conn:
        for chunk, in_scope in query.rows(conn, query.select(compiled.sql, with_total=True)):
            total = in_scope
            if compiled.residual is None:
                matched += chunk
                continue
            for row in chunk:
                try:
                    hit = compiled.residual(row.row, ctx)
                except RegexTimeout as exc:  # fails this entity, not the rule
                    failures[row.id] = exc.message
                    missed.append(row)  # traced as a near miss, with the reason
                    continue
                if hit:
                    matched.append(row)
                elif len(missed) < near_misses:
                    missed.append(row)
        if total is None:
            total = query.count(conn)
        if len(missed) < near_misses:
            missed += query.near_misses(conn, near_misses - len(missed), exclude=missed)
    return Evaluation(matched, total, missed, failures)


def _engine_and_registry(
    source: Project | Engine, registry: Registry | None
) -> tuple[Engine, Registry]:
    if isinstance(source, Engine):
        if registry is None:
            raise TypeError("evaluate() on an Engine needs the registry")
        return source, registry
    return source.engine, registry or source.registry


class RuleQuery:
    """Builds and runs the SELECTs of one compiled rule against the store."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        compiled: CompiledRule,
        ctx: EvalContext,
        *,
        account: str | None = None,
        ids: Sequence[str] | None = None,
    ):
        self.engine = engine
        self.registry = registry
        self.compiled = compiled
        self.ctx = ctx
        self.tables = entity_tables(registry)
        self.entity_type = compiled.entity_type
        self.accounts = sorted({a for a in (compiled.rule.account, account) if a is not None})
        self.ids = list(ids) if ids is not None else None

    def in_scope(self, table: Table | Alias) -> list[ColumnElement[bool]]:
        """The account restriction, on the target table, a metric table or an alias."""
        return [table.c._account == a for a in self.accounts]

    def selected(
        self, table: Table | Alias, sample: int | None = None
    ) -> list[ColumnElement[bool]]:
        """The scope narrowed to the requested ids, and to the first `sample` entities."""
        narrow = [table.c.id.in_(self.ids)] if self.ids is not None else []
        if sample is not None:
            first = self.tables.entity(self.entity_type.name).alias("sample")
            keys = select(first.c._account, first.c.id).where(*self.selected(first))
            keys = keys.order_by(first.c._account, first.c.id).limit(sample)
            narrow.append(tuple_(table.c._account, table.c.id).in_(keys))
        return self.in_scope(table) + narrow

    def binding(self, sample: int | None = None) -> StoreBinding:
        """A fresh binding over the target table, knowing every window the rule reads."""
        return StoreBinding(
            self.tables,
            self.registry,
            self.entity_type,
            self.ctx,
            self.engine.dialect.name,
            self.compiled.windows,
            lambda table: self.selected(table, sample),
        )

    def select(
        self, condition: Any, *, with_total: bool = False, sample: int | None = None
    ) -> tuple[Select[Any], RowShape]:
        """SELECT _account, id, every value the rule reads WHERE scope and `condition`.

        `condition` is a function of the binding giving a SQL filter (or None). Returns
        the statement and the shape of its rows for `rows`.
        """
        binding = self.binding(sample)
        target = binding.target
        windows = self.compiled.windows
        fields = [path for path in self.compiled.fields if path != ("id",)]  # selected first
        keys = ["id", *(field_key(p) for p in fields), *(w.key for w in windows)]
        values = [
            target.c.id,
            *(binding.field(path) for path in fields),
            *(binding.window(w) for w in windows),
        ]
        shape = RowShape(keys, values, self.engine.dialect)
        columns = [
            target.c._account,
            *(c.label(f"v{i}") for i, c in enumerate(shape.select(values))),
        ]
        where = self.selected(target, sample)
        pushed = condition(binding)
        if pushed is not None:
            where.append(pushed)
        if with_total:
            columns.append(self._count_query().scalar_subquery().label("_total"))
        statement = select(*columns).select_from(binding.from_clause)
        return statement.where(*where), shape

    def rows(
        self, conn: Connection, query: tuple[Select[Any], RowShape]
    ) -> Iterator[tuple[list[Match], int | None]]:
        """Run the query in chunks: each chunk's rows as Matches, with `_total` if asked."""
        statement, shape = query
        width = 1 + len(shape.convert)
        accounts: dict[str, str] = {}  # one string per account, not one per row
        result = conn.execution_options(yield_per=CHUNK).execute(statement)
        one = accounts.setdefault
        chunks = result.partitions()
        while True:
            # Fetching makes as many new containers as building the matches does.
            with collector_paused():
                chunk = next(chunks, None)
                if chunk is None:
                    return
                total = chunk[0][width] if len(chunk[0]) > width else None
                # A tuple of the values alone holds less than the driver's row.
                matches = [
                    Match(one(raw[0], raw[0]), raw[1], StoredRow(shape, raw[1:width]))
                    for raw in chunk
                ]
            yield matches, total

    def count(self, conn: Connection) -> int:
        """How many entities of the rule's type are in scope."""
        return int(conn.execute(self._count_query()).scalar_one())

    def fetch(self, conn: Connection) -> list[Match]:
        """Every in-scope entity (narrow it with `ids`), regardless of the condition."""
        return [m for chunk, _ in self.rows(conn, self.select(lambda b: None)) for m in chunk]

    def near_misses(self, conn: Connection, wanted: int, exclude: Sequence[Match]) -> list[Match]:
        """Up to `wanted` entities for which all but one top-level `and` term is true."""
        terms = conjuncts(self.compiled.rule.when)
        if wanted <= 0 or len(terms) < 2:
            return []
        parts = [compile_expression(t, self.entity_type.name, self.registry) for t in terms]

        def almost(binding: StoreBinding) -> ColumnElement[bool]:
            pushed = [p.sql(binding) for p in parts]
            held = [case((s, 1), else_=0) for s in pushed if s is not None]
            if not held:
                return literal(True)
            score = sum(held[1:], held[0])
            # With a term only Python can decide, every pushable term may have held.
            floor = len(held) - 1
            return score >= floor if len(held) < len(parts) else score == floor

        statement = self.select(almost, sample=NEAR_MISS_SAMPLE)
        seen = {(m.account, m.id) for m in exclude}
        found: list[Match] = []
        for chunk, _ in self.rows(conn, statement):
            for match in chunk:
                truths = [p.condition(match.row, self.ctx) for p in parts]
                if (match.account, match.id) in seen or truths.count(True) != len(parts) - 1:
                    continue
                found.append(match)
                if len(found) == wanted:
                    return found
        return found

    def _count_query(self) -> Select[Any]:
        # An alias, so the count is not correlated with the target of the main query.
        counted = self.tables.entity(self.entity_type.name).alias("scope")
        return select(func.count()).select_from(counted).where(*self.in_scope(counted))


def entity_tables(registry: Registry) -> EntityTables:
    """The tables of the registry's entity types, built once per set of declarations."""
    return _tables_of(tuple(registry.entity_types.values()))


@lru_cache(maxsize=16)
def _tables_of(declared: tuple[EntityType, ...]) -> EntityTables:
    return EntityTables(Registry(entity_types={t.name: t for t in declared}))


def conjuncts(expr: Expr) -> list[Expr]:
    """The top-level terms of an `and` chain: `a and (b and c)` -> [a, b, c]."""
    if isinstance(expr, Binary) and expr.op == "and":
        return conjuncts(expr.left) + conjuncts(expr.right)
    return [expr]


def read_only(engine: Engine) -> Connection:
    """A connection for reading: on SQLite it does not take the write lock."""
    return engine.connect().execution_options(**READ_ONLY)
