"""Rows as the database returned them, stored values converted only when read.

A rule may match hundreds of thousands of entities while its actions, guards and
traces read the values of a few of them. Timestamps and JSON lists cost the most to
convert (text to an aware datetime, JSON to a list), so a row keeps them as the driver
returned them and converts one on each read; other values arrive converted already.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import type_coerce
from sqlalchemy.types import Boolean, NullType, TypeDecorator

Convert = Callable[[Any], Any] | None


class RowShape:
    """The keys of a row, and for each value the conversion deferred to reading it."""

    def __init__(
        self, keys: Sequence[str], columns: Sequence[ColumnElement[Any]], dialect: Dialect
    ):
        self.index = {key: i for i, key in enumerate(keys)}
        self.convert: list[Convert] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            if deferred(column)
            else None
            for column in columns
        ]

    def select(self, columns: Sequence[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
        """The columns to SELECT: those whose conversion is deferred read as is."""
        return [
            type_coerce(c, NullType()) if convert else c
            for c, convert in zip(columns, self.convert, strict=True)
        ]


def deferred(column: ColumnElement[Any]) -> bool:
    """Whether the column's values are converted on reading.

    The store's own types and booleans (integers on SQLite): their conversion needs
    nothing from the driver, and a query with no conversion left skips SQLAlchemy's
    per-row processing altogether.
    """
    return isinstance(column.type, TypeDecorator | Boolean)


class StoredRow(Mapping[str, Any]):
    """A read-only mapping over one raw row; deferred values are converted per read."""

    __slots__ = ("_shape", "_values")

    def __init__(self, shape: RowShape, values: Sequence[Any]):
        self._shape = shape
        self._values = values

    def __getitem__(self, key: str) -> Any:
        """The value of `key`; KeyError for a key the rule does not read."""
        i = self._shape.index[key]
        value, convert = self._values[i], self._shape.convert[i]
        return value if convert is None or value is None else convert(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._shape.index)

    def __len__(self) -> int:
        return len(self._shape.index)

    def __repr__(self) -> str:
        return f"StoredRow({dict(self)!r})"


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for building many rows at once.

    Each Match and StoredRow is a new container the collector tracks; made by the
    hundred thousand, they set off collections that scan every one already made, which
    cost three times the building itself. They hold no cycles: reference counting frees
    them just the same.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
