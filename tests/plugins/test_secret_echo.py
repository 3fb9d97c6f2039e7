"""A webhook server that echoes the token back, late in its reply, JSON-escaped or
URL-encoded: no spelling of it, and no piece of six characters or more, reaches the
store or the output of `shopctl run` and `shopctl actions`, run as real processes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import MetaData, create_engine, select

from shopctl.testing.http import LocalHttpServer, Recorded, Reply
from tests.daemon.daemon_process import SHOPCTL, DaemonProject, environment, make_project

# No letter a-f: no piece of it can turn up by chance in a hexadecimal key.
TOKEN = "sk/ZQWYRTXV-PNMLKJHG_ZQWYRTXV/PNMLK"
PADDING = "x" * 175
ECHOES = {
    "after 175 characters": PADDING + TOKEN,
    "json-escaped": json.dumps({"error": "bad token", "got": TOKEN}).replace("/", "\\/"),
    "url-encoded": f"token={quote(TOKEN, safe='')}&again={quote_plus(TOKEN)}",
    "json after 175 characters": json.dumps({"pad": PADDING, "token": TOKEN}),
}
TELL_TEAM = """
- rule: tell-team
  on: product
  when: status == "active"
  do:
    - notify(team, "提醒 {title}")
  limit: 1
"""


def pieces(secret: str, size: int = 6) -> set[str]:
    """Every run of `size` characters of the secret."""
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def store_dump(project: DaemonProject) -> str:
    """Every row of every table of the store, as text."""
    engine = create_engine(project.store)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return "\n".join(
                repr(tuple(row))
                for table in meta.sorted_tables
                for row in conn.execute(select(table))
            )
    finally:
        engine.dispose()


def shopctl(project: DaemonProject, *args: str) -> str:
    """Run shopctl as its own process; its stdout and stderr."""
    done = subprocess.run(
        [*SHOPCTL, "--config", str(project.config), *args],
        env={**environment(project), "HOOK_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout + done.stderr


@pytest.mark.parametrize("echo", list(ECHOES), ids=list(ECHOES))
def test_an_echoed_token_reaches_no_table_and_no_output(tmp_path: Path, echo: str) -> None:
    def refuse(request: Recorded) -> Reply:
        return Reply(400, ECHOES[echo].encode())

    server = LocalHttpServer(refuse).start()
    try:
        project = make_project(tmp_path, TELL_TEAM, count=1)
        text = project.config.read_text(encoding="utf-8")
        team = f"  team:\n    plugin: webhook\n    url: {server.url}/send\n"
        team += "    token: ${HOOK_TOKEN}\n"
        project.config.write_text(text.replace("channels:\n", "channels:\n" + team), "utf-8")
        output = shopctl(project, "run", "tell-team", "--json")
        output += shopctl(project, "actions", "--json") + shopctl(project, "actions")
        output += shopctl(project, "history", "--json") + shopctl(project, "status")
        assert server.requests, "the server was reached"
        dump = store_dump(project)
        assert "bad token" in dump or "xxxx" in dump or "token=" in dump  # the reply was kept
        for where, text in (("store", dump), ("output", output)):
            leaked = sorted(p for p in pieces(TOKEN) if p in text)
            assert not leaked, (where, leaked)
            assert quote(TOKEN, safe="")[:9] not in text and "ZQWYRT" not in text
    finally:
        server.stop()
