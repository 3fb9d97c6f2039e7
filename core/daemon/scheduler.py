"""Deciding what runs when: each rule's due slot, catch-up and missed slots.

`RuleScheduler.fire(rule)` is what a rule's APScheduler job calls, and what tests call
directly with a frozen clock: it works out, from the injected clock and what the store
says was handled, which slot is due now, records older ones as `missed`, and hands the
due one to the pipeline. A rule never runs twice at once, and never twice per slot:
the store's unique (rule, slot) key decides even when the wall clock jumps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from shopctl.clock import Clock
from shopctl.daemon import run_records
from shopctl.daemon.alerts import Alerts
from shopctl.daemon.events import event
from shopctl.daemon.slots import (
    Due,
    fires_between,
    grace,
    next_fire,
    plan_due,
    slot_key,
    trigger_for,
)
from shopctl.rules.compiled import CompiledRule
from shopctl.rules.model import Schedule

# A fire with no run recorded this long after it is reported by the dead-man check
# (long enough for a sync and an evaluation that are merely slow).
DEAD_MAN_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class RunResult:
    """How a scheduled run ended: its outcome (`taken` when the slot already had a run)."""

    outcome: str
    run_id: int | None = None
    error: str | None = None


class Pipeline(Protocol):
    """What the daemon asks of the acting pipeline."""

    def run(self, compiled: CompiledRule, slot: str, stop: threading.Event) -> RunResult:
        """Run `compiled` for `slot` (trigger "schedule")."""

    def execute_pending(self, stop: threading.Event) -> None:
        """Execute intents that are due: deferred ones whose time came, expired leases."""


class RuleScheduler:
    """The scheduled rules, what was handled for each, and firing them."""

    def __init__(
        self,
        engine: Engine,
        zone: ZoneInfo,
        clock: Clock,
        pipeline: Pipeline,
        alerts: Alerts,
        stop: threading.Event | None = None,
    ):
        self.engine = engine
        self.zone = zone
        self.clock = clock
        self.pipeline = pipeline
        self.alerts = alerts
        self.stop = stop or threading.Event()
        self.rules: dict[str, CompiledRule] = {}
        self._checked: dict[str, datetime] = {}
        # Where each rule's schedule took effect: earlier fires were never its to run.
        self._since: dict[str, datetime] = {}
        self._running: set[str] = set()
        self._guard = threading.Lock()

    def set_rules(self, rules: Mapping[str, CompiledRule]) -> tuple[set[str], set[str]]:
        """Schedule `rules` (unscheduled and disabled ones are left out); the names whose
        schedule is new or changed, and the names no longer scheduled."""
        wanted = {n: c for n, c in rules.items() if c.rule.schedule and c.rule.enabled}
        with self._guard:
            old = {n: c.rule.schedule for n, c in self.rules.items()}
            changed = {n for n, c in wanted.items() if old.get(n) != c.rule.schedule}
            gone = set(self.rules) - set(wanted)
            self.rules = dict(wanted)
            for name in gone:
                self._checked.pop(name, None)
                self._since.pop(name, None)
        now = self.clock.now()
        for name in changed:
            # A new schedule has no past to catch up on; a rule new to this process
            # continues from what the store says it handled.
            last = None if name in old else run_records.last_handled(self.engine, name)
            self._checked[name] = last if last is not None else self._fresh(name, now)
            self._since[name] = self._checked[name]
        return changed, gone

    def _fresh(self, name: str, now: datetime) -> datetime:
        # Nothing before a rule's first run counts as missed. An `every` rule serves
        # its current interval at once; `at` and cron rules wait for their time of day.
        schedule = self.schedule(name)
        return now - grace(schedule) if schedule.every else now

    def schedule(self, name: str) -> Schedule:
        """The schedule of a scheduled rule."""
        schedule = self.rules[name].rule.schedule
        assert schedule is not None
        return schedule

    def fire(self, name: str) -> RunResult | None:
        """Handle whatever of rule `name` is due now; the result of the run it started."""
        with self._guard:
            if name in self._running or name not in self.rules or self.stop.is_set():
                return None
            self._running.add(name)
            compiled = self.rules[name]
        try:
            return self._fire(name, compiled)
        finally:
            with self._guard:
                self._running.discard(name)

    def _fire(self, name: str, compiled: CompiledRule) -> RunResult | None:
        now = self.clock.now()
        schedule = self.schedule(name)
        plan = plan_due(schedule, self.zone, self._checked.get(name, now), now)
        if plan.missed or plan.uncounted:
            recorded = run_records.record_missed(self.engine, name, plan.missed, now)
            if recorded or plan.uncounted:
                slots = [d.slot for d in recorded]
                event("slots.missed", logging.WARNING, rule=name, slots=slots, older=plan.uncounted)
                self.alerts.missed(name, slots, plan.uncounted)
        if plan.checked_until is not None:
            self._checked[name] = max(self._checked.get(name, now), plan.checked_until)
        if plan.run is None:
            return None
        return self._run(name, compiled, plan.run)

    def _run(self, name: str, compiled: CompiledRule, due: Due) -> RunResult:
        event("run.start", rule=name, slot=due.slot, due_at=due.fire_at)
        try:
            result = self.pipeline.run(compiled, due.slot, self.stop)
        except Exception as exc:  # one rule's crash must not stop the schedule
            event("run.error", logging.ERROR, rule=name, slot=due.slot, error=str(exc))
            result = RunResult("failed", error=f"{type(exc).__name__}: {exc}")
        level = logging.WARNING if result.outcome in ("failed", "partial") else logging.INFO
        event("run.end", level, rule=name, slot=due.slot, outcome=result.outcome, run=result.run_id)
        if result.outcome != "taken":
            self.alerts.run_finished(name, result.outcome, result.error)
        return result

    def sweep(self) -> None:
        """Fire every rule: catches what a late wake-up or a clock jump left due."""
        for name in list(self.rules):
            if self.stop.is_set():
                return
            self.fire(name)

    def next_runs(self) -> dict[str, datetime | None]:
        """The next fire of each scheduled rule after now."""
        now = self.clock.now()
        return {
            name: next_fire(trigger_for(self.schedule(name), self.zone), now)
            for name in list(self.rules)
        }

    def check_dead_man(self) -> list[str]:
        """Alert for each rule whose latest fire, a while ago, has no run recorded."""
        now = self.clock.now()
        late = []
        for name in list(self.rules):
            if name in self._running:
                continue  # late, but on its way; the run will say how it went
            schedule = self.schedule(name)
            until = now - DEAD_MAN_AFTER
            start = max(until - grace(schedule), self._since.get(name, now))
            fires = fires_between(trigger_for(schedule, self.zone), start, until)
            if not fires:
                continue
            slot = slot_key(schedule, fires[-1], self.zone)
            if not run_records.slot_taken(self.engine, name, slot):
                self.alerts.dead_man(name, slot, fires[-1].astimezone(self.zone))
                late.append(name)
        return late
