"""Compiler-style error reports: `path:line:col: error: message`, the line, a caret.

Used by `shopctl validate` and by the CLI for any SourceError. The caret is as wide
as the mistake, measured in terminal columns (a CJK character takes two).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shopctl.errors import ShopctlError, SourceError, SourceErrors
from shopctl.rules.source_text import read_source

INDENT = "    "


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def printable(text: str) -> str:
    """`text` safe to print: control characters shown as escapes, never sent to the
    terminal (a rule file could otherwise carry terminal escape sequences)."""
    return "".join(c if c.isprintable() or c == "\t" else repr(c)[1:-1] for c in text)


class SourceLines:
    """The lines of the files errors point into, read once each."""

    def __init__(self, texts: dict[str, str] | None = None):
        self._texts: dict[str, list[str] | None] = {
            path: text.split("\n") for path, text in (texts or {}).items()
        }

    def line(self, path: str, number: int) -> str | None:
        """Line `number` (1-based) of `path`, or None when unknown."""
        if path not in self._texts:
            try:
                self._texts[path] = read_source(Path(path), SourceError).split("\n")
            except SourceError:
                self._texts[path] = None
        lines = self._texts[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


def render(error: SourceError, lines: SourceLines | None = None) -> str:
    """One error: its header, and the source line with a caret under the mistake."""
    header = f"error: {printable(error.message)}"
    where = error.position
    if where is None:
        return header
    header = f"{where}: {header}"
    line = (lines or SourceLines()).line(where.path, where.line)
    if line is None:
        return header
    start = min(max(where.column - 1, 0), len(line))
    marked = line[start : start + error.length] or " "
    pad = "".join("\t" if c == "\t" else " " * display_width(printable(c)) for c in line[:start])
    caret = "^" * max(1, display_width(printable(marked)))
    return f"{header}\n{INDENT}{printable(line)}\n{INDENT}{pad}{caret}"


def render_all(errors: Iterable[SourceError], lines: SourceLines | None = None) -> str:
    """Every error, in order, sharing one cache of source lines."""
    lines = lines or SourceLines()
    return "\n".join(render(error, lines) for error in errors)


def render_error(exc: ShopctlError) -> str:
    """Any shopctl error as the CLI prints it."""
    if isinstance(exc, SourceError):
        return render(exc)
    if isinstance(exc, SourceErrors):
        return render_all(exc.errors)
    return f"error: {printable(str(exc))}"


def error_json(error: SourceError) -> dict[str, Any]:
    """The fixed JSON shape of an error (SPEC §7): path, line, column, message."""
    where = error.position
    return {
        "path": where.path if where else "",
        "line": where.line if where else 0,
        "column": where.column if where else 0,
        "message": error.message,
    }
