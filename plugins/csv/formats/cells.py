"""One reader per column kind (`base.KIND_TYPES`), built once per file and column."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Any

from shopctl import Type
from shopctl_plugins.csv.formats.base import Column
from shopctl_plugins.csv.values import (
    CellError,
    is_null,
    parse_bool,
    parse_id,
    parse_integer,
    parse_list,
    parse_moment,
    parse_number,
    parse_percent,
    parse_percent_or_fraction,
)

Read = Callable[[str], Any]


def _text(text: str) -> str | None:
    cell = text.strip()
    return None if is_null(cell) else cell


def _tags(text: str) -> list[str] | None:
    cell = text.strip()
    return None if is_null(cell) else parse_list(cell, Type.TEXT_LIST)


def _numbers(text: str) -> list[float] | None:
    cell = text.strip()
    return None if is_null(cell) else parse_list(cell, Type.NUMBER_LIST)


FIXED: dict[str, Read] = {
    "text": _text,
    "id": parse_id,
    "integer": parse_integer,
    "number": parse_number,
    "money": parse_number,
    "percent": parse_percent,
    "fraction": parse_percent_or_fraction,
    "boolean": parse_bool,
    "tags": _tags,
    "numbers": _numbers,
}


def reader(column: Column, zone: tzinfo) -> Read:
    """How the cells of `column` are read: text in, a typed value (or None) out."""
    if column.kind == "timestamp":
        return lambda text: parse_moment(text, zone)
    if column.kind == "status":
        return _status(column.to, column.values)
    return FIXED[column.kind]


def _status(name: str, words: Mapping[str, str]) -> Read:
    folded = {k.casefold(): v for k, v in words.items()}
    known = ", ".join(words)

    def read(text: str) -> str | None:
        cell = text.strip()
        if is_null(cell):
            return None
        found = folded.get(cell.casefold())
        if found is None:
            raise CellError(f"{name}: {cell!r} is not one of {known}")
        return found

    return read
