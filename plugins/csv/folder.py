"""A folder of CSV exports: which entity types it holds and the types of their columns."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopctl import CANONICAL_ENTITY_TYPES, EntityType, Field, Metric, PermanentError, Type
from shopctl_plugins.csv.values import FIELD_NAME, TYPE_NAMES, infer_type

CANONICAL = {t.name: t for t in CANONICAL_ENTITY_TYPES}
DAILY_SUFFIX = "_daily"


@dataclass(frozen=True)
class Table:
    """One CSV file: its header and its rows, each with the line it starts on."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def source(self, line: int) -> str:
        """Where a row came from, as sync reports it: `ad_group.csv:17`."""
        return f"{self.path.name}:{line}"

    def column(self, name: str) -> Iterator[str]:
        """The cells of one column, from the rows of the right width."""
        index = self.header.index(name)
        return (cells[index] for _, cells in self.rows if len(cells) == len(self.header))


def read_table(path: Path) -> Table:
    """Read a CSV file (UTF-8, with or without BOM); blank lines are skipped."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = tuple(h.strip() for h in next(reader, []))
            rows = []
            line = reader.line_num + 1
            for cells in reader:
                if any(c.strip() for c in cells):
                    rows.append((line, tuple(cells)))
                line = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise PermanentError(f"csv: {path.name} is not UTF-8 text ({exc.reason})") from None
    except (OSError, csv.Error) as exc:
        raise PermanentError(f"csv: cannot read {path.name}: {exc}") from None
    _check_header(path, header, ("id", "date") if path.stem.endswith(DAILY_SUFFIX) else ("id",))
    return Table(path, header, tuple(rows))


def _check_header(path: Path, header: tuple[str, ...], required: tuple[str, ...]) -> None:
    for name in required:
        if name not in header:
            raise PermanentError(f"csv: {path.name}:1: the header has no {name!r} column")
    for name in header:
        if not FIELD_NAME.fullmatch(name):
            raise PermanentError(
                f"csv: {path.name}:1: column {name!r} is not a field name "
                "(letters, digits and _, not starting with a digit)"
            )
    duplicated = sorted({n for n in header if header.count(n) > 1})
    if duplicated:
        raise PermanentError(f"csv: {path.name}:1: column {duplicated[0]!r} appears twice")


@dataclass(frozen=True)
class Schema:
    """The entity types a folder holds and the type of every column."""

    fields: dict[str, dict[str, Type]]  # entity type -> column -> type
    metrics: dict[str, tuple[str, ...]]  # entity type -> metric columns
    extensions: tuple[EntityType, ...]  # what the folder adds to the registry


def read_schema(folder: Path, declared: Mapping[str, Mapping[str, Any]]) -> Schema:
    """Inspect every `<type>.csv` and `<type>_daily.csv` in `folder`."""
    if not folder.is_dir():
        raise PermanentError(f"csv: the folder {folder} does not exist")
    fields: dict[str, dict[str, Type]] = {}
    metrics: dict[str, tuple[str, ...]] = {}
    extensions = []
    for path in sorted(folder.glob("*.csv")):
        if path.stem.endswith(DAILY_SUFFIX):
            continue
        name = path.stem
        if not FIELD_NAME.fullmatch(name):
            raise PermanentError(
                f"csv: {path.name} is not named after an entity type "
                "(<type>.csv: letters, digits and _, e.g. ad_group.csv)"
            )
        table = read_table(path)
        types = _column_types(table, CANONICAL.get(name), _declared(declared, name))
        fields[name] = types
        canonical = CANONICAL.get(name)
        extra = [
            Field(c, t, f"From {path.name}")
            for c, t in types.items()
            if canonical is None or canonical.field(c) is None
        ]
        daily = folder / f"{name}{DAILY_SUFFIX}.csv"
        metric_names: tuple[str, ...] = ()
        if daily.is_file():
            metric_names = tuple(c for c in read_table(daily).header if c not in ("id", "date"))
            metrics[name] = metric_names
        new_metrics = [
            Metric(m, f"From {daily.name}")
            for m in metric_names
            if canonical is None or canonical.metric(m) is None
        ]
        if extra or new_metrics:
            extensions.append(EntityType(name, tuple(extra), tuple(new_metrics)))
    return Schema(fields, metrics, tuple(extensions))


def _declared(declared: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Type]:
    found = {}
    for column, type_name in (declared.get(name) or {}).items():
        type_ = TYPE_NAMES.get(str(type_name).strip().lower())
        if type_ is None:
            choices = ", ".join(TYPE_NAMES)
            raise PermanentError(
                f"csv: types.{name}.{column}: unknown type {type_name!r} (one of {choices})"
            )
        found[column] = type_
    return found


def _column_types(
    table: Table, canonical: EntityType | None, declared: dict[str, Type]
) -> dict[str, Type]:
    types = {}
    for column in table.header:
        known = canonical.field(column) if canonical is not None else None
        if column == "id":
            types[column] = Type.TEXT
        elif known is not None:
            types[column] = known.type
        elif column in declared:
            types[column] = declared[column]
        else:
            types[column] = infer_type(table.column(column))
    return types
