"""`shopctl report [daily|weekly|monthly]`: the KPI review as an HTML file with charts."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from shopctl.cli.options import at_option, config_option, echo_json, json_option, open_project
from shopctl.engine.kpi import LABELS, PERIOD_DAYS, KpiReport, compute_kpis
from shopctl.engine.report_html import change_mark, format_value, render_report
from shopctl.errors import ShopctlError
from shopctl.store.entities import EntityTables

SUMMARY = ("revenue", "orders", "aov", "conversion", "ad_spend", "roi", "repurchase_rate")


@click.command("report")
@click.argument("period", type=click.Choice(list(PERIOD_DAYS)), default="daily")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: report-<period>-<last day>.html in the project folder).",
)
@at_option
@json_option
@config_option
def report_command(
    period: str, out: Path | None, at: str | None, as_json: bool, config_path: str | None
) -> None:
    """Write the KPI review (日复盘/周复盘/月复盘) of PERIOD as HTML with charts.

    daily is yesterday, weekly the 7 days and monthly the 30 days before today (local
    days of the configured zone), each compared with the period just before it.
    """
    project = open_project(config_path, at)
    try:
        report = compute_kpis(
            project.engine, EntityTables(project.registry), period, project.eval_context()
        )
        root = project.config.root
    finally:
        project.close()
    path = out or root / f"report-{period}-{report.current.last.isoformat()}.html"
    try:
        path.write_text(render_report(report), encoding="utf-8")
    except OSError as exc:
        raise ShopctlError(f"cannot write the report to {path}: {exc.strerror}") from None
    if as_json:
        echo_json({"path": str(path), **report.to_json()})
    else:
        _print_summary(Console(), report, path)


def _print_summary(console: Console, report: KpiReport, path: Path) -> None:
    """A few headline KPIs with their change, then where the full report is."""
    current = report.current
    table = Table(title=f"{report.kind} review {current.first} – {current.last}")
    for column in ("KPI", "value", "previous", "change"):
        table.add_column(column, justify="left" if column == "KPI" else "right")
    for key in SUMMARY:
        mark, mood = change_mark(report, key)
        style = {"good": "green", "bad": "red"}.get(mood, "dim")
        table.add_row(
            LABELS[key],
            format_value(key, report.values[key]),
            format_value(key, report.before[key]),
            f"[{style}]{mark}[/]",
        )
    console.print(table)
    console.print(f"wrote {path}", markup=False, highlight=False)


commands = [report_command]
