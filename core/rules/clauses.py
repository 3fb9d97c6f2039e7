"""The keys of a rule (`on`, `every`, `limit`…), their values checked the same way in
both rule forms, and the draft a rule is assembled in while its errors are collected."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from shopctl.errors import Position, RuleError
from shopctl.rules.ast import ActionCall, Expr
from shopctl.rules.cron import cron_trigger
from shopctl.rules.durations import parse_duration
from shopctl.rules.model import WEEKDAYS, QuietHours, Rule, Schedule
from shopctl.rules.suggest import did_you_mean

RULE_KEYS = ("rule", "description", "enabled", "tags", "on", "every", "cron", "at", "when",
             "do", "limit", "max_percent", "cooldown", "quiet_hours")  # fmt: skip
SCHEDULE_KEYS = ("every", "cron", "at")
REQUIRED_KEYS = ("on", "when", "do")
RULE_NAME = re.compile(r"\w[\w.\-]{0,99}")
_TARGET = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)?")
_CLOCK = r"([01]?\d|2[0-3]):([0-5]\d)"
_AT = re.compile(rf"(?:({'|'.join(WEEKDAYS)})\s+)?{_CLOCK}", re.IGNORECASE)
_QUIET = re.compile(rf"{_CLOCK}\s*-\s*{_CLOCK}")
MIN_EVERY = timedelta(minutes=1)


def unknown_key(key: str, known: Iterable[str], what: str = "key") -> str:
    """The message for a key that is not one of `known`."""
    known = list(known)
    hint = did_you_mean(key, known) or f" (known: {', '.join(known)})"
    return f"unknown {what} `{key}`{hint}"


def rule_name(text: str) -> str:
    """A rule's name: letters, digits, `_`, `-` and `.`, at most 100 characters."""
    if not RULE_NAME.fullmatch(text) or text.startswith("__"):
        raise ValueError(f"'{text[:40]}' is not a rule name; use letters, digits, '-', '_' and '.'")
    return text


def target(text: str) -> tuple[str | None, str]:
    """`ad_group` -> (None, "ad_group"); `shop.ad_group` -> ("shop", "ad_group")."""
    if not _TARGET.fullmatch(text) or "__" in text:
        raise ValueError(
            f"'{text[:40]}' is not an entity type; write e.g. ad_group or shop.ad_group"
        )
    account, _, entity_type = text.rpartition(".")
    return account or None, entity_type


def every(text: str) -> Schedule:
    """`every 1h`: at least a minute."""
    interval = parse_duration(text)
    if interval < MIN_EVERY:
        raise ValueError(f"'every {text}' is too often; the shortest interval is 1m")
    return Schedule(every=interval)


def cron(text: str) -> Schedule:
    """`cron "0 9 * * mon"`: five fields, checked by the scheduler's own parser."""
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron schedule has 5 fields (minute hour day month weekday), not {len(fields)}"
        )
    try:
        cron_trigger(" ".join(fields), "UTC")
    except ValueError as exc:
        raise ValueError(f"invalid cron schedule '{text}': {exc}") from None
    return Schedule(cron=" ".join(fields))


def at(text: str) -> Schedule:
    """`at "09:00"` (daily) or `at "mon 09:00"` (weekly), local time."""
    match = _AT.fullmatch(text.strip())
    if not match:
        raise ValueError(f"'{text[:40]}' is not a time; write HH:MM or e.g. mon 09:00")
    weekday = match.group(1).lower() if match.group(1) else None
    return Schedule(at=time(int(match.group(2)), int(match.group(3))), weekday=weekday)


def quiet_hours(text: str) -> QuietHours:
    """`"22:00-08:00"`: a daily window, local time; it may cross midnight."""
    match = _QUIET.fullmatch(text.strip())
    if not match:
        raise ValueError(f"'{text[:40]}' is not a time window; write e.g. 22:00-08:00")
    h1, m1, h2, m2 = map(int, match.groups())
    if (h1, m1) == (h2, m2):
        raise ValueError("quiet hours start and end at the same time")
    return QuietHours(time(h1, m1), time(h2, m2))


def positive_int(value: Any) -> int:
    """A count such as `limit`: a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"'{value}' is not a whole number of at least 1")
    return value


def percent(value: Any) -> float:
    """`30%` or `30` (a percentage, 0 to 100) -> the share 0.3."""
    text = str(value).strip()
    number = text.removesuffix("%").strip()
    try:
        share = float(number) / 100
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a percentage; write e.g. 30%") from None
    if isinstance(value, bool) or not 0 <= share <= 1:
        raise ValueError(f"'{text[:40]}' is not a percentage between 0% and 100%")
    return share


def duration(text: str) -> timedelta:
    """`cooldown 7d`."""
    return parse_duration(text)


@dataclass
class ParsedRule:
    """One rule as read from a file: the Rule, or the errors that stop it."""

    name: str | None
    position: Position
    rule: Rule | None = None
    errors: list[RuleError] = field(default_factory=list)


@dataclass
class RuleDraft:
    """A rule being assembled key by key; each bad key adds an error and the rest
    are still checked, so one pass reports every mistake."""

    position: Position
    name: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)  # keys written, valid or not
    errors: list[RuleError] = field(default_factory=list)

    def set(
        self, key: str, where: Position, length: int, check: Callable[..., Any], *args: Any
    ) -> None:
        """Set `key` to check(*args); a ValueError or RuleError becomes an error here."""
        if key in SCHEDULE_KEYS:
            given = next((k for k in SCHEDULE_KEYS if k in self.given), None)
            if given is not None:
                self.fail(f"a rule has one schedule; `{given}` is already given", where, length)
                return
        if key in self.given:
            self.fail(f"`{key}` is given twice", where, length)
            return
        self.given.add(key)
        try:
            self.values[key] = check(*args)
        except RuleError as exc:
            self.errors.append(exc)
        except ValueError as exc:
            self.fail(str(exc), where, length)

    def fail(self, message: str, where: Position, length: int = 1) -> None:
        """Record an error of this rule."""
        self.errors.append(RuleError(message, where, length))

    def finish(self, when_text: str = "") -> ParsedRule:
        """The parsed rule with its errors; a Rule whenever name, on, when and do are valid."""
        for key in REQUIRED_KEYS:
            if key not in self.given:
                self.fail(f"rule `{self.name or '?'}` has no `{key}`", self.position)
        if self.name is None or not {"on", "when", "do"} <= self.values.keys():
            return ParsedRule(self.name, self.position, None, self.errors)
        # With a bad `limit` or schedule the condition and actions are still checked
        # (errors and all), so one pass reports every mistake; such a rule never runs.
        values = self.values
        account, entity_type = values["on"]
        schedule = next((values[k] for k in SCHEDULE_KEYS if k in values), None)
        when: Expr = values["when"]
        do: tuple[ActionCall, ...] = values["do"]
        rule = Rule(
            name=self.name,
            on=entity_type,
            when=when,
            do=do,
            account=account,
            description=values.get("description", ""),
            enabled=values.get("enabled", True),
            tags=tuple(values.get("tags", ())),
            schedule=schedule,
            limit=values.get("limit"),
            max_percent=values.get("max_percent"),
            cooldown=values.get("cooldown"),
            quiet_hours=values.get("quiet_hours"),
            source=self.position,
            when_text=when_text,
        )
        return ParsedRule(self.name, self.position, rule, self.errors)
