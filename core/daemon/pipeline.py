"""The daemon's door to the acting pipeline: `run_rule` and `execute_pending`."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from shopctl.daemon.events import event
from shopctl.daemon.scheduler import RunResult

if TYPE_CHECKING:
    from shopctl.project import Project
    from shopctl.rules.compiled import CompiledRule


class EnginePipeline:
    """Runs scheduled rules and pending intents through shopctl.engine for one daemon."""

    def __init__(self, project: Project, owner: str, lease: timedelta, call_timeout: float):
        self.project = project
        self.owner = owner
        self.lease = lease
        self.call_timeout = call_timeout

    def run(self, compiled: CompiledRule, slot: str, stop: threading.Event) -> RunResult:
        """Sync the rule's entity type, then run it for `slot`; `taken` when the slot
        already has a run."""
        from shopctl.engine.runs import SlotTaken, run_rule
        from shopctl.engine.sync import sync

        rule = compiled.rule
        try:
            synced = sync(self.project, account=rule.account, entity_type=rule.on)
            failures = [str(f) for f in synced.failures]
        except Exception as exc:  # act on what the store has; say the data may be stale
            failures = [f"{type(exc).__name__}: {exc}"]
        if failures:
            event("sync.failed", logging.WARNING, rule=rule.name, errors=failures)
        report = run_rule(
            self.project,
            compiled,
            slot=slot,
            trigger="schedule",
            stop=stop,
            owner=self.owner,
            lease=self.lease,
            call_timeout=self.call_timeout,
        )
        if isinstance(report, SlotTaken):
            return RunResult("taken", report.run_id)
        return RunResult(report.outcome, report.run_id, report.reason)

    def execute_pending(self, stop: threading.Event) -> None:
        """Execute due intents: quiet-hour deferrals whose time came, expired leases."""
        from shopctl.engine.executor import execute_pending

        execute_pending(
            self.project,
            owner=self.owner,
            stop=stop,
            lease=self.lease,
            call_timeout=self.call_timeout,
        )
