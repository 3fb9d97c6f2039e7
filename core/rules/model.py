"""The rule model both rule forms (YAML and text) load into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from shopctl.errors import Position
from shopctl.rules.ast import ActionCall, Expr

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    """When a rule runs: exactly one of `every`, `cron`, `at` is set."""

    every: timedelta | None = None
    cron: str | None = None  # five fields: minute hour day month weekday
    at: time | None = None  # local time of day in the configured zone
    weekday: str | None = None  # with `at`: "mon"…"sun" for a weekly rule

    @property
    def kind(self) -> str:
        """ "every", "cron" or "at"."""
        return "every" if self.every else "cron" if self.cron else "at"


@dataclass(frozen=True)
class QuietHours:
    """A daily window, local time, in which customer-facing messages wait."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Rule:
    """One operating rule: on which entities, when, under what condition, doing what."""

    name: str
    on: str  # entity type
    when: Expr
    do: tuple[ActionCall, ...]
    account: str | None = None  # `on: shop.ad_group` restricts to one account
    description: str = ""
    enabled: bool = True
    tags: tuple[str, ...] = ()
    schedule: Schedule | None = None  # None: runs only when asked
    limit: int | None = None  # None: the configured default (100)
    max_percent: float | None = None  # a share, 0.5 = 50%; None: default 50%
    cooldown: timedelta | None = None
    quiet_hours: QuietHours | None = None
    source: Position | None = field(default=None, compare=False)
    # Text of the `when` condition as written, for traces and `explain`.
    when_text: str = field(default="", compare=False)
