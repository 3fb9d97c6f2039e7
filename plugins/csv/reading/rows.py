"""`read_rows`: any export file as numbered rows of text cells, streamed.

A CSV file is decoded chunk by chunk and parsed by the csv module (bounded memory); a
workbook is read through calamine. Fully blank rows are skipped. A cell larger than
`MAX_CELL_CHARS`, a NUL character or a byte that is not text is a ReadError with its line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shopctl_plugins.csv.reading.decode import (
    SAMPLE_BYTES,
    decoded_lines,
    detect_encoding,
    sniff_delimiter,
)
from shopctl_plugins.csv.reading.errors import ReadError
from shopctl_plugins.csv.reading.sheets import is_workbook, open_sheet, sheet_rows

MAX_CELL_CHARS = 1024 * 1024  # a cell larger than this is refused (about 1 MB of text)

Row = tuple[int, list[str]]


@dataclass
class RowSource:
    """The rows of one file (or one sheet of a workbook), numbered as the file numbers them.

    Iterating yields `(row_number, cells)`; each iteration reads the file afresh.
    """

    path: Path
    sheet: str | None = None  # the sheet read, for a workbook
    encoding: str | None = None  # the text encoding, for a CSV file
    delimiter: str | None = None
    _loaded: Any = field(default=None, repr=False, compare=False)  # the sheet, read once

    def location(self, row_number: int) -> str:
        """Where a row is, as errors name it: `ad_group.csv:17`, `bulk.xlsx:Sheet1:17`."""
        if self.sheet is not None:
            return f"{self.path.name}:{self.sheet}:{row_number}"
        return f"{self.path.name}:{row_number}"

    def __iter__(self) -> Iterator[Row]:
        """The non-blank rows, with the number of the line or spreadsheet row each starts on."""
        if self.sheet is not None:
            return self._sheet_rows()
        return self._csv_rows()

    def _csv_rows(self) -> Iterator[Row]:
        assert self.encoding is not None and self.delimiter is not None
        csv.field_size_limit(MAX_CELL_CHARS)  # the csv module refuses larger fields itself
        lines = decoded_lines(self.path, self.encoding)
        reader = csv.reader(lines, delimiter=self.delimiter)
        line = 1
        try:
            for cells in reader:
                if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                    yield line, cells
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ReadError(self.location(reader.line_num or line), _csv_reason(exc)) from None

    def _sheet_rows(self) -> Iterator[Row]:
        loaded, self._loaded = self._loaded, None
        if loaded is None:
            _, loaded = open_sheet(self.path, self.sheet)
        for number, cells in enumerate(sheet_rows(loaded), start=1):
            if not any(c.strip() for c in cells):
                continue
            for cell in cells:
                if len(cell) > MAX_CELL_CHARS:
                    raise ReadError(self.location(number), _too_large())
            yield number, cells


def read_rows(path: Path, sheet: str | None = None) -> RowSource:
    """The rows of a CSV file or workbook; `sheet` picks a workbook's sheet (else the first
    sheet holding any cell) and is ignored for a CSV file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
            truncated = bool(handle.read(1))
    except OSError as exc:
        raise ReadError(path.name, f"cannot be read ({exc.strerror or exc})") from None
    if is_workbook(path, sample):
        chosen, loaded = open_sheet(path, sheet)  # fails now for a missing sheet or a bad file
        return RowSource(path, sheet=chosen, _loaded=loaded)
    try:
        encoding = detect_encoding(sample, truncated)
    except ValueError as exc:
        raise ReadError(path.name, f"{exc}; re-export the file as UTF-8 CSV") from None
    text = sample.decode(encoding, errors="ignore")
    return RowSource(path, encoding=encoding, delimiter=sniff_delimiter(text))


def _too_large() -> str:
    return (
        f"a cell is larger than {MAX_CELL_CHARS // (1024 * 1024)} MB of text; "
        "an export's cells are never this large (is a quote left open?)"
    )


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return _too_large()
    if "NUL" in message:
        return "a NUL character is not text; re-export the file as CSV text"
    return f"not readable as CSV ({message})"
