"""What a sync did: rows per (account, type, kind), rejected records, failed platforms."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shopctl.errors import EXIT_INVALID, EXIT_OK, EXIT_PLUGIN


@dataclass(frozen=True)
class RowError:
    """A record that could not be stored; the rest of its batch still loads."""

    account: str
    entity_type: str
    kind: str  # "entities" or "metrics"
    row: int  # 1-based position in what the platform yielded
    id: str | None
    source: str | None  # where the plugin read it, e.g. "customer.csv:17"
    message: str

    def __str__(self) -> str:
        where = self.source or f"row {self.row}"
        what = f"{self.entity_type} {self.id}" if self.id else self.entity_type
        return f"{self.account}: {where}: {what}: {self.message}"


@dataclass(frozen=True)
class PlatformFailure:
    """A platform that raised while syncing one entity type."""

    account: str
    plugin: str
    entity_type: str
    kind: str
    message: str

    def __str__(self) -> str:
        if self.kind == "schema":
            return f"{self.account} (platform {self.plugin}) cannot read its data: {self.message}"
        return (
            f"{self.account} (platform {self.plugin}) failed while syncing "
            f"{self.entity_type} {self.kind}: {self.message}"
        )


@dataclass
class SyncCount:
    """What one (account, entity type, kind) sync did."""

    account: str
    entity_type: str
    kind: str
    rows: int = 0
    rejected: int = 0
    seconds: float = 0.0
    complete: bool = False  # the fetch ran to its end and the cursor moved


@dataclass
class SyncReport:
    """Counts per (account, type, kind), rejected rows, failed platforms, throughput."""

    counts: list[SyncCount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    failures: list[PlatformFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows written in all."""
        return sum(c.rows for c in self.counts)

    @property
    def rows_per_second(self) -> float | None:
        """Throughput, or None when no time was measured (a frozen clock)."""
        return self.rows / self.seconds if self.seconds > 0 else None

    @property
    def exit_code(self) -> int:
        """3 when a platform failed, else 1 when rows were rejected, else 0."""
        if self.failures:
            return EXIT_PLUGIN
        return EXIT_INVALID if self.errors else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        """The `sync --json` shape."""
        rate = self.rows_per_second
        return {
            "synced": [
                {
                    "account": c.account,
                    "type": c.entity_type,
                    "kind": c.kind,
                    "rows": c.rows,
                    "rejected": c.rejected,
                    "complete": c.complete,
                    "seconds": round(c.seconds, 3),
                }
                for c in self.counts
            ],
            "errors": [
                {
                    "account": e.account,
                    "type": e.entity_type,
                    "kind": e.kind,
                    "row": e.row,
                    "id": e.id,
                    "source": e.source,
                    "message": e.message,
                }
                for e in self.errors
            ],
            "failures": [
                {
                    "account": f.account,
                    "plugin": f.plugin,
                    "type": f.entity_type,
                    "kind": f.kind,
                    "message": f.message,
                }
                for f in self.failures
            ],
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(rate) if rate is not None else None,
        }
