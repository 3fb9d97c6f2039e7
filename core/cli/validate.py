"""`shopctl validate [PATH…]`: every error in the config and the rule files, in one pass."""

from __future__ import annotations

import click

from shopctl.cli.options import config_option, echo_json, given_config, json_option
from shopctl.config import Config, load_config, validate_plugin_settings
from shopctl.config import config_path as resolve_config_path
from shopctl.diagnostics import error_json, render_all
from shopctl.errors import (
    EXIT_INVALID,
    ConfigError,
    ConfigErrors,
    Position,
    ShopctlError,
    SourceError,
)
from shopctl.plugins import load_plugins
from shopctl.project import Project
from shopctl.registry import Registry
from shopctl.rules.loader import RuleSet, load_rules


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@config_option
@json_option
def validate(paths: tuple[str, ...], config_path: str | None, as_json: bool) -> None:
    """Check rule files (default: the config's) and the config; report every error."""
    errors: list[SourceError] = []
    config = _config(given_config(config_path), required=not paths, errors=errors)
    registry, channels = _declarations(config, errors)
    errors.sort(key=lambda e: e.position or Position("", 0, 0))  # the config's, in file order
    ruleset = RuleSet()
    if paths or config is not None:
        ruleset = load_rules(paths or config.rules, registry, channels)  # type: ignore[union-attr]
        errors += ruleset.errors
    if as_json:
        echo_json({"errors": [error_json(e) for e in errors]})
    elif errors:
        click.echo(render_all(errors))
        click.echo(f"{len(errors)} error(s)")
    else:
        click.echo(_summary(ruleset))
    if errors:
        raise SystemExit(EXIT_INVALID)


def _config(given: str | None, required: bool, errors: list[SourceError]) -> Config | None:
    """The config; without one, rule files given by path are checked on their own."""
    path = resolve_config_path(given)
    if not required and not path.exists():
        return None
    try:
        return load_config(path)
    except ConfigErrors as exc:
        errors += exc.errors
        # Read as far as it could be: plugin settings and rules are checked all the same.
        return exc.config if isinstance(exc.config, Config) else None
    except ConfigError as exc:
        errors.append(exc)
    return None


def _declarations(config: Config | None, errors: list[SourceError]) -> tuple[Registry, set[str]]:
    """What rules may name: the plugins' declarations (and the configured accounts'),
    and the configured channels."""
    if config is None:
        return load_plugins().registry, set()
    project = Project(config)
    problems = validate_plugin_settings(config, project.plugins.registry)
    read_whole = not errors and not problems
    errors += problems
    try:
        if read_whole:
            registry = project.registry
            _reachable(config, errors)
            return registry, set(config.channels)
    except SourceError as exc:
        errors.append(exc)
    except ShopctlError as exc:
        errors.append(ConfigError(str(exc), Position(str(config.path), 1, 1)))
    finally:
        project.close()
    return project.plugins.registry, set(config.channels)


def _reachable(config: Config, errors: list[SourceError]) -> None:
    """The store must answer: an unreachable one is an error at the `store` key."""
    from shopctl.store.reach import StoreUnreachable, check_reachable

    try:
        check_reachable(config.store)
    except StoreUnreachable as exc:
        errors.append(ConfigError(str(exc), _store_key(config), len("store")))


def _store_key(config: Config) -> Position:
    """Where `store:` is written in the config (its first line when it is not)."""
    try:
        lines = config.path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    line = next((n for n, text in enumerate(lines, 1) if text.startswith("store:")), 1)
    return Position(str(config.path), line, 1)


def _summary(ruleset: RuleSet) -> str:
    rules, files = len(ruleset.rules), len(ruleset.files)
    off = f", {len(ruleset.disabled)} disabled" if ruleset.disabled else ""
    return f"ok: {rules} rule(s) in {files} file(s){off}"


commands: list[click.Command] = [validate]
