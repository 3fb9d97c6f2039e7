"""What `plan`, `run`, `history`, `actions` and `undo` print for people (80 columns too).

A rule is one header line (its failure's reason on it), then one line per action (and
status) naming as many entities as fit, `… and N more`; `--verbose` lists every row.
Lists end with a summary line. Values are shown by `formatting`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from shopctl.cli.formatting import (
    Column,
    args_text,
    count_summary,
    local_time,
    plural,
    print_table,
    sample,
)
from shopctl.engine.runs import FAILED_STATUSES, RulePlan, RunReport
from shopctl.engine.undo import UndoReport
from shopctl.registry import Registry

OUTCOME_STYLES = {
    "acted": "green",
    "would_act": "green",
    "no_match": "dim",
    "all_skipped": "dim",
    "dry_run": "cyan",
    "limit_exceeded": "yellow",
    "partial": "yellow",
    "failed": "red",
    "interrupted": "yellow",
    "missed": "red",
}
STATUS_STYLES = {"done": "green", "failed": "red", "unknown": "red", "deferred": "cyan"}
OUTCOME_ORDER = ("would_act", "acted", "partial", "failed", "all_skipped", "no_match")
INDENT = "  "


@dataclass(frozen=True)
class Shown:
    """What a table of actions needs to read stored values: declarations and the zone."""

    registry: Registry
    zone: ZoneInfo
    verbose: bool = False


def print_plans(
    console: Console, plans: Sequence[RulePlan], disabled: Mapping[str, str], shown: Shown
) -> None:
    """Each rule's plan: outcome, planned actions and skipped entities; a summary line."""
    for plan in plans:
        data = plan.to_json()
        _header(console, data)
        _actions(console, data["actions"], shown)
        _skipped(console, data["skipped"], shown)
    _disabled(console, disabled)
    actions = sum(len(p.planned) for p in plans)
    skipped = len(
        {(s.account, s.entity_id, p.compiled.rule.name) for p in plans for s in p.skipped}
    )
    tail = f"{plural(actions, 'action')} planned, {plural(skipped, 'entity')} skipped"
    _summary(console, Counter(p.outcome for p in plans), tail, disabled)


def print_run(console: Console, report: RunReport, shown: Shown) -> None:
    """What one run did; printed as soon as it ends, so a long `run` shows progress."""
    data = report.to_json()
    _header(console, data, reason=report.reason)
    _actions(console, data["actions"], shown)
    _skipped(console, data["skipped"], shown)


def print_runs_end(
    console: Console,
    reports: Sequence[RunReport],
    disabled: Mapping[str, str],
    earlier: Mapping[str, int],
) -> None:
    """After the runs: what earlier runs left due went out, broken rules, the summary."""
    if earlier:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(earlier.items()))
        console.print(f"actions earlier runs left due: {counts}", highlight=False)
    _disabled(console, disabled)
    statuses: Counter[str] = Counter(i.status for r in reports for i in r.intents)
    statuses["planned"] += sum(len(r.dry_run_actions) for r in reports)
    done = count_summary(statuses, ("done", "deferred", "planned", *FAILED_STATUSES))
    _summary(console, Counter(r.outcome for r in reports), f"actions: {done or 'none'}", disabled)


def print_sync_failures(console: Console, failures: Sequence[Mapping[str, Any]]) -> None:
    """One line per platform that could not be synced, with its reason."""
    for failure in failures:
        console.print(
            f"[red]sync failed[/]: {failure['account']} ({failure['plugin']}) "
            f"{failure['type']}: {escape(failure['message'])}",
            highlight=False,
        )


def print_history(console: Console, runs: Sequence[Mapping[str, Any]], zone: ZoneInfo) -> None:
    """Past runs, newest first; counts are of entities; times in the configured zone."""
    if not runs:
        console.print("no runs in this period")
        return
    # Counts no run has (no skip, no failure in the period) say nothing: not shown.
    counts = [k for k in ("matched", "acted", "skipped", "failed") if any(r[k] for r in runs)]
    keep = {"matched": 4, "acted": 5, "skipped": 2, "failed": 3}
    columns = [Column("run", 9, "right"), Column("rule", 9), Column("started", 6)]
    columns += [Column("outcome", 9), *(Column(k, keep[k], "right") for k in counts)]
    columns.append(Column("by", 1))
    rows = [
        [
            str(run["id"]),
            escape(run["rule"]),
            local_time(run["started_at"], zone),
            _styled(run["outcome"] or "running", OUTCOME_STYLES),
            *(str(run[k]) for k in counts),
            escape(run["slot"] or run["trigger"]),
        ]
        for run in runs
    ]
    print_table(console, columns, rows)
    outcomes = count_summary(Counter(r["outcome"] or "running" for r in runs), OUTCOME_ORDER)
    acted = sum(r["acted"] for r in runs)
    line = f"{plural(len(runs), 'run')}: {outcomes}; {plural(acted, 'entity')} acted on"
    console.print(line, highlight=False)


def print_actions(
    console: Console, actions: Sequence[Mapping[str, Any]], shown: Shown, limit: int
) -> None:
    """Ledger entries, one line each; `--verbose` gives each its arguments and detail."""
    if not actions:
        console.print("no actions recorded")
        return
    if shown.verbose:
        for item in actions:
            _action_story(console, item, shown)
    else:
        columns = [
            Column("id", 9, "right"),
            Column("run", 8, "right"),
            Column("rule", 9),
            Column("entity", 9),
            Column("action", 9),
            Column("status", 9),
            Column("when", 3),
            Column("detail", 2, wrap=True),
        ]
        rows = [
            [
                str(item["id"]),
                str(item["run_id"]),
                escape(item["rule"]),
                escape(item["entity_id"]),
                escape(item["action"]),
                _styled(item["status"], STATUS_STYLES),
                local_time(item["updated_at"], shown.zone),
                escape(_short(item["last_error"] or item["reference"] or "", 40)),
            ]
            for item in actions
        ]
        if "detail" in print_table(console, columns, rows, hint="--verbose has them"):
            _failure_lines(console, actions)
    statuses = count_summary(Counter(a["status"] for a in actions), ("done", "deferred"))
    more = " (the newest; --limit for more)" if len(actions) >= limit else ""
    console.print(f"{plural(len(actions), 'action')}: {statuses}{more}", highlight=False)


def print_undo(console: Console, report: UndoReport) -> None:
    """What undo restored, and what it could not."""
    console.print(
        f"run {report.run_id}: {len(report.undone)} change(s) undone, "
        f"{len(report.irreversible)} not reversible, {len(report.failed)} failed",
        highlight=False,
    )
    for intent_id, error in report.failed.items():
        console.print(f"  [red]intent {intent_id}[/]: {escape(error)}", highlight=False)


def _failure_lines(console: Console, actions: Sequence[Mapping[str, Any]]) -> None:
    """Every failure says why: the errors a narrow table had no room for, one per action."""
    for item in actions:
        if item["status"] in FAILED_STATUSES and item["last_error"]:
            console.print(
                f"{item['id']} {_styled(item['status'], STATUS_STYLES)}: "
                f"{escape(item['last_error'])}",
                highlight=False,
            )


def _action_story(console: Console, item: Mapping[str, Any], shown: Shown) -> None:
    spec = shown.registry.actions.get(item["action"])
    console.print(
        f"[bold]{item['id']}[/] run {item['run_id']} {escape(item['rule'])}: "
        f"{escape(item['action'])} {escape(item['entity_type'])} {escape(item['entity_id'])} "
        f"({escape(item['account'])}) {_styled(item['status'], STATUS_STYLES)}, "
        f"{item['attempts']} tries, {local_time(item['updated_at'], shown.zone)}",
        highlight=False,
    )
    if item["args"]:
        console.print(
            f"{INDENT}args: {escape(args_text(spec, item['args'], shown.zone))}", highlight=False
        )
    for key in ("last_error", "reference"):
        if item[key]:
            label = "error" if key == "last_error" else "reference"
            console.print(f"{INDENT}{label}: {escape(item[key])}", highlight=False)


def _header(console: Console, data: Mapping[str, Any], reason: str | None = None) -> None:
    run = f"  run {data['run']}" if "run" in data else ""
    why = f" — {escape(reason)}" if reason else ""
    counts = f"{len(data['matched'])} matched"
    counts += "".join(f", {len(data[key])} {key}" for key in ("actions", "skipped") if data[key])
    console.print(
        f"[bold]{escape(data['rule'])}[/] on {data['on']}{run}  "
        f"{_styled(data['outcome'], OUTCOME_STYLES)}  {counts}{why}",
        highlight=False,
    )


def _actions(console: Console, actions: Sequence[Mapping[str, Any]], shown: Shown) -> None:
    if shown.verbose:
        for item in actions:
            spec = shown.registry.actions.get(item["action"])
            status = f" {_styled(item['status'], STATUS_STYLES)}" if "status" in item else ""
            error = f": {escape(item['error'])}" if item.get("error") else ""
            args = escape(args_text(spec, item["args"], shown.zone))
            console.print(
                f"{INDENT}{escape(item['entity'])} {item['action']}({args}){status}{error}",
                highlight=False,
            )
        return
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in actions:
        groups[(item["action"], item.get("status", ""))].append(item["entity"])
    for (action, status), entities in groups.items():
        label = f"{action} {status}".strip()
        lead = f"{INDENT}{label} ×{len(entities)}: "
        names = sample(entities, console.width - len(lead))
        styled = f"{action} {_styled(status, STATUS_STYLES)}" if status else action
        console.print(
            f"{INDENT}{styled} ×{len(entities)}: {escape(names)}", highlight=False, overflow="fold"
        )


def _skipped(console: Console, skipped: Sequence[Mapping[str, Any]], shown: Shown) -> None:
    if shown.verbose:
        for item in skipped:
            console.print(
                f"{INDENT}{escape(item['entity'])} skipped: {escape(item['reason'])}",
                highlight=False,
            )
        return
    groups: dict[str, list[str]] = defaultdict(list)
    for item in skipped:
        groups[_reason_kind(item["reason"])].append(item["entity"])
    for kind, entities in groups.items():
        entities = list(dict.fromkeys(entities))
        lead = f"{INDENT}skipped ({kind}) ×{len(entities)}: "
        names = sample(entities, console.width - len(lead))
        console.print(f"{lead}{escape(names)}", highlight=False, markup=False)


def _reason_kind(reason: str) -> str:
    """A skip reason without its per-entity part: `cooldown until 12-09 10:00` -> `cooldown`."""
    return re.sub(r" until .*| \(.*\)$", "", reason)


def _disabled(console: Console, disabled: Mapping[str, str]) -> None:
    for name, reason in disabled.items():
        console.print(f"[red]{escape(name)}[/]: not run: {escape(reason)}", highlight=False)


def _summary(
    console: Console, outcomes: Counter[str], tail: str, disabled: Mapping[str, str]
) -> None:
    """`11 rules: 3 acted, 8 no_match; 83 actions done` and how many could not run."""
    rules = sum(outcomes.values())
    line = (
        f"{plural(rules, 'rule')}: {count_summary(outcomes, OUTCOME_ORDER) or 'none run'}; {tail}"
    )
    if disabled:
        line += f"; {len(disabled)} not run"
    console.print(line, highlight=False)


def _short(text: str, width: int) -> str:
    """The first line of `text`, at most `width` characters (the rest is in --verbose)."""
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= width else first[: width - 1] + "…"


def _styled(value: str, styles: Mapping[str, str]) -> str:
    style = styles.get(value)
    return f"[{style}]{value}[/]" if style else value
