"""Reading export files as rows of text cells: encodings, delimiters, sheets, headers.

`read_rows(path, sheet=None)` is the one entry point; `find_header` skips title lines.
Every problem is a `ReadError` naming the file and line (or sheet and row).
"""

from __future__ import annotations

from shopctl_plugins.csv.reading.errors import ReadError
from shopctl_plugins.csv.reading.header import (
    NoHeader,
    find_header,
    is_total_row,
    normalise_header,
)
from shopctl_plugins.csv.reading.rows import MAX_CELL_CHARS, RowSource, read_rows

__all__ = [
    "MAX_CELL_CHARS",
    "NoHeader",
    "ReadError",
    "RowSource",
    "find_header",
    "is_total_row",
    "normalise_header",
    "read_rows",
]
