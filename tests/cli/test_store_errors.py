"""A store that cannot be opened is one line and exit 1 for every command, never a
traceback; `shopctl validate` checks the store answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).parents[2] / "core" / "cli" / "project_template.yaml"
COMMANDS = (["validate"], ["plan"], ["status"], ["history"], ["sync"])
PG = os.environ.get("SHOPCTL_TEST_POSTGRES")


def project(tmp_path: Path, store: str) -> Path:
    text = TEMPLATE.read_text(encoding="utf-8")
    lines = [f"store: {store}" if ln.startswith("store:") else ln for ln in text.splitlines()]
    (tmp_path / "shopctl.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "rules").mkdir()
    shutil.copy(TEMPLATE.parents[2] / "rules" / "ads.yaml", tmp_path / "rules")  # plan reads
    return tmp_path


def shopctl(folder: Path, *args: str, code: str = "pass") -> subprocess.CompletedProcess[str]:
    prelude = f"import sys; {code}; from shopctl.cli.main import main; sys.argv[0] = 'shopctl'; "
    return subprocess.run(
        [sys.executable, "-c", prelude + "main()", *args],
        cwd=folder, capture_output=True, text=True, check=False,
    )  # fmt: skip


def assert_one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and "sqlalchemy.exc" not in out
    for word in words:
        assert word in out


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_store_in_a_missing_folder(tmp_path: Path, args: list[str]) -> None:
    folder = project(tmp_path, "sqlite:///no/such/folder/shop.db")
    assert_one_line(shopctl(folder, *args), "does not exist", "folder")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_store_at_a_path_that_cannot_be_written(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "file").write_text("not a folder")
    folder = project(tmp_path, "sqlite:///file/shop.db")
    assert_one_line(shopctl(folder, *args), "the store", "not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_store_in_a_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    folder = project(tmp_path, "sqlite:///locked/shop.db")
    for args in COMMANDS:
        assert_one_line(shopctl(folder, *args), "cannot be created")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_postgres_without_psycopg_names_the_extra(tmp_path: Path, args: list[str]) -> None:
    folder = project(tmp_path, "postgresql+psycopg://u:sekrit@127.0.0.1:1/shop")
    done = shopctl(folder, *args, code="sys.modules['psycopg'] = None")
    assert_one_line(done, "pip install 'shopctl[postgres]'")
    assert "sekrit" not in done.stderr


@pytest.mark.postgres
@pytest.mark.skipif(PG is None, reason="no PostgreSQL configured: set SHOPCTL_TEST_POSTGRES")
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_postgres_database_that_does_not_exist(tmp_path: Path, args: list[str]) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(PG).set(database="shopctl_no_such_db_9d1f")
    folder = project(tmp_path, url.render_as_string(hide_password=False))
    assert_one_line(shopctl(folder, *args), "shopctl_no_such_db_9d1f", "does not exist")


def test_validate_of_a_good_store_still_says_ok(tmp_path: Path) -> None:
    folder = project(tmp_path, "sqlite:///shop.db")
    done = shopctl(folder, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (folder / "shop.db").exists()  # checking creates nothing
