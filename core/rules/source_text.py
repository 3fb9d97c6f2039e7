"""Text with the file position of every character, so errors point into the file.

An expression may come from a text-form file verbatim, or from a YAML scalar whose
quotes, escapes and line folding moved its characters around: either way
`position(offset)` answers where the character at `offset` stands in the file.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from shopctl.errors import Position, SourceError


@dataclass(frozen=True)
class SourceText:
    """A piece of source text, its file, and where each of its characters stands."""

    text: str
    path: str = "<expr>"
    line: int = 1  # where text[0] stands, when `points` is not given
    column: int = 1
    # Explicit (line, column) of each character plus one past the end (len(text) + 1
    # items); None when the text is a verbatim stretch of the file.
    points: tuple[tuple[int, int], ...] | None = field(default=None, repr=False)

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]

    def position(self, offset: int) -> Position:
        """The file position of the character at `offset` (clamped into the text)."""
        offset = max(0, min(offset, len(self.text)))
        if self.points is not None:
            line, column = self.points[offset]
            return Position(self.path, line, column)
        index = bisect_right(self._line_starts, offset) - 1
        column = offset - self._line_starts[index] + 1
        if index == 0:
            column += self.column - 1
        return Position(self.path, self.line + index, column)

    def slice(self, start: int, end: int) -> SourceText:
        """The characters [start, end) with their positions."""
        start, end = max(0, start), min(end, len(self.text))
        if self.points is not None:
            return SourceText(self.text[start:end], self.path, points=self.points[start : end + 1])
        where = self.position(start)
        return SourceText(self.text[start:end], self.path, where.line, where.column)

    def mapped(self, text: str, offsets: list[int]) -> SourceText:
        """`text` whose character i stands where this text's character offsets[i] does;
        offsets has len(text) + 1 items (the last: one past the end)."""
        points = tuple((p.line, p.column) for p in map(self.position, offsets))
        return SourceText(text, self.path, points=points)


def normalize(text: str) -> str:
    """Text with a leading byte-order mark dropped and CRLF / CR line ends made LF, so
    line and column numbers agree with what editors show."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_source(path: Path, error: type[SourceError], limit: int | None = None) -> str:
    """A source file's text, normalized; `error` at the place of an unreadable byte, or
    when the file is larger than `limit` bytes."""
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise error(
                f"{path} is {size / 1e6:.1f} MB; rule files may be at most {limit / 1e6:g} MB "
                "(split it into several files)",
                Position(str(path), 1, 1),
            )
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}", Position(str(path), 1, 1)) from None
    try:
        return normalize(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
        raise error(
            "this file is not UTF-8 text; save it as UTF-8", Position(str(path), line, column)
        ) from None
