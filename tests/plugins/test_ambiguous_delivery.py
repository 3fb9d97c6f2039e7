"""A message that may have been delivered is never resent: `shopctl run` as a real process
against a real SMTP server that takes the body and then hangs or hangs up, and a webhook
whose reply never comes. The intent ends `unknown`, the alerts channel hears of it, and
a second run sends nothing."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from shopctl.testing.http import LocalHttpServer, Recorded, Reply
from tests.daemon.daemon_process import SHOPCTL, DaemonProject, environment, make_project

TELL_TEAM = """
- rule: tell-team
  on: product
  when: status == "active"
  do:
    - notify(team, "下架提醒 {title}")
  limit: 1
  cooldown: 1d
"""


def run(project: DaemonProject) -> subprocess.CompletedProcess[str]:
    """`shopctl run tell-team` as its own process."""
    return subprocess.run(
        [*SHOPCTL, "--config", str(project.config), "run", "tell-team"],
        env=environment(project),
        capture_output=True,
        text=True,
        timeout=60,
    )


def with_team_channel(tmp_path: Path, settings: str) -> DaemonProject:
    """The counting shop, alerts to a file, and a `team` channel with these settings."""
    project = make_project(tmp_path, TELL_TEAM, count=1)
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("channels:\n", f"channels:\n{settings}"), "utf-8")
    return project


def assert_unknown_alerted_and_never_resent(
    project: DaemonProject, delivered: Callable[[], int]
) -> None:
    """One delivery, the intent unknown and alerted; a rerun delivers nothing more."""
    first = run(project)
    assert first.returncode == 3, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    assert delivered() == 1
    assert project.intent_statuses() == {"unknown": 1}
    alerts = project.alerts.read_text(encoding="utf-8")
    assert "may or may not have happened" in alerts and "will not be resent" in alerts
    again = run(project)
    assert "Traceback" not in again.stderr, again.stderr
    assert delivered() == 1  # not resent by the rerun
    assert project.intent_statuses() == {"unknown": 1}


@pytest.mark.parametrize("after_data", ["hang", "close"])
def test_smtp_that_takes_the_body_and_gives_no_reply_gets_it_once(
    tmp_path, smtp_server, after_data
):
    server = smtp_server()
    server.mailbox.after_data = after_data
    project = with_team_channel(
        tmp_path,
        f"""  team:
    plugin: email
    host: 127.0.0.1
    port: {server.port}
    security: none
    sender: ops@shop.example
    to: [team@shop.example]
    timeout: 1
""",
    )
    assert_unknown_alerted_and_never_resent(project, lambda: len(server.mailbox.received))


def test_smtp_that_refuses_before_data_is_retried_and_failed_not_unknown(tmp_path, smtp_server):
    server = smtp_server()
    server.mailbox.rcpt_replies = {"team@shop.example": "451 4.3.0 try later"}
    project = with_team_channel(
        tmp_path,
        f"""  team:
    plugin: email
    host: 127.0.0.1
    port: {server.port}
    security: none
    sender: ops@shop.example
    to: [team@shop.example]
""",
    )
    result = run(project)
    assert result.returncode == 3
    assert project.intent_statuses() == {"failed": 1}
    assert server.mailbox.received == []


def test_webhook_whose_reply_times_out_gets_it_once(tmp_path):
    def late(request: Recorded) -> Reply:
        return Reply(200, {"ok": True}, delay=3.0)

    server = LocalHttpServer(late).start()
    try:
        project = with_team_channel(
            tmp_path,
            f"""  team:
    plugin: webhook
    url: {server.url}/send
    timeout: 0.5
""",
        )
        assert_unknown_alerted_and_never_resent(project, lambda: len(server.requests))
    finally:
        server.stop()
