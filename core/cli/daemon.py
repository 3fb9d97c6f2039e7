"""`shopctl daemon` (run every scheduled rule until SIGTERM) and `shopctl status`."""

from __future__ import annotations

import faulthandler
import os
import sys
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape

from shopctl.cli.formatting import Column, local_time, plural, print_table
from shopctl.cli.options import config_option, echo_json, json_option, open_project


def _seconds(name: str, default: float, help_text: str) -> Any:
    return click.option(
        f"--{name}",
        name.replace("-", "_"),
        type=click.FloatRange(min=0.1),
        default=default,
        show_default=True,
        metavar="SECONDS",
        help=help_text,
    )


@click.command("daemon")
@config_option
@_seconds("heartbeat", 5.0, "Seconds between heartbeats written to the store.")
@_seconds("poll", 5.0, "Seconds between sweeps for due rules, pending intents and file changes.")
@_seconds("lease", 300.0, "Seconds a claimed action stays this daemon's.")
@_seconds("call-timeout", 30.0, "Seconds one platform or channel call may take.")
@_seconds("stop-timeout", 30.0, "Seconds in-flight work may take to finish after SIGTERM.")
def daemon(
    config_path: str | None,
    heartbeat: float,
    poll: float,
    lease: float,
    call_timeout: float,
    stop_timeout: float,
) -> None:
    """Run every scheduled rule unattended until SIGTERM."""
    from shopctl.daemon.events import configure_logging
    from shopctl.daemon.service import Daemon, DaemonSettings

    # A fatal signal inside a C library (SIGBUS from a store's mapping) is written to
    # the log instead of ending the daemon without a word.
    faulthandler.enable(sys.stderr)
    project = open_project(config_path)
    configure_logging(project.config.secrets())
    settings = DaemonSettings(heartbeat, poll, lease, call_timeout, stop_timeout)
    service = Daemon(project, settings)
    try:
        code = service.serve()
    finally:
        project.close()
    if service.unfinished:
        # A call is hung past the bound: its lease lets the next daemon recover it, so
        # end now instead of waiting for the thread at interpreter exit.
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


@click.command("status")
@config_option
@json_option
def status(config_path: str | None, as_json: bool) -> None:
    """The daemon's heartbeat, the next run of each rule, recent failures and missed runs."""
    from shopctl.daemon.status import daemon_status

    project = open_project(config_path)
    try:
        data = daemon_status(project)
    finally:
        project.close()
    if as_json:
        echo_json(data)
        return
    _print_status(data, project.config.timezone)


def _print_status(data: dict[str, Any], zone: ZoneInfo) -> None:
    """The status for people: times in the configured zone, every failure with its reason."""
    console = Console()
    beat = data["daemon"]
    if beat is None:
        console.print("daemon: [bold]never ran[/] on this store")
    else:
        colour = {"alive": "green", "stale": "red", "stopped": "yellow"}[beat["state"]]
        console.print(
            f"daemon: [{colour}]{beat['state']}[/] — {beat['host']} pid {beat['pid']}, "
            f"started {local_time(beat['started_at'], zone)}, last heartbeat "
            f"{local_time(beat['beat_at'], zone)} ({beat['seconds_since_beat']:g}s ago)"
        )
    rows = []
    for item in data["rules"]:
        last = item["last_run"] or {}
        rows.append(
            [
                escape(item["rule"]),
                escape(item["schedule"]),
                local_time(item["next_run"], zone),
                local_time(last.get("at"), zone),
                last.get("outcome") or ("running" if last else "-"),
            ]
        )
    columns = [Column("rule", 9), Column("schedule", 3), Column("next run", 5)]
    columns += [Column("last run", 4), Column("outcome", 6)]
    print_table(console, columns, rows, title="Scheduled rules")
    if data["broken"]:
        broken = [[escape(b["rule"]), escape(b["reason"])] for b in data["broken"]]
        title = "Rules that cannot run (fix the file; `shopctl validate` shows where)"
        print_table(
            console, [Column("rule", 9), Column("reason", 9, wrap=True)], broken, title=title
        )
    for key, title in (("failures", "Recent failures"), ("missed", "Missed runs")):
        if not data[key]:
            continue
        runs = [
            [
                str(run["run"]),
                escape(run["rule"]),
                run["outcome"],
                local_time(run["at"], zone),
                escape(run["error"] or "no reason recorded"),
            ]
            for run in data[key]
        ]
        columns = [Column("run", 9, "right"), Column("rule", 9), Column("outcome", 8)]
        columns += [Column("at", 5), Column("error", 9, wrap=True)]
        print_table(console, columns, runs, title=title)
    console.print(_status_summary(data), highlight=False)


def _status_summary(data: dict[str, Any]) -> str:
    """`11 scheduled rules, 1 cannot run; 2 recent failures, 0 missed runs`."""
    broken = f", {len(data['broken'])} cannot run" if data["broken"] else ""
    return (
        f"{plural(len(data['rules']), 'scheduled rule')}{broken}; "
        f"{plural(len(data['failures']), 'recent failure')}, "
        f"{plural(len(data['missed']), 'missed run')}"
    )


commands: list[click.Command] = [daemon, status]
