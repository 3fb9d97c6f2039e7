"""Coercing platform record values to the declared types of their fields.

A coercer is compiled once per entity type (one function per field, chosen by its
type) so a bulk sync pays no per-row type dispatch. Values already of the right
Python type pass straight through.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import call
from typing import Any

from shopctl.types import Type

Convert = Callable[[Any], Any]
_TRUE = frozenset({"1", "true"})
_FALSE = frozenset({"0", "false"})
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
# Long runs of token characters mixing letters and digits look like keys or tokens.
_TOKEN_LIKE = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-+/=.]{16,}")
_PREVIEW_LIMIT = 24
_ABSENT = object()


class CoercionError(ValueError):
    """A value cannot be read as its field's declared type."""

    def __init__(self, field: str, value: Any, expected: Type | str):
        self.field = field
        self.expected = str(expected)
        self.kind = value_kind(value)
        super().__init__(f"field {field}: expected {expected}, got {describe(value)}")


def value_kind(value: Any) -> str:
    """The kind of a raw value, in the rule language's words where one fits."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, date):
        return "date"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return "value"


def describe(value: Any) -> str:
    """The kind of `value`, with a short preview unless it could be a secret."""
    kind = value_kind(value)
    if isinstance(value, str):
        if len(value) > _PREVIEW_LIMIT or _TOKEN_LIKE.search(value):
            return f"text of {len(value)} characters"
        return f"text {value!r}"
    if kind in ("integer", "number", "boolean"):
        return f"{kind} {value!r}"
    return kind


def to_integer(value: Any) -> int | None:
    """int, an integral float, or integer text."""
    if value is None or type(value) is int:
        return value
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float | Decimal):
        if value != value or not value == int(value):  # NaN or a fraction
            raise ValueError
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _INTEGER_TEXT.fullmatch(text):
            raise ValueError
        return int(text)
    raise TypeError


def to_number(value: Any) -> float | None:
    """A finite float from a number or decimal text."""
    if value is None or (type(value) is float and math.isfinite(value)):
        return value
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    elif not isinstance(value, int | float | Decimal):
        raise TypeError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def to_text(value: Any) -> str | None:
    """Text; numbers (ids from JSON APIs) become their decimal text."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise TypeError
    return str(value)


def to_boolean(value: Any) -> bool | None:
    """A bool from a bool, 0/1, or the text 0/1/true/false (any case)."""
    if value is None or type(value) is bool:
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError


def to_timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from a datetime, a date or ISO 8601 text (no zone = UTC)."""
    if value is None or (type(value) is datetime and value.tzinfo is UTC):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        value = datetime.fromisoformat(text)
    elif not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_date(value: Any) -> date | None:
    """A calendar date from a date or ISO 8601 date text."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        raise TypeError  # which zone's date it is would be a guess
    if isinstance(value, str):
        text = value.strip()
        return date.fromisoformat(text) if text else None
    raise TypeError


def _to_list(element: Convert) -> Convert:
    def convert(value: Any) -> list[Any] | None:
        if value is None:
            return None
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return []
            # A JSON array, or comma-separated items as exports often write them.
            items = json.loads(text) if text.startswith("[") else text.split(",")
            if not isinstance(items, list):
                raise TypeError
            items = [i.strip() if isinstance(i, str) else i for i in items]
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            raise TypeError
        result = [element(item) for item in items]
        if any(item is None for item in result):
            raise ValueError
        return result

    return convert


CONVERTERS: dict[Type, Convert] = {
    Type.INTEGER: to_integer,
    Type.NUMBER: to_number,
    Type.TEXT: to_text,
    Type.BOOLEAN: to_boolean,
    Type.TIMESTAMP: to_timestamp,
    Type.TEXT_LIST: _to_list(to_text),
    Type.NUMBER_LIST: _to_list(to_number),
}


class RowCoercer:
    """Turns a record into a row tuple, one slot per column, compiled once per type.

    `columns` gives each slot's record key and declared type; `constants` fills slots
    that do not come from the record (the account); `storage` adds, per column, the
    step that puts a value in the form the database driver takes.
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, Type | str]],
        order: Sequence[str] | None = None,
        constants: Mapping[str, Any] | None = None,
        storage: Mapping[str, Convert] | None = None,
    ):
        self._types = dict(columns)
        constants = dict(constants or {})
        storage = storage or {}
        self.order = tuple(order or [*self._types, *constants])
        plan: list[tuple[str, Convert, bool]] = []
        for name in self.order:
            finish = storage.get(name)
            if name in constants:
                stored = finish(constants[name]) if finish else constants[name]
                plan.append((name, _constant(stored), False))
                continue
            kind = self._types[name]
            convert = to_date if kind == "date" else CONVERTERS[Type(kind)]
            plan.append((name, _then(convert, finish) if finish else convert, True))
        self._plan = tuple(plan)
        self._converters = tuple(convert for _, convert, _ in plan)
        # Constants get a key no record has, so they are passed None and ignore it.
        self._keys = tuple(name if from_record else _ABSENT for name, _, from_record in plan)

    def __call__(self, record: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row; CoercionError names the field that does not fit."""
        try:
            # map() keeps the per-column loop in C; only the converters run in Python.
            return tuple(map(call, self._converters, map(record.get, self._keys)))
        except (TypeError, ValueError, OverflowError):
            pass
        for name, convert, from_record in self._plan:
            value = record.get(name) if from_record else None
            try:
                convert(value)
            except (TypeError, ValueError, OverflowError):
                raise CoercionError(name, value, self._types[name]) from None
        raise AssertionError("a converter failed once but not when retried")

    def index(self, name: str) -> int:
        """The slot of column `name` in the rows."""
        return self.order.index(name)


def _constant(value: Any) -> Convert:
    return lambda _: value


def _then(convert: Convert, finish: Convert) -> Convert:
    return lambda value: finish(convert(value))
