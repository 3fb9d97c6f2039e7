"""`shopctl daemon` (run every scheduled rule until SIGTERM) and `shopctl status`."""

from __future__ import annotations

import faulthandler
import os
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

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
    _print_status(data)


def _print_status(data: dict[str, Any]) -> None:
    console = Console()
    beat = data["daemon"]
    if beat is None:
        console.print("daemon: [bold]never ran[/] on this store")
    else:
        colour = {"alive": "green", "stale": "red", "stopped": "yellow"}[beat["state"]]
        console.print(
            f"daemon: [{colour}]{beat['state']}[/] — {beat['host']} pid {beat['pid']}, "
            f"started {_short(beat['started_at'])}, last heartbeat {_short(beat['beat_at'])} "
            f"({beat['seconds_since_beat']}s ago)"
        )
    rules = Table("rule", "schedule", "next run", "last run", "outcome", title="Scheduled rules")
    for item in data["rules"]:
        last = item["last_run"] or {}
        rules.add_row(
            item["rule"],
            item["schedule"],
            _short(item["next_run"]),
            last.get("slot") or "-",
            last.get("outcome") or ("running" if last else "-"),
        )
    console.print(rules)
    for key, title in (("failures", "Recent failures"), ("missed", "Missed runs")):
        if not data[key]:
            continue
        table = Table("run", "rule", "slot", "outcome", "at", "error", title=title)
        for run in data[key]:
            table.add_row(
                str(run["run"]),
                run["rule"],
                run["slot"] or "-",
                run["outcome"],
                _short(run["at"]),
                run["error"] or "",
            )
        console.print(table)


def _short(moment: str | None) -> str:
    # ISO 8601 in the shop's zone, to the minute, for a table a person reads.
    return moment[:16].replace("T", " ") if moment else "-"


commands: list[click.Command] = [daemon, status]
