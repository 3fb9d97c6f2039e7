"""End to end on the demo shop: the win-back rule reaches customers by real email and the
team through WeCom and DingTalk robots; caps hold back a second run; quiet hours defer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shopctl.engine import ledger
from shopctl.engine.executor import execute_pending
from shopctl.engine.runs import run_rule
from shopctl.engine.sync import sync
from shopctl.testing.http import LocalHttpServer, Recorded, Reply

WIN_BACK = """
- rule: win-back
  description: 沉睡客户召回
  on: customer
  when: days_since(last_order_at) >= 30 and accepts_marketing and email is not null
  do:
    - message(mail, "亲爱的{name}，好久不见！送您一张20元优惠券，7天内有效。")
    - notify(wecom, "召回 {name}")
    - notify(dingtalk, "召回 {name}")
  max_percent: 100%
  limit: 6
"""

MORNING = datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LATE_NEXT_DAY = datetime(2026, 3, 30, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
AFTER_EIGHT = datetime(2026, 3, 31, 0, 5, tzinfo=UTC)  # 08:05 in Shanghai


def robot(request: Recorded) -> Reply:
    """WeCom and DingTalk both answer errcode 0 when they take a message."""
    return Reply(200, {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def robots() -> Iterator[LocalHttpServer]:
    """One local server standing in for both robot APIs."""
    server = LocalHttpServer(robot).start()
    yield server
    server.stop()


@pytest.fixture
def shop(shopctl_project, smtp_server, robots, frozen_clock):
    """The demo shop with email, WeCom and DingTalk channels and the win-back rule."""
    frozen_clock.set(MORNING)
    smtp = smtp_server()
    project = shopctl_project(
        accounts={"shop": {"plugin": "demo", "seed": 7, "scale": 0.5}},
        channels={
            "mail": {
                "plugin": "email",
                "host": "127.0.0.1",
                "port": smtp.port,
                "security": "none",
                "sender": "店铺 <shop@shop.example>",
            },
            "wecom": {
                "plugin": "webhook",
                "format": "wecom",
                "url": f"{robots.url}/cgi-bin/webhook/send?key=wk",
            },
            "dingtalk": {
                "plugin": "webhook",
                "format": "dingtalk",
                "secret": "SECdd",
                "url": f"{robots.url}/robot/send?access_token=dt",
            },
        },
        rules={"winback.yaml": WIN_BACK},
        defaults={"quiet_hours": "22:00-08:00"},
    )
    sync(project)
    return project, smtp.mailbox


def run(project):
    """Run the win-back rule now."""
    return run_rule(project, project.rules.compiled["win-back"])


def test_win_back_emails_customers_and_tells_the_team_through_robots(shop, robots) -> None:
    project, mailbox = shop
    report = run(project)

    messages = [i for i in report.intents if i.action == "message"]
    assert messages and all(i.status == "done" for i in messages)
    assert len(mailbox.received) == len(messages)
    first = mailbox.received[0].message
    assert first.get_content().startswith("亲爱的")
    assert "20元优惠券" in first.get_content()
    assert "@" in mailbox.received[0].rcpt_tos[0]

    wecom = [r for r in robots.requests if r.path == "/cgi-bin/webhook/send"]
    dingtalk = [r for r in robots.requests if r.path == "/robot/send"]
    assert len(wecom) == len(dingtalk) == len(messages)
    assert wecom[0].json()["msgtype"] == "text"
    assert wecom[0].json()["text"]["content"].startswith("召回 ")
    assert dingtalk[0].json()["text"]["content"].startswith("召回 ")
    assert {"timestamp", "sign", "access_token"} <= set(dingtalk[0].query)


def test_a_second_run_inside_the_cap_sends_customers_nothing(shop, frozen_clock) -> None:
    project, mailbox = shop
    first = run(project)
    reached = {i.entity_id for i in first.intents if i.action == "message"}
    assert mailbox.received

    frozen_clock.set(datetime(2026, 3, 29, 4, 0, tzinfo=UTC))  # two hours later
    second = run(project)

    assert len(mailbox.received) == len(reached)  # not one more email
    assert not [i for i in second.intents if i.action == "message"]
    held = {s.entity_id: s.reason for s in second.skipped}
    assert reached <= set(held)
    assert all("cap" in held[c] or "24" in held[c] for c in reached), held


def test_quiet_hours_defer_customer_messages_until_morning(shop, robots, frozen_clock) -> None:
    project, mailbox = shop
    frozen_clock.set(LATE_NEXT_DAY)
    report = run(project)

    deferred = [i for i in report.intents if i.action == "message"]
    assert deferred and all(i.status == "deferred" for i in deferred)
    assert mailbox.received == []
    assert robots.requests  # the team is told at once: quiet hours are for customers

    frozen_clock.set(AFTER_EIGHT)
    execute_pending(project, owner="test-morning")

    assert len(mailbox.received) == len(deferred)
    later = ledger.run_intents(project.engine, report.run_id)
    assert {i.status for i in later if i.action == "message"} == {"done"}
