"""`shopctl init [DIR]`: a working demo project (config, playbook, synced store)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from shopctl.errors import ShopctlError

TEMPLATE = "project_template.yaml"
PLAYBOOK_PACKAGE = "shopctl.playbook"
RULE_SUFFIXES = (".yaml", ".yml", ".rules")


def project_template() -> str:
    """The shopctl.yaml a new project starts with (package data, one source)."""
    return resources.files("shopctl.cli").joinpath(TEMPLATE).read_text(encoding="utf-8")


def playbook_files() -> dict[str, str]:
    """The shipped playbook: file name -> text, from the `shopctl.playbook` package."""
    found = {}
    for item in resources.files(PLAYBOOK_PACKAGE).iterdir():
        if item.is_file() and item.name.endswith(RULE_SUFFIXES):
            found[item.name] = item.read_text(encoding="utf-8")
    return dict(sorted(found.items()))


def create_project(directory: Path) -> list[Path]:
    """Write shopctl.yaml and rules/ into `directory`; never touch what is already there."""
    config = directory / "shopctl.yaml"
    rules = directory / "rules"
    if rules.exists():
        raise ShopctlError(
            f"{directory} already has a rules folder but no shopctl.yaml; "
            "nothing was changed — choose an empty folder"
        )
    rules.mkdir(parents=True)
    config.write_text(project_template(), encoding="utf-8")
    written = [config]
    for name, text in playbook_files().items():
        (rules / name).write_text(text, encoding="utf-8")
        written.append(rules / name)
    return written


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-sync", is_flag=True, help="Do not fill the store from the demo shop yet.")
def init(directory: Path, no_sync: bool) -> None:
    """Create a demo project in DIRECTORY: shopctl.yaml, the playbook in rules/, a store."""
    if (directory / "shopctl.yaml").exists():
        # Re-running the quick start must be harmless: the project stays exactly as it is.
        click.echo(f"{directory} already holds a shopctl project (shopctl.yaml); left as is")
        return
    written = create_project(directory)
    click.echo(f"created {written[0]}")
    click.echo(f"copied {len(written) - 1} playbook files to {directory / 'rules'}")
    if not no_sync:
        _fill_store(written[0])
    where = "" if directory.resolve() == Path.cwd() else f"cd {directory} && "
    click.echo(f"next: {where}shopctl plan")


def _fill_store(config: Path) -> None:
    """Create the store and sync the demo shop into it, so `plan` has data at once."""
    from shopctl.engine.sync import sync
    from shopctl.project import Project

    project = Project.open(config)
    try:
        report = sync(project)
    finally:
        project.close()
    if report.failures or report.errors:
        problems = [str(p) for p in (*report.failures, *report.errors)]
        raise ShopctlError("the demo shop did not sync:\n" + "\n".join(problems[:10]))
    click.echo(f"synced {report.rows} rows from the demo shop into {project.config.store}")


commands = [init]
