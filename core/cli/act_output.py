"""Rich tables for `plan`, `run`, `history`, `actions` and `undo`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from shopctl.engine.runs import RulePlan, RunReport
from shopctl.engine.undo import UndoReport

OUTCOME_STYLES = {
    "acted": "green",
    "no_match": "dim",
    "dry_run": "cyan",
    "limit_exceeded": "yellow",
    "partial": "yellow",
    "failed": "red",
    "interrupted": "yellow",
    "missed": "red",
}
STATUS_STYLES = {"done": "green", "failed": "red", "unknown": "red", "deferred": "cyan"}


def print_plans(console: Console, plans: Sequence[RulePlan], disabled: Mapping[str, str]) -> None:
    """Each rule's plan: outcome, planned actions and skipped entities."""
    for plan in plans:
        data = plan.to_json()
        _header(console, data)
        _actions(console, data["actions"], with_status=False)
        _skipped(console, data["skipped"])
    _disabled(console, disabled)


def print_runs(
    console: Console,
    reports: Sequence[RunReport],
    disabled: Mapping[str, str],
    sync_failures: Sequence[Mapping[str, Any]],
    earlier: Mapping[str, int],
) -> None:
    """What each run did, and what earlier runs left due that went out now."""
    for failure in sync_failures:
        console.print(
            f"[red]sync failed[/]: {failure['account']} ({failure['plugin']}) "
            f"{failure['type']}: {escape(failure['message'])}",
            markup=True,
            highlight=False,
        )
    for report in reports:
        data = report.to_json()
        _header(console, data)
        if report.error:
            console.print(f"  [red]error[/]: {escape(report.error)}", highlight=False)
        _actions(console, data["actions"], with_status=True)
        _skipped(console, data["skipped"])
    if earlier:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(earlier.items()))
        console.print(f"actions earlier runs left due: {counts}", highlight=False)
    _disabled(console, disabled)


def print_history(console: Console, runs: Sequence[Mapping[str, Any]], zone: ZoneInfo) -> None:
    """Past runs, newest first; times in the configured zone."""
    table = Table("run", "rule", "started", "by", "outcome", "matched", "acted", "skipped")
    table.add_column("failed")
    for run in runs:
        started = datetime.fromisoformat(run["started_at"]).astimezone(zone)
        table.add_row(
            str(run["id"]),
            escape(run["rule"]),
            f"{started:%Y-%m-%d %H:%M}",
            escape(run["slot"] or run["trigger"]),
            _styled(run["outcome"] or "running", OUTCOME_STYLES),
            *(str(run[k]) for k in ("matched", "acted", "skipped", "failed")),
        )
    console.print(table if runs else "no runs in this period")


def print_actions(console: Console, actions: Sequence[Mapping[str, Any]]) -> None:
    """Ledger entries."""
    table = Table("id", "run", "rule", "entity", "action", "args", "status", "tries", "detail")
    for item in actions:
        table.add_row(
            str(item["id"]),
            str(item["run_id"]),
            item["rule"],
            escape(f"{item['entity_type']} {item['entity_id']}"),
            item["action"],
            _args(item["args"]),
            _styled(item["status"], STATUS_STYLES),
            str(item["attempts"]),
            escape(item["last_error"] or item["reference"] or ""),
        )
    console.print(table if actions else "no actions recorded")


def print_undo(console: Console, report: UndoReport) -> None:
    """What undo restored, and what it could not."""
    console.print(
        f"run {report.run_id}: {len(report.undone)} change(s) undone, "
        f"{len(report.irreversible)} not reversible, {len(report.failed)} failed",
        highlight=False,
    )
    for intent_id, error in report.failed.items():
        console.print(f"  [red]intent {intent_id}[/]: {escape(error)}", highlight=False)


def _header(console: Console, data: Mapping[str, Any]) -> None:
    run = f"run {data['run']}  " if "run" in data else ""
    console.print(
        f"[bold]{escape(data['rule'])}[/] on {data['on']}  {run}"
        f"{_styled(data['outcome'], OUTCOME_STYLES)}  matched {len(data['matched'])}, "
        f"actions {len(data['actions'])}, skipped {len(data['skipped'])}",
        highlight=False,
    )


def _actions(console: Console, actions: Sequence[Mapping[str, Any]], *, with_status: bool) -> None:
    if not actions:
        return
    table = Table("entity", "action", "args", *(["status"] if with_status else []))
    for item in actions:
        status = [_styled(item["status"], STATUS_STYLES)] if with_status else []
        table.add_row(escape(item["entity"]), item["action"], _args(item["args"]), *status)
    console.print(table)


def _skipped(console: Console, skipped: Sequence[Mapping[str, Any]]) -> None:
    if not skipped:
        return
    table = Table("skipped entity", "reason")
    for item in skipped:
        table.add_row(escape(item["entity"]), escape(item["reason"]))
    console.print(table)


def _disabled(console: Console, disabled: Mapping[str, str]) -> None:
    for name, reason in disabled.items():
        console.print(f"[red]{escape(name)}[/]: disabled: {escape(reason)}", highlight=False)


def _args(args: Mapping[str, Any]) -> str:
    return escape(", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items()))


def _styled(value: str, styles: Mapping[str, str]) -> str:
    style = styles.get(value)
    return f"[{style}]{value}[/]" if style else value
