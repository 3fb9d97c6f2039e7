"""Reading one recognised export: its rows become entity records and daily metric rows.

Every cell goes through its column's reader; a row that cannot be read becomes a
`Rejected` record naming its file, line, column and reason, so sync reports it and no
rule acts on the type (SPEC §4.5). Rows of one entity (Shopify's variant rows, an
order's line items) merge as the format declares; an id met twice is rejected naming
both places, unless its rows are consecutive rows the format merges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, tzinfo
from typing import Any

from shopctl import Rejected
from shopctl_plugins.csv.formats.base import Column, Format
from shopctl_plugins.csv.formats.cells import Read, reader
from shopctl_plugins.csv.reading.header import is_total_row, normalise_header
from shopctl_plugins.csv.values import CellError, parse_day

SOURCE = "_source"
Row = tuple[int, list[str]]
Output = dict[str, Any] | Rejected


@dataclass
class Seen:
    """Ids already read in this sync of one type, with where (across all its files)."""

    places: dict[str, str] = field(default_factory=dict)

    def first(self, key: str, place: str) -> str | None:
        """Where `key` was read before, or None (and `place` is remembered for it)."""
        before = self.places.get(key)
        if before is None:
            self.places[key] = place
        return before


@dataclass(frozen=True)
class Slot:
    """A mapped column: its index in the header, its header text and how it is read."""

    index: int
    header: str
    column: Column
    read: Read


def slots(fmt: Format, header: list[str], columns: Iterable[Column], zone: tzinfo) -> list[Slot]:
    """The header's columns that fill `columns`; absent optional columns are skipped."""
    where = {normalise_header(h): i for i, h in reversed(list(enumerate(header)))}
    found = []
    for column in columns:
        index = next((where[k] for k in map(normalise_header, column.headers) if k in where), None)
        if index is not None:
            found.append(Slot(index, header[index], column, reader(column, zone)))
    return found


class ExportReader:
    """One file of one format: its header, and the records its rows make."""

    def __init__(
        self,
        fmt: Format,
        header: list[str],
        rows: Iterator[Row],
        location: Any,  # row number -> "file.csv:17"
        account: str,
        zone: tzinfo,
    ):
        self.fmt = fmt
        self.header = header
        self.rows = rows
        self.location = location
        self.account = account
        self.fields = slots(fmt, header, fmt.fields, zone)
        self.metrics = slots(fmt, header, fmt.metrics, zone)
        keys = {normalise_header(h): i for i, h in enumerate(header)}
        self.ids = [keys[normalise_header(h)] for h in fmt.id if normalise_header(h) in keys]
        self.days = [keys[normalise_header(h)] for h in fmt.day if normalise_header(h) in keys]
        self.groups = [keys[normalise_header(h)] for h in fmt.group_by]

    def records(self, seen: Seen, derive: bool = True) -> Iterator[tuple[str, Output]]:
        """("entities" | "metrics", record) for every row; a report's entities are derived
        from its rows when `derive` (no entity export of that type is in the folder)."""
        if self.fmt.is_report:
            yield from self._report(seen, derive)
        elif self.groups:
            yield from self._grouped(seen)
        else:
            for number, cells in self._data():
                yield "entities", self._checked(self._entity(number, cells), seen)

    def _data(self) -> Iterator[Row]:
        width = len(self.header)
        for number, cells in self.rows:
            if is_total_row(cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                cells = [*cells[:width], "\x00extra"]  # rejected by _entity with its place
            elif len(cells) < width:
                cells = cells + [""] * (width - len(cells))  # trailing empty cells left out
            yield number, cells

    def _entity_id(self, cells: list[str]) -> str | None:
        if not self.fmt.id:
            return self.account  # a shop-level export: the account is the entity
        parts = [cells[i].strip().lstrip("'") for i in self.ids]
        if len(parts) < len(self.fmt.id) or not all(parts):
            return None
        return "/".join(parts)

    def _entity(self, number: int, cells: list[str]) -> Output:
        place = self.location(number)
        if cells[-1] == "\x00extra":
            return Rejected(place, f"more cells than the {len(self.header)} of the header")
        entity_id = self._entity_id(cells)
        if entity_id is None:
            names = " + ".join(self.fmt.id)
            return Rejected(place, f"no {names}: the row has no id")
        record: dict[str, Any] = {"id": entity_id, SOURCE: place}
        problem = self._fill(record, self.fields, cells)
        return Rejected(place, problem, entity_id) if problem else record

    def _fill(self, record: dict[str, Any], slots_: list[Slot], cells: list[str]) -> str | None:
        for slot in slots_:
            try:
                record[slot.column.to] = slot.read(cells[slot.index])
            except CellError as exc:
                return f"column {slot.header}: {exc}"
        return None

    def _checked(self, record: Output, seen: Seen) -> Output:
        if isinstance(record, Rejected):
            return record
        place = record[SOURCE]
        before = seen.first(record["id"], place)
        if before is not None:
            return Rejected(place, f"id {record['id']} also at {before}", record["id"])
        return record

    def _grouped(self, seen: Seen) -> Iterator[tuple[str, Output]]:
        group: list[dict[str, Any]] = []
        key: tuple[str, ...] | None = None
        for number, cells in self._data():
            row_key = tuple(cells[i].strip() for i in self.groups)
            if group and row_key != key:
                yield "entities", self._checked(merge(group, self.fields), seen)
                group = []
            key = row_key
            record = self._entity(number, cells) if not group else self._part(number, cells)
            if isinstance(record, Rejected):
                yield "entities", record
                group, key = [], None
                continue
            group.append(record)
        if group:
            yield "entities", self._checked(merge(group, self.fields), seen)

    def _part(self, number: int, cells: list[str]) -> Output:
        """A following row of an entity: its cells, its id taken from the first row."""
        place = self.location(number)
        record: dict[str, Any] = {SOURCE: place}
        problem = self._fill(record, self.fields, cells)
        return Rejected(place, problem) if problem else record

    def _report(self, seen: Seen, derive: bool) -> Iterator[tuple[str, Output]]:
        latest: dict[str, tuple[date, dict[str, Any]]] = {}
        days: dict[tuple[str, date], dict[str, Any]] = {}
        for number, cells in self._data():
            entity = self._entity(number, cells)
            if isinstance(entity, Rejected):
                yield "metrics", entity
                continue
            place = entity[SOURCE]
            day = self._day(cells)
            if day is None:
                yield "metrics", Rejected(place, f"no date in {' / '.join(self.fmt.day)}")
                continue
            row: dict[str, Any] = {"id": entity["id"], "date": day, SOURCE: place}
            problem = self._fill(row, self.metrics, cells)
            if problem:
                yield "metrics", Rejected(place, problem, entity["id"])
                continue
            known = latest.get(entity["id"])
            if known is None or day >= known[0]:
                latest[entity["id"]] = (day, entity)
            if not self.fmt.sum_metrics:
                yield "metrics", self._checked_day(row, seen)
                continue
            total = days.setdefault((row["id"], day), row)
            if total is not row:
                for slot in self.metrics:
                    total[slot.column.to] = (total.get(slot.column.to) or 0) + (
                        row.get(slot.column.to) or 0
                    )
        for row in days.values():
            yield "metrics", row
        if derive:
            for _, entity in latest.values():
                yield "entities", entity

    def _day(self, cells: list[str]) -> date | None:
        for index in self.days:
            try:
                day = parse_day(cells[index])
            except CellError:
                return None
            if day is not None:
                return day
        return None

    def _checked_day(self, row: dict[str, Any], seen: Seen) -> Output:
        key = f"{row['id']}\x00{row['date'].isoformat()}"
        before = seen.first(key, row[SOURCE])
        if before is not None:
            what = f"id {row['id']} on {row['date'].isoformat()}"
            return Rejected(row[SOURCE], f"{what} also at {before}", row["id"])
        return row


def merge(rows: list[dict[str, Any]], fields: list[Slot]) -> dict[str, Any]:
    """The record of one entity spread over rows, each field merged as its column says."""
    record = dict(rows[0])
    for slot in fields:
        name, how = slot.column.to, slot.column.merge
        values = [r.get(name) for r in rows if r.get(name) is not None]
        if not values:
            record[name] = None
        elif how == "first":
            record[name] = values[0]
        elif how == "last":
            record[name] = values[-1]
        elif how == "sum":
            record[name] = sum(values)
        elif how == "min":
            record[name] = min(values)
        else:
            record[name] = max(values)
    return record
