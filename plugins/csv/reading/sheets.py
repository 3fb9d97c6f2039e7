"""Excel workbooks (xlsx, xls, xlsb, ods) through calamine, read as the export shows them.

Every cell becomes text: 12 not 12.0, floats without noise, dates and date-times in ISO
form, true/false, "" for empty. Rows are numbered as the spreadsheet numbers them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from shopctl_plugins.csv.reading.errors import ReadError

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
# What workbook files start with, whatever they are called: zip (xlsx, ods), OLE2 (xls).
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def is_workbook(path: Path, head: bytes) -> bool:
    """Whether the file is a workbook: by its name, or by its first bytes."""
    return path.suffix.lower() in WORKBOOK_SUFFIXES or head.startswith(WORKBOOK_MAGIC)


def _open(path: Path) -> Any:
    from python_calamine import CalamineWorkbook  # a compiled reader: load it when needed

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's errors (zip, xml, password) share no base class
        raise ReadError(path.name, f"not a readable workbook ({_reason(exc)})") from None


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's sheets, in order."""
    return list(_open(path).sheet_names)


def open_sheet(path: Path, sheet: str | None = None) -> tuple[str, Any]:
    """The chosen sheet's name and the sheet, loaded.

    `sheet` names the sheet; without it, the first sheet holding any cell is chosen.
    """
    book = _open(path)
    names = list(book.sheet_names)
    if sheet is not None:
        if sheet not in names:
            listed = ", ".join(repr(n) for n in names)
            raise ReadError(path.name, f"has no sheet named {sheet!r} (its sheets: {listed})")
        return sheet, _load(path, book, sheet)
    for name in names:
        loaded = _load(path, book, name)
        if loaded.height:
            return name, loaded
    raise ReadError(path.name, "every sheet of the workbook is empty")


def sheet_rows(loaded: Any) -> Iterator[list[str]]:
    """A loaded sheet's rows from spreadsheet row 1, as text cells."""
    for row in loaded.iter_rows():
        yield [_text(value) for value in row]


def _load(path: Path, book: Any, name: str) -> Any:
    try:
        return book.get_sheet_by_name(name)
    except Exception as exc:
        raise ReadError(f"{path.name}:{name}", f"cannot be read ({_reason(exc)})") from None


def _text(value: Any) -> str:
    """One cell as the export shows it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return f"{value:.15g}"  # the digits Excel shows: 0.1 + 0.2 is 0.3
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _duration(value)
    return "" if value is None else str(value)


def _duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
