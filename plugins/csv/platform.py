"""The `csv` platform: a folder of exports for operators with no API access (SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shopctl import (
    ActionRequest,
    ActionResult,
    EntityType,
    PermanentError,
    Platform,
    PluginContext,
    Record,
    Setting,
    Type,
    action,
)
from shopctl_plugins.csv.bulk_edit import BulkEdits
from shopctl_plugins.csv.folder import DAILY_SUFFIX, Table, read_schema, read_table
from shopctl_plugins.csv.values import CellError, parse_cell, parse_date
from shopctl_plugins.shared_actions import (
    BID,
    BUDGET,
    CHANGED_FIELD,
    PRICE,
    recorded_result,
    undo_field,
)

SOURCE = "_source"
ERROR = "_error"


class CsvPlatform(Platform):
    """Entities from `<type>.csv`, daily metrics from `<type>_daily.csv`; actions write
    bulk-edit files to `out/`.

    Every record carries `_source` ("ad_group.csv:17"). A row that cannot be read keeps
    its raw cell (or, for a wrong number of cells, no id) so sync rejects it and reports
    that place; `_error` says what is wrong with it.
    """

    name = "csv"
    version = "1"
    settings = (
        Setting("path", Type.TEXT, "Folder of <type>.csv exports (relative: to the project)"),
        Setting(
            "types",
            Type.ANY,
            "Types of extra columns instead of inferring them: {ad_group: {margin: number}}",
            None,
        ),
        Setting("timezone", Type.TEXT, "Zone of timestamps written without an offset", "UTC"),
    )

    def __init__(self, account: str, settings: Mapping[str, Any], context: PluginContext):
        super().__init__(account, settings, context)
        folder = Path(str(self.config.get("path") or ""))
        if not self.config.get("path"):
            raise PermanentError(f"csv account {account}: the `path` setting is required")
        if not folder.is_absolute():
            # The state folder lives in the project folder, next to shopctl.yaml.
            folder = context.state_dir.parent / folder
        self.folder = folder
        self.zone = ZoneInfo(str(self.config.get("timezone") or "UTC"))
        declared = self.config.get("types") or {}
        if not isinstance(declared, Mapping):
            raise PermanentError(f"csv account {account}: `types` must map types to columns")
        self.schema = read_schema(folder, declared)
        self.provides = tuple(self.schema.fields)
        self.edits = BulkEdits(folder)

    def entity_types(self) -> Sequence[EntityType]:
        """The extra columns (and whole new types) this folder adds."""
        return self.schema.extensions

    def fetch(self, entity_type: str, since: datetime | None) -> Iterable[Record]:
        """Every row of `<type>.csv` (the file is read whole: it has no change times)."""
        types = self.schema.fields.get(entity_type)
        if types is None:
            return []
        return list(self._records(read_table(self.folder / f"{entity_type}.csv"), types))

    def fetch_metrics(self, entity_type: str, since: date | None) -> Iterable[Record]:
        """The rows of `<type>_daily.csv` dated `since` or later."""
        if entity_type not in self.schema.metrics:
            return []
        table = read_table(self.folder / f"{entity_type}{DAILY_SUFFIX}.csv")
        types = {c: Type.NUMBER for c in table.header}
        types["id"] = Type.TEXT
        found = []
        for record in self._records(table, types, dated=True):
            day = record.get("date")
            if since is None or not isinstance(day, date) or day >= since:
                found.append(record)
        return found

    def _records(
        self, table: Table, types: Mapping[str, Type], dated: bool = False
    ) -> Iterator[dict[str, Any]]:
        width = len(table.header)
        for line, cells in table.rows:
            source = table.source(line)
            if len(cells) != width:
                yield {
                    "id": None,
                    SOURCE: source,
                    ERROR: f"expected {width} columns, found {len(cells)}",
                }
                continue
            record: dict[str, Any] = {SOURCE: source}
            problems = []
            for column, text in zip(table.header, cells, strict=True):
                if column not in types and not (dated and column == "date"):
                    continue  # a column added after the account was opened
                try:
                    if dated and column == "date":
                        record[column] = parse_date(text)
                    else:
                        record[column] = parse_cell(text, types[column], self.zone)
                except CellError as exc:
                    record[column] = text  # sync rejects the row and names the field
                    problems.append(f"column {column}: {exc}")
            if problems:
                record[ERROR] = "; ".join(problems)
            yield record

    def _edit(self, request: ActionRequest, value: Any) -> ActionResult:
        """Write the bulk-edit row setting the action's field to `value`, once per key."""
        column = CHANGED_FIELD[request.action]
        before = {column: request.entity.get(column)}
        after = {column: value}
        path = self.edits.path(request.entity_type, request.action)
        result = {"before": before, "after": after, "detail": f"{path.name}: {column}={value}"}
        if not request.dry_run:
            result = self.edits.write(path, request.entity_id, after, request.key, result)
        return recorded_result(result)

    def lookup(self, request: ActionRequest) -> ActionResult | None:
        """The result recorded for `request.key`, or None if no row was written for it."""
        done = self.edits.done(request.key)
        return recorded_result(done) if done is not None else None

    def restore(self, request: ActionRequest, before: Mapping[str, Any]) -> ActionResult:
        """Append a row that puts the old value back (once per undone key)."""
        column = undo_field("csv", request, before)
        path = self.edits.path(request.entity_type, request.action)
        result = {
            "before": {column: None},
            "after": {column: before[column]},
            "detail": f"{path.name}: {column}={before[column]} (undo)",
        }
        written = self.edits.write(
            path, request.entity_id, {column: before[column]}, f"undo:{request.key}", result
        )
        return recorded_result(written)

    @action("ad_group", reversible=True, idempotent=True, honours_keys=True, example="pause")
    def pause(self, request: ActionRequest) -> ActionResult:
        """Add the ad group to out/ad_group-pause.csv with status paused."""
        return self._edit(request, "paused")

    @action("ad_group", reversible=True, idempotent=True, honours_keys=True, example="resume")
    def resume(self, request: ActionRequest) -> ActionResult:
        """Add the ad group to out/ad_group-resume.csv with status active."""
        return self._edit(request, "active")

    @action(
        "ad_group",
        params=(BID,),
        reversible=True,
        idempotent=True,
        honours_keys=True,
        example="set_bid(min(bid * 1.1, 5))",
    )
    def set_bid(self, request: ActionRequest) -> ActionResult:
        """Add the ad group's new bid to out/ad_group-set_bid.csv."""
        return self._edit(request, _positive(request, "bid"))

    @action(
        "ad_group",
        params=(BUDGET,),
        reversible=True,
        idempotent=True,
        honours_keys=True,
        example="set_budget(daily_budget * 0.8)",
    )
    def set_budget(self, request: ActionRequest) -> ActionResult:
        """Add the ad group's new daily budget to out/ad_group-set_budget.csv."""
        return self._edit(request, _positive(request, "amount"))

    @action(
        "product",
        params=(PRICE,),
        reversible=True,
        idempotent=True,
        honours_keys=True,
        example="set_price(price * 0.9)",
    )
    def set_price(self, request: ActionRequest) -> ActionResult:
        """Add the product's new price to out/product-set_price.csv."""
        return self._edit(request, _positive(request, "price"))


def _positive(request: ActionRequest, name: str) -> float:
    value = request.args.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PermanentError(
            f"{request.action}: {name} must be a number greater than 0, not {value!r}"
        )
    return round(float(value), 2)
