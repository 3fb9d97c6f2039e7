"""`shopctl store create`: the one command that makes a new empty store on purpose."""

from __future__ import annotations

import click

from shopctl.cli.options import config_option, open_project
from shopctl.errors import ShopctlError
from shopctl.store.existence import forget_created, sqlite_file


@click.group("store")
def store() -> None:
    """The project's store."""


@store.command("create")
@config_option
def create(config_path: str | None) -> None:
    """Create the configured store, empty, when it does not exist (after a loss, say)."""
    project = open_project(config_path)
    try:
        path = sqlite_file(project.config.store)
        if path is not None:
            if path.exists():
                raise ShopctlError(f"store {path} already exists; nothing was changed")
            forget_created(path, project.state_path)
        project.engine  # noqa: B018 - opening creates and migrates it
    finally:
        project.close()
    if path is None:
        click.echo("the store's tables are in place (run `shopctl sync` to fill them)")
    else:
        click.echo(f"created the store {path}, empty (run `shopctl sync` to fill it)")


commands: list[click.Command] = [store]
