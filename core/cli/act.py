"""`shopctl plan`, `run`, `history`, `actions`, `undo`: acting on rules, and the audit trail."""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

from shopctl.cli import act_output
from shopctl.cli.options import (
    at_option,
    config_option,
    echo_json,
    json_option,
    open_project,
    verbose_option,
)
from shopctl.engine.audit import list_intents, list_runs
from shopctl.engine.executor import execute_pending
from shopctl.engine.runs import FAILED_STATUSES, RunReport, SlotTaken, plan_rule, run_rule
from shopctl.engine.undo import undo_run
from shopctl.errors import EXIT_INVALID, EXIT_OK, EXIT_PLUGIN, ShopctlError
from shopctl.project import Project
from shopctl.rules.compiled import CompiledRule
from shopctl.rules.durations import parse_duration
from shopctl.rules.loader import SWITCHED_OFF
from shopctl.rules.suggest import did_you_mean


@click.command("plan")
@click.argument("rules", nargs=-1, metavar="[RULE]...")
@at_option
@verbose_option
@json_option
@config_option
def plan_command(
    rules: tuple[str, ...], at: str | None, verbose: bool, as_json: bool, config_path: str | None
) -> None:
    """What a run would do now: matches, planned actions, skipped entities and why.

    Nothing is changed anywhere: no sync, no ledger, no platform call. Exit status 1
    when a rule asked for (every rule, when none is named) could not be planned.
    """
    project = open_project(config_path, at)
    try:
        chosen, disabled = _select(project, rules, every=True)
        ctx = project.eval_context()
        plans = [plan_rule(project, compiled, ctx) for compiled in chosen]
    finally:
        project.close()
    if as_json:
        echo_json({"rules": [p.to_json() for p in plans], "disabled": _disabled_json(disabled)})
    else:
        act_output.print_plans(Console(), plans, disabled, _shown(project, verbose))
    _exit(EXIT_INVALID if _could_not_run(disabled, named=bool(rules)) else EXIT_OK)


@click.command("run")
@click.argument("rules", nargs=-1, metavar="[RULE]...")
@click.option("--all", "run_all", is_flag=True, help="Run every enabled rule.")
@click.option("--dry-run", is_flag=True, help="Evaluate and guard, record the run, act on nothing.")
@click.option("--no-sync", is_flag=True, help="Use the store as it is; do not sync first.")
@at_option
@verbose_option
@json_option
@config_option
def run_command(
    rules: tuple[str, ...],
    run_all: bool,
    dry_run: bool,
    no_sync: bool,
    at: str | None,
    verbose: bool,
    as_json: bool,
    config_path: str | None,
) -> None:
    """Run rules now: sync, evaluate, guard, act, record.

    Actions earlier runs left due (deferred by quiet hours, or interrupted) go out too.
    Each rule is printed as soon as its run ends, a failure with its reason.

    Exit status 3 when an action failed (or may not have happened) or a platform failed;
    1 when a rule asked for (every rule, with --all) could not run.
    """
    if not rules and not run_all:
        raise click.UsageError("name the rules to run, or use --all")
    project = open_project(config_path, at)
    console = Console()
    shown = _shown(project, verbose)
    finished: list[RunReport] = []
    try:
        chosen, disabled = _select(project, rules, every=run_all)
        with _progress(console, as_json, "syncing"):
            sync_failures = [] if no_sync else _sync(project)
        if not as_json:
            act_output.print_sync_failures(console, sync_failures)
        for compiled in chosen:
            with _progress(console, as_json, f"running {compiled.rule.name}"):
                report = run_rule(project, compiled, dry_run=dry_run)
            if isinstance(report, SlotTaken):
                continue
            finished.append(report)
            if not as_json:
                act_output.print_run(console, report, shown)
        with _progress(console, as_json, "sending what earlier runs left due"):
            earlier = {} if dry_run else _resume_earlier(project)
    finally:
        project.close()
    if as_json:
        echo_json(
            {
                "rules": [r.to_json() for r in finished],
                "earlier": earlier,
                "disabled": _disabled_json(disabled),
                "sync_failures": sync_failures,
            }
        )
    else:
        act_output.print_runs_end(console, finished, disabled, earlier)
    failed = (
        sync_failures
        or any(r.failed or r.outcome == "failed" for r in finished)
        or any(earlier.get(status) for status in FAILED_STATUSES)
    )
    broken = _could_not_run(disabled, named=bool(rules))
    _exit(EXIT_PLUGIN if failed else EXIT_INVALID if broken else EXIT_OK)


@click.command("history")
@click.option("--rule", "rule", default=None, help="Only runs of this rule.")
@click.option("--since", default="7d", show_default=True, help="How far back, e.g. 24h, 30d.")
@json_option
@config_option
def history_command(rule: str | None, since: str, as_json: bool, config_path: str | None) -> None:
    """Past runs, newest first: outcome and counts."""
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    project = open_project(config_path)
    try:
        found = list_runs(project.engine, since=project.clock.now() - window, rule=rule)
    finally:
        project.close()
    if as_json:
        echo_json({"runs": found})
    else:
        act_output.print_history(Console(), found, project.config.timezone)


@click.command("actions")
@click.option("--run", "run_id", type=int, default=None, help="Only the actions of this run.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@verbose_option
@json_option
@config_option
def actions_command(
    run_id: int | None, limit: int, verbose: bool, as_json: bool, config_path: str | None
) -> None:
    """The action ledger, newest first, one line each; --verbose adds arguments and errors."""
    project = open_project(config_path)
    try:
        found = list_intents(project.engine, run_id=run_id, limit=limit)
    finally:
        project.close()
    if as_json:
        echo_json({"actions": found})
    else:
        act_output.print_actions(Console(), found, _shown(project, verbose), limit)


@click.command("undo")
@click.argument("run_id", metavar="RUN", type=int)
@json_option
@config_option
def undo_command(run_id: int, as_json: bool, config_path: str | None) -> None:
    """Reverse the reversible actions of run RUN (see `shopctl history`)."""
    project = open_project(config_path)
    try:
        report = undo_run(project, run_id)
    finally:
        project.close()
    if as_json:
        echo_json(report.to_json())
    else:
        act_output.print_undo(Console(), report)
    _exit(EXIT_PLUGIN if report.failed else EXIT_OK)


commands: list[click.Command] = [
    plan_command,
    run_command,
    history_command,
    actions_command,
    undo_command,
]


def _select(
    project: Project, names: tuple[str, ...], *, every: bool
) -> tuple[list[CompiledRule], dict[str, str]]:
    """The compiled rules asked for (all enabled ones when `every` and none named), and
    the asked-for rules that are disabled by errors in their files, with the reason."""
    ruleset = project.rules
    if not names:
        return list(ruleset.compiled.values()) if every else [], dict(ruleset.disabled)
    known = set(ruleset.rules) | set(ruleset.disabled)
    for name in names:
        if name not in known:
            hint = did_you_mean(name, known)
            raise ShopctlError(f"no rule {name!r}{hint}")
    chosen = [ruleset.compiled[n] for n in dict.fromkeys(names) if n in ruleset.compiled]
    disabled = {n: _why_disabled(ruleset, n) for n in names if n not in ruleset.compiled}
    return chosen, disabled


def _why_disabled(ruleset: Any, name: str) -> str:
    return str(ruleset.disabled.get(name, SWITCHED_OFF))


def _could_not_run(disabled: dict[str, str], *, named: bool) -> bool:
    """True when a rule asked for could not run: a named rule that is off or broken, or
    (every rule asked for) a rule disabled by an error; rules switched off are not."""
    return any(named or reason != SWITCHED_OFF for reason in disabled.values())


def _shown(project: Project, verbose: bool) -> act_output.Shown:
    return act_output.Shown(project.registry, project.config.timezone, verbose)


@contextmanager
def _progress(console: Console, quiet: bool, what: str) -> Iterator[None]:
    """A spinner naming the step under way, on a terminal only (never in --json)."""
    if quiet or not console.is_terminal:
        yield
        return
    with console.status(f"{what}…"):
        yield


def _sync(project: Project) -> list[dict[str, Any]]:
    """Sync every account first; the platforms that failed, as JSON."""
    from shopctl.engine.sync import sync

    report = sync(project)
    return report.to_json()["failures"] if report.failures else []


def _resume_earlier(project: Project) -> dict[str, int]:
    """Execute what earlier runs left due: quiet-hour deferrals whose time came, and
    intents of an executor that died (resumed by SPEC §9's rules); counts by status."""
    owner = f"{socket.gethostname()}:{os.getpid()}:cli"
    report = execute_pending(project, owner=owner)
    return dict(Counter(report.statuses.values()))


def _disabled_json(disabled: dict[str, str]) -> list[dict[str, str]]:
    return [{"rule": name, "reason": reason} for name, reason in disabled.items()]


def _exit(code: int) -> None:
    if code != EXIT_OK:
        raise SystemExit(code)
