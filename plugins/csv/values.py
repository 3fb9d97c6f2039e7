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


# Cells as the platforms' exports write them. Each parser returns None for a null cell
# (blank, `-`, `--`, `N/A`) and raises CellError saying what it expected.

NULLS = frozenset({"", "-", "--", "n/a", "na", "null", "none", "—", "－"})
CURRENCY = "¥￥$€£"
_CURRENCY_STRIP = "".join(CURRENCY) + " "
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_NUMBER_TEXT = re.compile(r"(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_EXCEL_SHORTENED = re.compile(r"\d(\.\d+)?[eE]\+\d+")
YES = frozenset({"1", "true", "yes", "y", "是", "on"})
NO = frozenset({"0", "false", "no", "n", "否", "off"})


def is_null(text: str) -> bool:
    """Whether a cell is an export's way of writing nothing: blank, `-`, `--`, `N/A`."""
    return text.strip().casefold() in NULLS


def parse_number(text: str) -> float | None:
    """`1,234.50`, `¥12.30`, `￥12.30`, `$1,234.50`, `€3`, `-1.5`, `(12.30)` as -12.3."""
    try:
        number = float(text)  # the fast path: a plain number
    except ValueError:
        pass
    else:
        if number - number == 0 and "_" not in text:  # finite, and no `1_000`
            return number
    cell = text.strip()
    if cell.casefold() in NULLS:
        return None
    return float(_number_text(cell, text))


def _number_text(cell: str, text: str) -> str:
    """The plain decimal text of an export's number cell (sign, currency, groups undone)."""
    sign = ""
    if cell.startswith("(") and cell.endswith(")"):
        sign, cell = "-", cell[1:-1].strip()
    if cell[:1] in "+-":
        sign = "-" if (cell[0] == "-") != (sign == "-") else ""
        cell = cell[1:]
    cell = cell.strip(_CURRENCY_STRIP)
    if cell[:1] in "+-" and not sign:  # `$-12.30`
        sign, cell = ("-" if cell[0] == "-" else ""), cell[1:]
    if "," in cell:
        if not _GROUPED.fullmatch(cell):
            raise CellError(
                f"expected a number, got {_preview(text.strip())} "
                "(a comma must group thousands: 1,234.50)"
            )
        cell = cell.replace(",", "")
    if not _NUMBER_TEXT.fullmatch(cell):
        raise CellError(f"expected a number, got {_preview(text.strip())}")
    return sign + cell


def parse_integer(text: str) -> int | None:
    """A count as exports write it: `1,204`, `12`, `12.0`; a fraction is refused."""
    cell = text.strip()
    if cell.isdigit():
        return int(cell)
    number = parse_number(text)
    if number is None:
        return None
    if not number.is_integer():
        raise CellError(f"expected a whole number, got {_preview(cell)}")
    return int(number)


def parse_percent(text: str) -> float | None:
    """A percentage as a fraction: `12.5%` -> 0.125; `12.5` in a percent column too."""
    cell = text.strip()
    if cell.casefold() in NULLS:
        return None
    return _hundredth(cell.removesuffix("%").rstrip(), text)


def parse_percent_or_fraction(text: str) -> float | None:
    """`12.5%` -> 0.125, and a fraction written without `%` as it is: `0.0786`."""
    cell = text.strip()
    if cell.endswith("%"):
        return _hundredth(cell[:-1].rstrip(), text)
    return parse_number(text)


percent_or_fraction = parse_percent_or_fraction


def _hundredth(cell: str, text: str) -> float:
    plain = _number_text(cell, text) if cell else ""
    if not plain:
        raise CellError(f"expected a percentage, got {_preview(text.strip())}")
    if "e" in plain or "E" in plain:
        return float(plain) / 100
    return float(plain + "e-2")  # exact: `4.44%` is 0.0444, not 0.044399999999999995


def parse_id(text: str) -> str | None:
    """An id as text: the leading `'` spreadsheets need is dropped; `7.30E+12` is refused."""
    cell = text.strip()
    if cell.startswith("'"):
        cell = cell[1:].strip()
    if not cell or cell in ("-", "--"):
        return None
    if _EXCEL_SHORTENED.fullmatch(cell):
        raise CellError(
            f"id {cell!r} is a number a spreadsheet shortened, its digits are lost; "
            "export again without opening the file in Excel, or format the column as text"
        )
    return cell


def parse_bool(text: str) -> bool | None:
    """yes/no, true/false, 1/0, 是/否 (any case) as a boolean."""
    cell = text.strip().casefold()
    if cell in YES:
        return True
    if cell in NO:
        return False
    if cell in NULLS:
        return None
    raise CellError(f"expected yes/no (true/false, 1/0, 是/否), got {_preview(text.strip())}")


# `2026/11/20 13:05`, `2026-11-20 13:05:00 +0800`, `2026.11.20`, `2026年11月20日 13:05`.
_NUMERIC_MOMENT = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:(?:\s+|T|(?<=日))(\d{1,2})[:时](\d{2})(?:[:分](\d{2})(?:\.(\d{1,6})\d*)?秒?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
# `Sep 01, 2026`, `September 1 2026`, `Sep. 1, 2026 13:05`.
_NAMED_MOMENT = re.compile(
    r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})"
    r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
MOMENT_FORMATS = (
    "2026-11-20 13:05:00, 2026/11/20 13:05, 2026-11-20T13:05:00Z, "
    "2026-11-20 13:05:00 +0800, 2026年11月20日 13:05, Sep 01, 2026, 20261120"
)


def parse_moment(text: str, zone: tzinfo) -> datetime | None:
    """A date-time as exports write it (see MOMENT_FORMATS); without an offset, in `zone`.

    A date alone is its midnight in `zone`.
    """
    cell = text.strip()
    if cell.casefold() in NULLS:
        return None
    moment = _moment(cell)
    if moment is None:
        raise CellError(f"expected a date-time like {MOMENT_FORMATS}; got {_preview(cell)}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def parse_day(text: str) -> date | None:
    """A calendar date as exports write it; a date-time gives its date as written."""
    cell = text.strip()
    if cell.casefold() in NULLS:
        return None
    if len(cell) == 10:
        try:
            return date.fromisoformat(cell)  # the fast path: 2026-11-20
        except ValueError:
            pass
    moment = _moment(cell)
    if moment is None:
        raise CellError(
            f"expected a date like 2026-11-20, 2026/11/20, 2026年11月20日, "
            f"Sep 01, 2026 or 20261120; got {_preview(cell)}"
        )
    return moment.date()


def _moment(cell: str) -> datetime | None:
    """The date-time a cell writes, naive unless it carries an offset; None if none."""
    if cell[:4].isdigit():
        if len(cell) > 19 and cell[-5] in "+-" and cell[-6] == " ":
            cell = cell[:-6] + cell[-5:]  # `… 13:05:00 +0800`
        try:
            return datetime.fromisoformat(cell)  # ISO 8601, `Z` and `20261120` included
        except ValueError:
            pass
        match = _NUMERIC_MOMENT.fullmatch(cell)
        if match is None:
            return None
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        try:
            moment = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                int((fraction or "0").ljust(6, "0")),
            )
        except ValueError:
            return None
        return moment if offset is None else _with_offset(moment, offset)
    return _named_moment(cell)


def _named_moment(cell: str) -> datetime | None:
    match = _NAMED_MOMENT.fullmatch(cell)
    if match is None:
        return None
    name, day, year, hour, minute, second, half = match.groups()
    month = MONTHS.get(name.casefold())
    if month is None:
        return None
    hours = int(hour or 0)
    if half is not None:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half.casefold() == "pm" else 0)
    try:
        return datetime(int(year), month, int(day), hours, int(minute or 0), int(second or 0))
    except ValueError:
        return None


def _with_offset(moment: datetime, offset: str) -> datetime | None:
    try:
        return datetime.fromisoformat(f"{moment.isoformat()}{offset.replace('Z', '+00:00')}")
    except ValueError:
        return None
