"""`shopctl query` and `shopctl explain`: what an expression selects, and why."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from shopctl.cli.formatting import Column, print_table, value_text
from shopctl.cli.options import at_option, config_option, echo_json, json_option, open_project
from shopctl.diagnostics import SourceLines, render_all
from shopctl.engine.evaluate import evaluate
from shopctl.engine.explain import Explanation, explain
from shopctl.errors import EXIT_INVALID, RuleError, RuleErrors, ShopctlError
from shopctl.project import Project
from shopctl.rules.compiled import CompiledRule, field_key
from shopctl.rules.compiler import check_and_compile, compile_expression
from shopctl.rules.parser import parse_expression
from shopctl.rules.source_text import SourceText
from shopctl.rules.suggest import did_you_mean

DEFAULT_LIMIT = 50
QUERY = "<query>"  # the file name errors in a query expression point into


@click.command("query")
@click.argument("expression")
@click.option("--on", "on", required=True, metavar="TYPE", help="Entity type, e.g. ad_group.")
@click.option("--account", default=None, help="Only entities of this account.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Show at most this many entities (0: all).",
)
@at_option
@json_option
@config_option
def query_command(
    expression: str,
    on: str,
    account: str | None,
    limit: int,
    at: str | None,
    as_json: bool,
    config_path: str | None,
) -> None:
    """The entities whose values make EXPRESSION true, as a table."""
    project = open_project(config_path, at)
    try:
        _entity_type(project, on)
        if account is not None and account not in project.config.accounts:
            hint = did_you_mean(account, project.config.accounts)
            raise ShopctlError(f"no account {account!r} in {project.config.path}{hint}")
        compiled = _compile_query(expression, on, project)
        found = evaluate(project, compiled, project.eval_context(), account=account)
    finally:
        project.close()
    matches = sorted(found.matched, key=lambda m: (m.id, m.account))
    shown = matches[:limit] if limit else matches
    columns = _columns(compiled)
    if as_json:
        echo_json(
            {
                "on": on,
                "expression": expression,
                "count": len(matches),
                "entities": [
                    {"id": m.id, "account": m.account, **{k: _plain(m.row.get(k)) for k in columns}}
                    for m in shown
                ],
            }
        )
        return
    zone = project.config.timezone
    headers = [Column("id", 9), Column("account", 4)]
    headers += [Column(escape(h), 6, wrap=True, min_width=12) for h in columns.values()]
    rows = [
        [escape(m.id), escape(m.account), *(_cell(m.row.get(k), zone) for k in columns)]
        for m in shown
    ]
    console = Console()
    print_table(console, headers, rows, title=escape(f"{on} where {expression}"))
    more = f", {len(shown)} shown (--limit)" if len(shown) < len(matches) else ""
    console.print(f"{len(matches)} of {found.total} {on} match{more}")


@click.command("explain")
@click.argument("rule")
@click.argument("entity")
@click.option("--account", default=None, help="The entity's account, when several have it.")
@at_option
@json_option
@config_option
def explain_command(
    rule: str,
    entity: str,
    account: str | None,
    at: str | None,
    as_json: bool,
    config_path: str | None,
) -> None:
    """The value of every sub-expression of RULE's condition for ENTITY, and the verdict."""
    project = open_project(config_path, at)
    try:
        compiled = _compiled_rule(project, rule)
        result = explain(project, compiled, entity, project.eval_context(), account=account)
    finally:
        project.close()
    if as_json:
        echo_json(
            {
                "rule": result.rule,
                "entity": result.entity.id,
                "verdict": result.verdict,
                "trace": [
                    {"path": t.path, "text": t.text, "value": _plain(t.value)} for t in result.trace
                ],
            }
        )
        return
    _print_explanation(result, compiled, project.config.timezone)


def _print_explanation(result: Explanation, compiled: CompiledRule, zone: ZoneInfo) -> None:
    """The trace as an indented tree: each sub-expression under the one containing it."""
    entity = result.entity
    table = Table(
        "expression",
        "value",
        title=f"{result.rule} on {compiled.entity_type.name} {entity.id} ({entity.account})",
    )
    for item in result.trace:
        depth = item.path.count("/")
        table.add_row(Text("  " * depth + item.text), _shown(item.value, zone))
    console = Console()
    console.print(table)
    style = {"true": "green", "false": "red"}.get(result.verdict, "yellow")
    console.print(Text.assemble("verdict: ", (result.verdict, f"bold {style}")))


def _entity_type(project: Project, name: str) -> None:
    """Fail unless `name` is a declared entity type, naming the closest one."""
    types = project.registry.entity_types
    if name not in types:
        raise ShopctlError(f"unknown entity type {name!r}{did_you_mean(name, types)}")


def _compile_query(expression: str, on: str, project: Project) -> CompiledRule:
    """Parse and check the expression; its errors point into it with a caret."""
    try:
        return compile_expression(
            parse_expression(SourceText(expression, QUERY)), on, project.registry
        )
    except (RuleError, RuleErrors) as exc:
        errors = exc.errors if isinstance(exc, RuleErrors) else [exc]
        click.echo(render_all(errors, SourceLines({QUERY: expression})), err=True)
        raise click.exceptions.Exit(EXIT_INVALID) from None


def _compiled_rule(project: Project, name: str) -> CompiledRule:
    """The rule called `name`, compiled; a disabled but valid rule can be explained too."""
    rules = project.rules
    if name in rules.compiled:
        return rules.compiled[name]
    if name in rules.rules:  # parsed, but switched off with `enabled: false`
        return check_and_compile(rules.rules[name], project.registry, project.config.channels)
    if name in rules.disabled:
        raise ShopctlError(f"rule {name!r} is disabled: {rules.disabled[name]}")
    known = [*rules.rules, *rules.disabled]
    raise ShopctlError(f"unknown rule {name!r}{did_you_mean(name, known)}")


def _columns(compiled: CompiledRule) -> dict[str, str]:
    """Row key -> column heading for every value the expression reads, id aside."""
    columns = {field_key(p): field_key(p) for p in compiled.fields if p != ("id",)}
    for w in compiled.windows:
        columns[w.key] = f"{w.func}({w.metric}, {w.days}d)"
    return columns


def _plain(value: Any) -> Any:
    """A JSON-ready value: instants and dates in ISO 8601, durations in seconds."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _shown(value: Any, zone: ZoneInfo) -> Text:
    """A value as a table cell; null is dimmed so it stands apart from the text "null"."""
    if value is None:
        return Text("null", style="dim")
    if isinstance(value, bool):
        return Text(value_text(value, zone), style="green" if value else "red")
    return Text(value_text(value, zone))


def _cell(value: Any, zone: ZoneInfo) -> str:
    """`_shown` as markup, for `print_table`."""
    return _shown(value, zone).markup


commands: list[click.Command] = [query_command, explain_command]
