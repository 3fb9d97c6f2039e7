"""`shopctl sync` over a temporary project whose platform is an installed plugin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopctl.cli.main import main
from shopctl.testing.entry_points import write_plugin_distribution

# A platform serving `<type>.json` files from its `path` setting; `broken: true` makes
# it fail the way an unreachable API does.
PLUGIN = """
import json
from pathlib import Path

from shopctl import Platform, Setting, Type, hookimpl


class FolderShop(Platform):
    name = "foldershop"
    provides = ("customer", "ad_group")
    settings = (
        Setting("path", Type.TEXT, "Folder of <type>.json files"),
        Setting("broken", Type.BOOLEAN, "Fail like an unreachable API", False),
    )

    def fetch(self, entity_type, since):
        if self.config.get("broken"):
            raise TimeoutError("shop API did not answer")
        path = Path(self.config["path"]) / f"{entity_type}.json"
        rows = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        for n, row in enumerate(rows, start=2):
            yield {**row, "_source": f"{path.name}:{n}"}


@hookimpl
def shopctl_platforms():
    return [FolderShop]
"""


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with one `foldershop` account and two customers, one bad."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "foldershop_plugin.py").write_text(PLUGIN, encoding="utf-8")
    write_plugin_distribution(site, "foldershop", "foldershop_plugin")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("SHOPCTL_PLUGINS", "foldershop")
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    customers = [{"id": "c1", "name": "李雷", "points": 5}, {"id": "c2", "points": "many"}]
    (project / "data" / "customer.json").write_text(json.dumps(customers), encoding="utf-8")
    write_config(project, broken=False)
    return project


def write_config(project: Path, broken: bool) -> None:
    """shopctl.yaml with a SQLite store in the project folder."""
    (project / "shopctl.yaml").write_text(
        "store: sqlite:///shop.db\n"
        "accounts:\n"
        "  shop:\n"
        "    plugin: foldershop\n"
        f"    path: {project / 'data'}\n"
        f"    broken: {'true' if broken else 'false'}\n",
        encoding="utf-8",
    )


def run(project: Path, *args: str) -> tuple[int, str, str]:
    """Run shopctl with the project's config; exit code, stdout, stderr."""
    result = CliRunner().invoke(main, ["sync", "--config", str(project / "shopctl.yaml"), *args])
    return result.exit_code, result.stdout, result.stderr


def test_sync_loads_good_rows_and_lists_rejected_ones_with_their_source(project_dir: Path) -> None:
    code, out, err = run(project_dir)
    assert code == 1
    assert "error: shop: customer.json:3: customer c2: field points: expected integer" in err
    assert "1 rows in" in out
    assert (project_dir / "shop.db").exists()


def test_sync_json_has_stable_keys(project_dir: Path) -> None:
    code, out, _ = run(project_dir, "--json", "--type", "customer")
    data = json.loads(out)
    assert code == 1
    assert set(data) == {"synced", "errors", "failures", "rows", "seconds", "rows_per_second"}
    assert data["synced"][0]["rows"] == 1
    assert data["synced"][0]["rejected"] == 1
    assert data["errors"][0]["source"] == "customer.json:3"
    assert data["errors"][0]["id"] == "c2"


def test_a_failing_platform_exits_3_and_is_named(project_dir: Path) -> None:
    write_config(project_dir, broken=True)
    code, _, err = run(project_dir, "--type", "ad_group")
    assert code == 3
    assert "shop (platform foldershop) failed while syncing ad_group entities" in err
    assert "TimeoutError: shop API did not answer" in err


def test_a_clean_sync_exits_0(project_dir: Path) -> None:
    code, out, _ = run(project_dir, "--account", "shop", "--type", "ad_group")
    assert code == 0
    assert "ad_group" in out


def test_an_unknown_account_is_invalid_input(project_dir: Path) -> None:
    code, _, err = run(project_dir, "--account", "nope")
    assert code == 1
    assert "nope" in err
