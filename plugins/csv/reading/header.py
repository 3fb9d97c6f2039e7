"""Finding the header row below title lines, total rows below the data, and alias keys."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator

from shopctl_plugins.csv.reading.errors import ReadError

Row = tuple[int, list[str]]
HeaderTest = Callable[[list[str]], float | bool]

# A bracketed unit or note without spaces: (元), (%), (lbs), (HTML), 【元】, [USD].
_UNIT = re.compile(r"[(\[【〔][^\s()\[\]【】〔〕]{0,12}[)\]】〕]")
_DROPPED = str.maketrans("", "", " \t_-\u3000")
_TOTAL_WORDS = ("total", "合计", "总计", "汇总")


class NoHeader(ReadError):
    """No row among the first lines looks like a header; `rows` are the rows looked at."""

    def __init__(self, location: str, reason: str, rows: list[Row]):
        super().__init__(location, reason)
        self.rows = rows


def find_header(
    rows: Iterable[Row], looks_like_header: HeaderTest, max_lines: int = 30, name: str = ""
) -> tuple[int, list[str], Iterator[Row]]:
    """The header's row number, its cells stripped, and the rows after it.

    `looks_like_header(cells)` scores a row: True (or 1.0 and above) is taken at once;
    otherwise the best positive score among the first `max_lines` rows wins, the first of
    equals. Rows above the header (titles, date ranges, notes) are dropped. Raises NoHeader
    (with the rows looked at) when no row scores above 0; `name` is the file for its message.
    """
    rows = iter(rows)
    seen: list[Row] = []
    best, best_score = -1, 0.0
    for row in itertools.islice(rows, max_lines):
        seen.append(row)
        score = float(looks_like_header(row[1]))
        if score >= 1.0:
            best = len(seen) - 1
            break
        if score > best_score:
            best, best_score = len(seen) - 1, score
    if best < 0:
        where = f"the first {len(seen)} rows" if seen else "the file"
        raise NoHeader(name or "file", f"no header row in {where}", seen)
    number, cells = seen[best]
    return number, [c.strip() for c in cells], itertools.chain(seen[best + 1 :], rows)


def is_total_row(cells: list[str]) -> bool:
    """Whether the first non-empty cell starts a total: Total, Total:, 合计, 总计, 汇总."""
    for cell in cells:
        text = cell.strip()
        if not text:
            continue
        folded = text[:8].casefold()
        for word in _TOTAL_WORDS:
            if folded.startswith(word):
                rest = folded[len(word) : len(word) + 1]
                return not rest or not rest.isalnum()
        return False
    return False


def normalise_header(name: str) -> str:
    """The alias key of a column name: `花费(元)` -> `花费`, `Weight (lbs)` -> `weight`.

    NFKC (full-width letters and brackets become plain), bracketed units dropped, casefolded,
    spaces, underscores and hyphens removed.
    """
    text = unicodedata.normalize("NFKC", name)
    text = _UNIT.sub("", text)
    return text.casefold().translate(_DROPPED)
