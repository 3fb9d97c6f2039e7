"""`shopctl sync`: pull entities and daily metrics into the store, with a progress bar."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from shopctl.cli.formatting import Column, print_table
from shopctl.cli.options import config_option, echo_json, json_option, open_project
from shopctl.engine.sync import sync
from shopctl.engine.sync_report import SyncReport

SHOWN_ERRORS = 50


@click.command("sync")
@click.option("--account", default=None, metavar="A", help="Only this account.")
@click.option("--type", "entity_type", default=None, metavar="T", help="Only this entity type.")
@json_option
@config_option
@click.pass_context
def sync_command(
    ctx: click.Context,
    account: str | None,
    entity_type: str | None,
    as_json: bool,
    config_path: str | None,
) -> None:
    """Pull entities and daily metrics from the platforms into the store.

    Exit status: 0 when everything synced; 1 when records were rejected (each is listed
    with its source; the other rows loaded); 3 when a platform failed (what it sent
    before failing is kept, and the next sync starts again from the last complete one).
    """
    project = open_project(config_path)
    try:
        if as_json:
            report = sync(project, account, entity_type)
        else:
            report = _sync_with_progress(project, account, entity_type)
    finally:
        project.close()
    if as_json:
        echo_json(report.to_json())
    else:
        _print_report(report)
    ctx.exit(report.exit_code)


def _sync_with_progress(
    project: object, account: str | None, entity_type: str | None
) -> SyncReport:
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def progress(label: str, done: int, total: int | None) -> None:
        if label not in tasks:
            tasks[label] = bar.add_task(label, total=total)
        bar.update(tasks[label], completed=done, total=total)

    with bar:
        return sync(project, account, entity_type, progress)


def _print_report(report: SyncReport) -> None:
    out, err = Console(), Console(stderr=True)
    columns = [Column("account", 9), Column("type", 9), Column("kind", 9)]
    columns += [Column("rows", 9, "right"), Column("rejected", 9, "right"), Column("status", 9)]
    rows = [
        [
            escape(count.account),
            escape(count.entity_type),
            count.kind,
            f"{count.rows:,}",
            f"{count.rejected:,}",
            "ok" if count.complete else "[red]failed[/red]",
        ]
        for count in report.counts
    ]
    print_table(out, columns, rows, title="sync")
    for error in report.errors[:SHOWN_ERRORS]:
        err.print(f"error: {error}", markup=False, highlight=False)
    if len(report.errors) > SHOWN_ERRORS:
        err.print(f"… and {len(report.errors) - SHOWN_ERRORS} more rejected records")
    for failure in report.failures:
        err.print(f"error: {failure}", markup=False, highlight=False)
    rate = report.rows_per_second
    speed = f" ({rate:,.0f} rows/s)" if rate else ""
    out.print(f"{report.rows:,} rows in {report.seconds:.1f} s{speed}", highlight=False)


commands: list[click.Command] = [sync_command]
