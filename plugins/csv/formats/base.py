"""How a platform's export is declared: its columns, the canonical fields they fill, the
shape of its rows and the bulk-upload file actions write back.

A format is data, not code: `docs/builtin-plugins.md`, recognition, reading and the
bulk-edit writer all read the same declaration. Adding a platform's export is adding
one `Format` to a module of `shopctl_plugins.csv.formats`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from shopctl import Type

# What a cell holds, as the export writes it; `cells.parser` reads each kind.
KIND_TYPES: dict[str, Type] = {
    "text": Type.TEXT,
    "id": Type.TEXT,  # '7300… (a leading apostrophe Excel keeps ids with is dropped)
    "integer": Type.INTEGER,  # 1,204
    "number": Type.NUMBER,  # 1,234.50
    "money": Type.NUMBER,  # ¥12.30, $1,234.50, 17,191.00
    "percent": Type.NUMBER,  # 12.5% -> 0.125
    "fraction": Type.NUMBER,  # 0.0786, or 7.86% (ratios some exports write as fractions)
    "timestamp": Type.TIMESTAMP,  # 2026/11/20 13:05, 2026-11-20 13:05:00 +0800, Sep 01, 2026
    "boolean": Type.BOOLEAN,  # yes/no, true/false, 是/否
    "tags": Type.TEXT_LIST,  # "a, b, c"
    "numbers": Type.NUMBER_LIST,  # "1, 2.5" or a JSON array
    "status": Type.TEXT,  # the platform's words, mapped through Column.values
}
# How the rows of one entity combine into its record (Format.group_by).
MERGES = ("first", "sum", "min", "max", "last")


@dataclass(frozen=True)
class Column:
    """One column of an export and the canonical field or metric it fills."""

    to: str  # the field (or metric) name
    headers: tuple[str, ...]  # the export's names for it, compared as `normalise_header` does
    kind: str = "text"
    values: Mapping[str, str] = field(default_factory=dict)  # status words -> canonical
    merge: str = "first"  # over the rows of one entity: first non-empty, sum, min…
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KIND_TYPES:
            raise ValueError(f"column {self.to}: unknown kind {self.kind!r}")
        if self.merge not in MERGES:
            raise ValueError(f"column {self.to}: unknown merge {self.merge!r}")

    @property
    def type(self) -> Type:
        """The type of the field this column fills."""
        return KIND_TYPES[self.kind]


@dataclass(frozen=True)
class Join:
    """A field filled from another type's records: customer.last_order_at = the newest
    order.created_at whose order.customer_email equals the customer's email."""

    to: str
    from_type: str
    key: str  # the field of this type matched…
    other_key: str  # …against this field of `from_type`
    value: str  # the field of `from_type` taken
    how: str = "max"  # max, min or count


@dataclass(frozen=True)
class BulkFile:
    """The file the platform's own bulk upload takes; one row per changed entity."""

    name: str  # file name under out/: "{type}-{action}" is filled in
    keys: tuple[tuple[str, str], ...]  # (header, field) copied from the entity (Handle)
    columns: Mapping[str, str]  # changed field -> header (status -> "Status")
    fixed: tuple[tuple[str, str], ...] = ()  # (header, value): ("Operation", "Update")
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # field -> words
    upload: str = ""  # where the operator uploads it, for the docs and `sync`'s note
    worksheet: bool = False  # the platform has no upload: a sheet to follow by hand


@dataclass(frozen=True)
class Format:
    """One export of one platform, recognised by its header row."""

    name: str  # "shopify.products"
    export: str  # the platform's own name for it: "Shopify admin › Products › Export"
    entity_type: str
    signature: tuple[str, ...]  # headers that must all be present to recognise it
    id: tuple[str, ...]  # headers whose values make the id ("/" between); () = the account
    fields: tuple[Column, ...] = ()
    metrics: tuple[Column, ...] = ()  # with `day`: each row is one day's figures
    day: tuple[str, ...] = ()  # the headers of the date of a metrics row
    group_by: tuple[str, ...] = ()  # consecutive rows with these values are one entity
    sum_metrics: bool = False  # rows of one id and day add up (search-term reports)
    file_names: re.Pattern[str] | None = None  # where the header alone is ambiguous
    sheet: str | None = None  # the workbook sheet it is on, when not the first
    joins: tuple[Join, ...] = ()
    bulk: BulkFile | None = None
    notes: str = ""  # value formats and quirks, for the docs

    @property
    def is_report(self) -> bool:
        """A report: rows are figures per entity per day, entities derived from them."""
        return bool(self.metrics)

    def column(self, to: str) -> Column | None:
        """The column filling field or metric `to`."""
        return next((c for c in (*self.fields, *self.metrics) if c.to == to), None)
