"""Reading CSV cells as typed values, and inferring the type of an undeclared column."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import Any

from shopctl import Type

TRUE = frozenset({"1", "true"})
FALSE = frozenset({"0", "false"})
INTEGER = re.compile(r"[+-]?\d+")
DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# A date first: "2026-03-01", "2026-03-01T09:30", "2026-03-01 09:30:00+08:00", "…Z".
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
# Names a rule can use as a field: letters (CJK included), digits, underscores.
FIELD_NAME = re.compile(r"[^\W\d]\w*")
LIST_SEPARATORS = re.compile(r"[,，|;；]")
TYPE_NAMES = {
    "integer": Type.INTEGER,
    "number": Type.NUMBER,
    "decimal": Type.NUMBER,
    "text": Type.TEXT,
    "boolean": Type.BOOLEAN,
    "timestamp": Type.TIMESTAMP,
    "list<text>": Type.TEXT_LIST,
    "list<number>": Type.NUMBER_LIST,
}


class CellError(ValueError):
    """A cell that cannot be read as its column's type."""


def infer_type(cells: Iterable[str]) -> Type:
    """The narrowest type every non-empty cell fits: boolean (0/1/true/false), integer,
    decimal, ISO 8601 timestamp, else text. A column of only empty cells is text."""
    seen = [c.strip() for c in cells if c.strip()]
    if not seen:
        return Type.TEXT
    if all(c.lower() in TRUE | FALSE for c in seen):
        return Type.BOOLEAN
    if all(INTEGER.fullmatch(c) for c in seen):
        return Type.INTEGER
    if all(DECIMAL.fullmatch(c) for c in seen):
        return Type.NUMBER
    if all(TIMESTAMP.fullmatch(c) for c in seen):
        return Type.TIMESTAMP
    return Type.TEXT


def parse_cell(text: str, type_: Type, zone: tzinfo) -> Any:
    """The value of one cell; an empty cell is None. Raises CellError."""
    cell = text.strip()
    if not cell:
        return None
    try:
        if type_ is Type.TEXT:
            return text
        if type_ is Type.INTEGER:
            if INTEGER.fullmatch(cell):
                return int(cell)
            number = float(cell)  # "12.0" from a spreadsheet is still 12
            if number.is_integer():
                return int(number)
            raise ValueError
        if type_ is Type.NUMBER:
            if not DECIMAL.fullmatch(cell):
                raise ValueError
            return float(cell)
        if type_ is Type.BOOLEAN:
            if cell.lower() in TRUE:
                return True
            if cell.lower() in FALSE:
                return False
            raise ValueError
        if type_ is Type.TIMESTAMP:
            return parse_timestamp(cell, zone)
        if type_.is_list:
            return parse_list(cell, type_)
    except ValueError:
        raise CellError(f"expected {type_}, got {_preview(cell)}") from None
    return text


def parse_timestamp(cell: str, zone: tzinfo) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is in `zone`."""
    if not TIMESTAMP.fullmatch(cell):
        raise ValueError(cell)
    moment = datetime.fromisoformat(cell)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def parse_date(cell: str) -> date:
    """The date of a daily metrics row: `2026-03-01`. Raises CellError."""
    try:
        return date.fromisoformat(cell.strip()[:10])
    except ValueError:
        raise CellError(f"expected a date (YYYY-MM-DD), got {_preview(cell.strip())}") from None


def parse_list(cell: str, type_: Type) -> list[Any]:
    """A JSON array, or items separated by commas, bars or semicolons."""
    items = json.loads(cell) if cell.startswith("[") else LIST_SEPARATORS.split(cell)
    if not isinstance(items, list):
        raise ValueError(cell)
    items = [i.strip() if isinstance(i, str) else i for i in items]
    items = [i for i in items if i not in ("", None)]
    if type_ is Type.NUMBER_LIST:
        return [float(i) for i in items]
    return [str(i) for i in items]


def _preview(cell: str) -> str:
    return repr(cell) if len(cell) <= 24 else f"text of {len(cell)} characters"
