"""Plans and runs of one rule: evaluate → guard → record intents → execute → outcome.

`plan_rule` stops before the ledger and writes nothing. `run_rule` writes the run row
and its intents in one transaction, executes them, and ends the run with exactly one
outcome and a trace of why each acted-on or near-miss entity did or did not match.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from shopctl.engine import ledger
from shopctl.engine.evaluate import Evaluation, Match, evaluate
from shopctl.engine.executor import DEFAULT_CALL_TIMEOUT, DEFAULT_LEASE, execute_pending
from shopctl.engine.failpoints import barrier, failpoint
from shopctl.engine.guards import PlannedAction, Skip, apply_guards
from shopctl.engine.ledger import Intent, NewIntent
from shopctl.engine.redact import redact
from shopctl.store.engine import READ_ONLY

if TYPE_CHECKING:
    from shopctl.project import Project
    from shopctl.rules.compiled import CompiledRule, EvalContext

NEAR_MISSES = 10
TRACE_ACTED = 40  # entities acted on whose values the trace keeps
FAILED_STATUSES = ("failed", "unknown", "lost")


@dataclass
class RulePlan:
    """What a run of one rule would do now: matches, planned actions, skipped entities."""

    compiled: CompiledRule
    ctx: EvalContext
    evaluation: Evaluation
    planned: list[PlannedAction] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    limit_exceeded: str | None = None

    @property
    def run_outcome(self) -> str:
        """The outcome a run would end with before acting: limit_exceeded, acted,
        all_skipped (matches, every one held back by a guard) or no_match."""
        if self.limit_exceeded:
            return "limit_exceeded"
        if self.planned:
            return "acted"
        return "all_skipped" if self.evaluation.matched else "no_match"

    @property
    def outcome(self) -> str:
        """SPEC §4.4's word for the plan: `would_act` where a run would act, else the
        run's outcome (`all_skipped`, `no_match`, `limit_exceeded`)."""
        outcome = self.run_outcome
        return "would_act" if outcome == "acted" else outcome

    def to_json(self) -> dict[str, Any]:
        """SPEC §7's `plan --json` entry for this rule."""
        rule = self.compiled.rule
        return {
            "rule": rule.name,
            "on": rule.on,
            "outcome": self.outcome,
            "matched": [m.id for m in self.evaluation.matched],
            "actions": [
                {"entity": p.entity_id, "action": p.action, "args": p.args} for p in self.planned
            ],
            "skipped": [{"entity": s.entity_id, "reason": s.reason} for s in self.skipped],
        }


@dataclass(frozen=True)
class SlotTaken:
    """The run was not started: its (rule, slot) already has run `run_id`."""

    rule: str
    slot: str
    run_id: int | None

    def __str__(self) -> str:
        return f"rule {self.rule!r} already ran for slot {self.slot!r} (run {self.run_id})"


@dataclass
class RunReport:
    """A finished run: its id, outcome, what matched, what was done, what was skipped."""

    run_id: int
    rule: str
    on: str
    outcome: str
    matched: list[str]
    intents: list[Intent] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    dry_run_actions: list[PlannedAction] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> int:
        """Actions that failed or whose effect is unknown."""
        return sum(1 for i in self.intents if i.status in FAILED_STATUSES)

    @property
    def reason(self) -> str | None:
        """Why the run failed, in one line: its own error, else its first failed action's
        (`4 failed: notify P0007: PermanentError: …`); None when nothing failed."""
        if self.error:
            return self.error
        failed = [i for i in self.intents if i.status in FAILED_STATUSES]
        if not failed:
            return None
        first = next((i for i in failed if i.last_error), failed[0])
        what = f"{len(failed)} {first.status}" if len(failed) > 1 else first.status
        why = first.last_error or "no reason recorded"
        return f"{what}: {first.action} {first.entity_id}: {why}"

    def to_json(self) -> dict[str, Any]:
        """SPEC §7's `run --json` entry: the plan shape plus the run id and statuses."""
        actions = [_action_json(i) for i in self.intents] + [
            {"entity": p.entity_id, "action": p.action, "args": p.args, "status": "planned"}
            for p in self.dry_run_actions
        ]
        data = {
            "rule": self.rule,
            "on": self.on,
            "run": self.run_id,
            "outcome": self.outcome,
            "matched": self.matched,
            "actions": actions,
            "skipped": [{"entity": s.entity_id, "reason": s.reason} for s in self.skipped],
        }
        if self.error:
            data["error"] = self.error
        return data


def _action_json(intent: Intent) -> dict[str, Any]:
    """One executed action; a failed or unknown one says why (already redacted)."""
    data = {
        "entity": intent.entity_id,
        "action": intent.action,
        "args": intent.args,
        "status": intent.status,
    }
    if intent.last_error and intent.status in FAILED_STATUSES:
        data["error"] = intent.last_error
    return data


def plan_rule(
    project: Project, compiled: CompiledRule, ctx: EvalContext, *, slot: str | None = None
) -> RulePlan:
    """Evaluate and guard one rule; nothing is written anywhere."""
    evaluation = evaluate(project, compiled, ctx, near_misses=NEAR_MISSES)
    with project.engine.connect().execution_options(**READ_ONLY) as conn:
        return _guard(project, conn, compiled, ctx, evaluation, slot)


def _guard(
    project: Project,
    conn: Connection,
    compiled: CompiledRule,
    ctx: EvalContext,
    evaluation: Evaluation,
    slot: str | None,
) -> RulePlan:
    guarded = apply_guards(project, conn, compiled, evaluation, ctx, slot)
    return RulePlan(
        compiled, ctx, evaluation, guarded.planned, guarded.skipped, guarded.limit_exceeded
    )


def _open(project: Project, conn: Connection, opening: dict[str, Any], plan: RulePlan) -> int:
    """Write the run and its planned intents in the guard transaction `conn`."""
    planned = [
        NewIntent(p.key, p.account, p.entity_id, p.action, p.args, p.status, p.not_before)
        for p in plan.planned
    ]
    return ledger.insert_run(
        conn,
        **opening,
        now=project.clock.now(),
        planned=planned,
        trace=build_trace(plan),
        on_run_inserted=lambda: failpoint("run_inserted"),
    )


def run_rule(
    project: Project,
    compiled: CompiledRule,
    at: datetime | None = None,
    *,
    slot: str | None = None,
    trigger: str = "manual",
    dry_run: bool = False,
    stop: threading.Event | None = None,
    owner: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
) -> RunReport | SlotTaken:
    """Run one rule now (or as of `at`): record, act, and give the run its outcome.

    With `slot`, the run holds the (rule, slot) pair; if it is already held, nothing
    happens and SlotTaken says which run holds it. `owner`, `lease` and `call_timeout`
    are handed to the executor.
    """
    engine, rule = project.engine, compiled.rule
    if slot is not None and (holder := ledger.slot_run(engine, rule.name, slot)) is not None:
        return SlotTaken(rule.name, slot, holder)
    ctx = project.eval_context(at)
    opening = {"rule": rule.name, "entity_type": rule.on, "slot": slot, "trigger": trigger}
    opening |= {"at": ctx.now, "dry_run": dry_run}
    try:  # evaluate outside the guard transaction; guard and write the intents inside it
        evaluation = evaluate(project, compiled, ctx, near_misses=NEAR_MISSES)
        barrier("evaluated")
        with ledger.guarded(engine, rule.name, slot) as conn:
            plan = _guard(project, conn, compiled, ctx, evaluation, slot)
            acting = not dry_run and plan.run_outcome == "acted"
            run_id = _open(project, conn, opening, plan) if acting else None
    except ledger.SlotTakenError as taken:
        return SlotTaken(taken.rule, taken.slot, taken.run_id)
    except Exception as exc:  # the store or a plugin function broke: record it, don't crash
        error = redact(f"{type(exc).__name__}: {exc}", project.config.secrets())
        return _closed_run(project, opening, "failed", [], [], error=error)
    matched = [m.id for m in plan.evaluation.matched]
    if run_id is None:
        outcome = "dry_run" if dry_run else plan.run_outcome
        preview = plan.planned if dry_run else []
        return _closed_run(
            project,
            opening,
            outcome,
            matched,
            plan.skipped,
            trace=build_trace(plan),
            preview=preview,
        )
    failpoint("intents_written")
    owner = owner or f"{socket.gethostname()}:{os.getpid()}:run-{run_id}"
    error = None
    try:
        report = execute_pending(
            project, owner=owner, run_id=run_id, stop=stop, lease=lease, call_timeout=call_timeout
        )
        intents = ledger.run_intents(engine, run_id)
        outcome = run_outcome(intents, report.interrupted)
    except Exception as exc:  # the store failed mid-run: its intents wait to be resumed
        error = redact(f"{type(exc).__name__}: {exc}", project.config.secrets())
        intents, outcome = ledger.run_intents(engine, run_id), "failed"
    ledger.finish_run(
        engine,
        run_id,
        outcome=outcome,
        now=project.clock.now(),
        counts=_counts(len(matched), plan.skipped, intents),
        error=error,
    )
    return RunReport(
        run_id, rule.name, rule.on, outcome, matched, intents, plan.skipped, error=error
    )


def run_outcome(intents: list[Intent], interrupted: bool) -> str:
    """The one outcome of a run from its intents' statuses."""
    if interrupted and any(i.status in ("planned", "claimed") for i in intents):
        return "interrupted"
    failed = sum(1 for i in intents if i.status in FAILED_STATUSES)
    if failed and failed == len(intents):
        return "failed"
    return "partial" if failed else "acted"


def build_trace(plan: RulePlan) -> dict[str, Any]:
    """Why the acted-on entities matched and the near misses did not, bounded in size.

    Each entity's values are keyed by the sub-expression's path in the rule ("when",
    "when/0", "when/0/1"…), as `CompiledRule.explain` gives them.
    """
    compiled, ctx = plan.compiled, plan.ctx
    acted = {(p.account, p.entity_id) for p in plan.planned}
    chosen = [m for m in plan.evaluation.matched if (m.account, m.id) in acted][:TRACE_ACTED]
    entities = [_traced(compiled, ctx, m, "matched") for m in chosen]
    entities += [_traced(compiled, ctx, m, "near_miss") for m in plan.evaluation.near_misses]
    return {
        "when": compiled.rule.when_text,
        "matched": len(plan.evaluation.matched),
        "total": plan.evaluation.total,
        "entities": entities,
    }


def _traced(compiled: CompiledRule, ctx: EvalContext, match: Match, verdict: str) -> dict[str, Any]:
    try:
        items = {
            item.path: {"text": item.text, "value": item.value}
            for item in compiled.explain(match.row, ctx)
        }
    except Exception as exc:  # a trace must never fail the run it describes
        items = {"error": {"text": "explain failed", "value": f"{type(exc).__name__}: {exc}"}}
    return {"entity": match.id, "account": match.account, "verdict": verdict, "values": items}


def _closed_run(
    project: Project,
    opening: dict[str, Any],
    outcome: str,
    matched: list[str],
    skipped: list[Skip],
    *,
    trace: Any = None,
    error: str | None = None,
    preview: list[PlannedAction] | None = None,
) -> RunReport | SlotTaken:
    try:
        run_id = ledger.open_run(
            project.engine,
            **opening,
            now=project.clock.now(),
            planned=[],
            outcome=outcome,
            counts=_counts(len(matched), skipped, []),
            trace=trace,
            error=error,
        )
    except ledger.SlotTakenError as taken:
        return SlotTaken(taken.rule, taken.slot, taken.run_id)
    rule, on = opening["rule"], opening["entity_type"]
    return RunReport(run_id, rule, on, outcome, matched, [], skipped, preview or [], error)


def _counts(matched: int, skipped: list[Skip], intents: list[Intent]) -> dict[str, int]:
    """The run row's counts, each of entities: an entity with two actions done is one
    acted on (history reads these)."""
    return {
        "matched": matched,
        "acted": _entities(i for i in intents if i.status in ("done", "deferred")),
        "skipped": len({(s.account, s.entity_id) for s in skipped}),
        "failed": _entities(i for i in intents if i.status in FAILED_STATUSES),
    }


def _entities(intents: Iterable[Intent]) -> int:
    return len({(i.account, i.entity_id) for i in intents})
