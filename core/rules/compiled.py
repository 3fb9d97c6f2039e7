"""What a checked rule compiles to, and what the evaluator must provide to run it.

The compiler knows SQLAlchemy Core but not the store's tables: the evaluator hands it
a `SqlBinding` that turns field paths and window aggregates into column expressions.
Rows given to Python closures are mappings keyed by `field_key` / `window_key`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.sql.elements import ColumnElement

from shopctl.registry import ActionSpec, EntityType
from shopctl.rules.model import Rule

Row = Mapping[str, Any]


def field_key(path: tuple[str, ...]) -> str:
    """Row key of a field or related field: ("customer", "tier") -> "customer.tier"."""
    return ".".join(path)


def window_key(func: str, metric: str, days: int) -> str:
    """Row key of a window aggregate: ("sum", "spend", 7) -> "sum:spend:7"."""
    return f"{func}:{metric}:{days}"


@dataclass(frozen=True)
class Window:
    """An aggregate of a daily metric over the `days` whole local days ending today."""

    func: str  # sum, avg, min, max
    metric: str
    days: int

    @property
    def key(self) -> str:
        """Its row key."""
        return window_key(self.func, self.metric, self.days)


@dataclass(frozen=True)
class EvalContext:
    """The instant a rule is evaluated at, and the zone its days are counted in."""

    now: datetime  # aware
    zone: ZoneInfo

    @property
    def today(self) -> date:
        """The local date of `now`."""
        return self.now.astimezone(self.zone).date()


class SqlBinding(Protocol):
    """Supplied by the evaluator: SQL for the names a compiled condition uses."""

    dialect: str  # "sqlite" or "postgresql"
    ctx: EvalContext  # the evaluation: values that do not depend on the row are computed once

    def field(self, path: tuple[str, ...]) -> ColumnElement[Any]:
        """The column of a field of the target entity, or of a related one."""

    def window(self, window: Window) -> ColumnElement[Any]:
        """The aggregate of a daily metric over the window (null where no rows)."""

    def now(self) -> ColumnElement[Any]:
        """The evaluation instant as a bound parameter."""


@dataclass(frozen=True)
class TraceItem:
    """One sub-expression's value for one entity: its path in the rule, text, value."""

    path: str  # "when", "when/0", "when/0/1"… (child indexes)
    text: str  # the sub-expression as written
    value: Any


@dataclass(frozen=True)
class CompiledAction:
    """One `do` item ready to run: its declaration and argument evaluators."""

    spec: ActionSpec
    # Parameter name -> function of (row, ctx) giving the argument's value; template
    # arguments give the rendered text, channel arguments the channel name.
    args: Mapping[str, Callable[[Row, EvalContext], Any]]


@dataclass(frozen=True)
class CompiledRule:
    """A checked rule, compiled once and evaluated many times."""

    rule: Rule
    entity_type: EntityType
    fields: tuple[tuple[str, ...], ...]  # field paths the rule reads (incl. actions)
    windows: tuple[Window, ...]  # window aggregates the rule reads
    # Builds the SQL filter for the part of the condition SQL can express; None when
    # nothing can be pushed down. The rest is in `residual`.
    sql: Callable[[SqlBinding], ColumnElement[Any] | None]
    # The part of the condition evaluated in Python (None when all is pushed down);
    # returns True only where the condition is true (null/unknown is not a match).
    residual: Callable[[Row, EvalContext], bool] | None
    # The whole condition in Python: True, False or None (unknown).
    condition: Callable[[Row, EvalContext], bool | None]
    # The value of every sub-expression for one row, each node before its children.
    explain: Callable[[Row, EvalContext], list[TraceItem]]
    actions: tuple[CompiledAction, ...] = field(default=())
