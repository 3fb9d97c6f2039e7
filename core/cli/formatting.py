"""How every command shows values to people: times, durations, arguments, tables, summaries.

One place decides: times in the configured zone to the minute (no microseconds),
durations as rules write them (`7d`), tables that fit the terminal by leaving out their
least important columns rather than cutting a name, and a summary line after a list.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shopctl.engine.keys import decode_args
from shopctl.rules.printer import duration_text

if TYPE_CHECKING:
    from shopctl.registry import ActionSpec

MINUTE = "%Y-%m-%d %H:%M"
SECOND = "%Y-%m-%d %H:%M:%S"
GAP = 2  # spaces between table columns


def local_time(moment: datetime | str | None, zone: ZoneInfo, *, seconds: bool = False) -> str:
    """An instant (aware datetime or ISO 8601 text) in `zone`, to the minute; `-` for none."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:  # the store keeps UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return f"{moment.astimezone(zone):{SECOND if seconds else MINUTE}}"


def duration(value: timedelta | float | int) -> str:
    """A duration as rules write it: `7d`, `1d12h`; a number is read as seconds."""
    if not isinstance(value, timedelta):
        value = timedelta(seconds=value)
    if value % timedelta(minutes=1):  # below the rule language's smallest unit
        return f"{value.total_seconds():g}s"
    return duration_text(value)


def value_text(value: Any, zone: ZoneInfo) -> str:
    """Any value of an entity or an argument as a person reads it."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # as the rule language writes it
        return str(value).lower()
    if isinstance(value, datetime):
        return local_time(value, zone, seconds=True)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v, zone) for v in value) + "]"
    return str(value)


def args_text(spec: ActionSpec | None, args: Mapping[str, Any], zone: ZoneInfo) -> str:
    """Stored action arguments as `name=value, …`: durations `7d`, times local, text quoted."""
    values = decode_args(spec, args) if spec is not None else dict(args)
    return ", ".join(
        f"{k}={json.dumps(v, ensure_ascii=False) if isinstance(v, str) else value_text(v, zone)}"
        for k, v in values.items()
    )


def count_summary(counts: Mapping[str, int] | Counter[str], order: Sequence[str] = ()) -> str:
    """`3 acted, 8 no_match` — in `order` first, then by name; zero counts left out."""
    names = [n for n in order if counts.get(n)] + sorted(
        n for n in counts if n not in order and counts[n]
    )
    return ", ".join(f"{counts[n]} {n}" for n in names)


def plural(count: int, noun: str) -> str:
    """`1 rule`, `11 rules`; `entity` -> `entities`."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def sample(items: Iterable[str], width: int) -> str:
    """As many of `items` as fit in `width` characters, then `… and N more`."""
    items = list(items)
    shown: list[str] = []
    used = 0
    for index, item in enumerate(items):
        rest = len(items) - index - 1
        tail = f", … and {rest} more" if rest else ""
        if shown and used + 2 + len(item) + len(tail) > width:
            return ", ".join(shown) + f", … and {len(items) - index} more"
        used += (2 if shown else 0) + len(item)
        shown.append(item)
    return ", ".join(shown)


@dataclass(frozen=True)
class Column:
    """A table column; the lower its `keep`, the sooner it is left out to fit the width."""

    header: str
    keep: int = 0
    justify: str = "left"
    wrap: bool = False  # long text may wrap inside this column (names never do)
    min_width: int = 20  # a wrapping column is never narrower (unless its text is)


def fit_table(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
) -> tuple[Table, list[str]]:
    """A compact table of `rows` (markup strings) fitting `console.width`: columns with
    the lowest `keep` are left out until it fits; the table and the headers left out."""
    kept = list(range(len(columns)))
    while True:
        shown = [columns[i] for i in kept]
        cells = [[r[i] for i in kept] for r in rows]
        table = _table(shown, cells, title)
        if _least_width(shown, cells) <= console.width:
            break
        droppable = [i for i in kept if columns[i].keep < max(c.keep for c in columns)]
        if not droppable:
            break
        kept.remove(min(droppable, key=lambda i: (columns[i].keep, -i)))
    left_out = [c.header for i, c in enumerate(columns) if i not in kept]
    return table, left_out


def print_table(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    hint: str = "--json has them",
) -> list[str]:
    """Print `fit_table`'s table, and a note naming the columns left out to fit; the
    headers left out."""
    table, left_out = fit_table(console, columns, rows)
    if title:
        console.print(title, highlight=False)
    console.print(table)
    if left_out:
        console.print(
            f"[dim](hidden to fit {console.width} columns: {', '.join(left_out)}; {hint})[/]",
            highlight=False,
        )
    return left_out


def _least_width(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> int:
    """The least width the table fits in without cutting a cell: text in wrapping
    columns may wrap down to their `min_width`, nothing else; GAP spaces between."""
    widths = [_floor(c, _widest(c, i, rows)) for i, c in enumerate(columns)]
    return sum(widths) + GAP * (len(columns) - 1)


def _widest(column: Column, index: int, rows: Sequence[Sequence[str]]) -> int:
    cells = [Text.from_markup(r[index]).cell_len for r in rows]
    return max([cell_len(Text.from_markup(column.header).plain), *cells])


def _floor(column: Column, widest: int) -> int:
    """How narrow a column may get: its widest cell, or `min_width` for wrapping text."""
    return min(widest, column.min_width) if column.wrap else widest


def _table(columns: Sequence[Column], rows: Sequence[Sequence[str]], title: str | None) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, GAP - 1, 0, 0),  # with the box's blank divider: GAP spaces between
        title=title,
        title_justify="left",
    )
    for index, column in enumerate(columns):
        table.add_column(
            column.header,
            justify=column.justify,  # type: ignore[arg-type]
            no_wrap=not column.wrap,
            overflow="fold",
            min_width=_floor(column, _widest(column, index, rows)),
        )
    for row in rows:
        table.add_row(*row)
    return table


def plain(text: str) -> str:
    """Text escaped for rich markup."""
    return escape(text)
