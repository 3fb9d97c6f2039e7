"""The `shopctl` command: a click group whose commands live one group per module."""

from __future__ import annotations

import importlib

import click

from shopctl.cli.options import config_option
from shopctl.diagnostics import render_error
from shopctl.errors import ShopctlError

# Each module defines `commands`, a list of click commands added to the group.
COMMAND_MODULES = (
    "init",  # init
    "validate",  # validate
    "sync",  # sync
    "inspect",  # query, explain
    "act",  # plan, run, history, actions, undo
    "plugins",  # plugins
    "daemon",  # daemon, status
    "report",  # report
    "store",  # store create
)


class ShopctlGroup(click.Group):
    """Turns shopctl's errors into a message and the exit code SPEC §7 gives them."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a ShopctlError prints as `error: …` and sets the exit code."""
        try:
            return super().invoke(ctx)
        except ShopctlError as exc:
            click.echo(render_error(exc), err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=ShopctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shopctl")
@config_option
def main(config_path: str | None) -> None:
    """Operating rules for online shops: plan, run and schedule them."""


for _module in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"shopctl.cli.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"shopctl.cli.{_module}":
            raise
        continue
    for _command in _mod.commands:
        main.add_command(_command)
