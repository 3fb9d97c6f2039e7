"""Options every command shares (`--config`, `--json`, `--at`) and opening the project."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from shopctl.clock import FrozenClock, as_utc
from shopctl.project import Project

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    """`--config PATH`: the project's shopctl.yaml (default: $SHOPCTL_CONFIG, ./shopctl.yaml)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Config file (default: $SHOPCTL_CONFIG or ./shopctl.yaml).",
    )(func)


def json_option(func: F) -> F:
    """`--json`: print machine-readable output with stable keys."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def verbose_option(func: F) -> F:
    """`--verbose`: the whole story, every row instead of a summary per rule."""
    return click.option(
        "--verbose", "-v", "verbose", is_flag=True, help="Show every row and every detail."
    )(func)


def at_option(func: F) -> F:
    """`--at TIME`: evaluate as of an ISO 8601 instant."""
    return click.option(
        "--at",
        "at",
        type=str,
        default=None,
        metavar="TIME",
        help="Evaluate as of this ISO 8601 time (no zone: the configured zone).",
    )(func)


def parse_at(value: str | None, project: Project) -> datetime | None:
    """The `--at` instant, aware; a value without a zone is in the configured zone."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint="--at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=project.config.timezone)
    return as_utc(moment)


def given_config(config_path: str | None) -> str | None:
    """The command's `--config`, else the one given before the command name."""
    if config_path is None:
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            config_path = ctx.find_root().params.get("config_path")
    return config_path


def open_project(config_path: str | None, at: str | None = None) -> Project:
    """Open the project; with `--at`, its clock is frozen at that instant."""
    project = Project.open(given_config(config_path))
    moment = parse_at(at, project)
    if moment is not None:
        project.clock = FrozenClock(moment)
    return project


def echo_json(data: Any) -> None:
    """Print `data` as JSON, non-ASCII kept readable."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


__all__ = [
    "at_option",
    "config_option",
    "echo_json",
    "json_option",
    "open_project",
    "verbose_option",
]
