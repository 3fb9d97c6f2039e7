"""Bulk upserts on PostgreSQL through COPY into a staging table.

One INSERT … ON CONFLICT per row (executemany) makes the server plan and run a
statement per row; COPY streams a batch into a temporary table and one
INSERT … SELECT merges it, several times faster. The staging table lives per
connection and empties itself at commit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, MetaData, Table, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable

from shopctl.store.columns import JsonText

ORDINAL = "_ord"


class CopyUpsert:
    """Rows (tuples in `columns` order) merged into `table` by COPY and INSERT … SELECT."""

    def __init__(self, table: Table, dialect: Dialect, keep: Collection[str] = ()):
        self.columns: tuple[str, ...] = tuple(c.name for c in table.columns)
        stage = Table(
            f"_stage_{table.name}",
            MetaData(),
            *(Column(c.name, c.type) for c in table.columns),
            Column(ORDINAL, BigInteger),
            prefixes=["TEMPORARY"],
            postgresql_on_commit="DELETE ROWS",
        )
        self._create = str(CreateTable(stage, if_not_exists=True).compile(dialect=dialect))
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(n) for n in (*self.columns, ORDINAL))
        self._copy = f"COPY {quote(stage.name)} ({names}) FROM STDIN"
        keys = [stage.c[c.name] for c in table.primary_key.columns]
        # The last row of a batch for a key wins, as it would with one statement per row.
        latest = select(*(stage.c[n] for n in self.columns)).ext(postgresql.distinct_on(*keys))
        latest = latest.order_by(*keys, stage.c[ORDINAL].desc())
        statement = postgresql.insert(table).from_select(list(self.columns), latest)
        changed = {
            n: statement.excluded[n]
            for n in self.columns
            if n not in keep and n not in {k.name for k in keys}
        }
        index = [k.name for k in keys]
        self.statement = (
            statement.on_conflict_do_update(index_elements=index, set_=changed)
            if changed
            else statement.on_conflict_do_nothing(index_elements=index)
        )
        self._json = {c.name for c in table.columns if isinstance(c.type, JsonText)}

    def storage(self) -> dict[str, Callable[[Any], Any]]:
        """JSON columns are copied as their text; psycopg adapts every other value."""
        encode = JsonText().bind_processor(postgresql.dialect())
        return {name: encode for name in self._json} if encode else {}

    def execute(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage and merge `rows` inside the connection's transaction."""
        if not rows:
            return
        conn.exec_driver_sql(self._create)
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(self._copy) as copy:  # type: ignore[union-attr]
            for ordinal, row in enumerate(rows):
                copy.write_row((*row, ordinal))
        conn.execute(self.statement)
