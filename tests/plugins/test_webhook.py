"""The webhook channel against a real local HTTP server, in each message format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shopctl import (
    AmbiguousError,
    FrozenClock,
    Message,
    PermanentError,
    PluginContext,
    TransientError,
)
from shopctl.testing.http import Reply, Script, serving
from shopctl_plugins.webhook.channel import WebhookChannel

NOW = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
SECRET = "SECa1b2c3d4e5f6"
TOKEN = "tok-9f8e7d6c5b4a"
MESSAGE = Message(
    recipients=("13800138000",),
    subject="积分提醒",
    text="亲，您的积分将于3天后过期",
    key="points:customer:c7:message:2026-03-29",
    customer_facing=True,
)


def webhook(tmp_path: Path, url: str, **settings: Any) -> WebhookChannel:
    """A webhook channel with a frozen clock."""
    return WebhookChannel("im", {"url": url, **settings}, PluginContext(FrozenClock(NOW), tmp_path))


def test_generic_json_is_signed_over_the_raw_body(tmp_path):
    with serving(Script()) as server:
        webhook(tmp_path, server.url + "/sms/send", secret=SECRET, token=TOKEN).send(MESSAGE)
    [got] = server.requests
    assert got.path == "/sms/send"
    assert got.json() == {
        "channel": "im",
        "text": "亲，您的积分将于3天后过期",
        "subject": "积分提醒",
        "recipients": ["13800138000"],
        "key": MESSAGE.key,
    }
    expected = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Shopctl-Signature"] == f"sha256={expected}"
    assert got.headers["Idempotency-Key"] == MESSAGE.key
    assert got.headers["Authorization"] == f"Bearer {TOKEN}"


def test_generic_json_reaches_customers_by_phone_and_robots_reach_only_the_team(tmp_path):
    assert webhook(tmp_path, "http://127.0.0.1/x").address == "phone"
    assert webhook(tmp_path, "http://127.0.0.1/x", format="wecom").address is None


def test_wecom_robot_text_message_mentions_the_team(tmp_path):
    with serving(Script(default=Reply(200, {"errcode": 0, "errmsg": "ok"}))) as server:
        hook = webhook(tmp_path, server.url + "/cgi-bin/webhook/send?key=abc", format="wecom",
                       to=["13900000000"])  # fmt: skip
        hook.send(Message(recipients=(), text="暂停 推广单元A: ROI 1.20"))
    [got] = server.requests
    assert got.query == {"key": "abc"}
    assert got.json() == {
        "msgtype": "text",
        "text": {"content": "暂停 推广单元A: ROI 1.20", "mentioned_mobile_list": ["13900000000"]},
    }


def test_dingtalk_robot_signs_the_url_with_timestamp_and_secret(tmp_path):
    with serving(Script(default=Reply(200, {"errcode": 0, "errmsg": "ok"}))) as server:
        hook = webhook(tmp_path, server.url + "/robot/send?access_token=t0k", format="dingtalk",
                       secret=SECRET)  # fmt: skip
        hook.send(Message(recipients=(), subject="日报", text="今日销售额 ¥12,345"))
    [got] = server.requests
    stamp = str(int(NOW.timestamp() * 1000))
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert got.query["access_token"] == "t0k"
    assert got.query["timestamp"] == stamp
    assert got.query["sign"] == expected  # parse_qsl already undid the URL encoding
    assert got.json() == {"msgtype": "text", "text": {"content": "日报\n今日销售额 ¥12,345"}}


def test_feishu_bot_puts_timestamp_and_sign_in_the_body(tmp_path):
    with serving(Script(default=Reply(200, {"code": 0, "msg": "success"}))) as server:
        webhook(tmp_path, server.url + "/open-apis/bot/v2/hook/0123456789abcdef0123",
                format="feishu", secret=SECRET).send(MESSAGE)  # fmt: skip
    body = server.requests[0].json()
    stamp = str(int(NOW.timestamp()))
    key = f"{stamp}\n{SECRET}".encode()
    assert body["timestamp"] == stamp
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": "积分提醒\n亲，您的积分将于3天后过期"}


def test_slack_incoming_webhook_gets_plain_text(tmp_path):
    with serving(Script(default=Reply(200, "ok"))) as server:
        webhook(tmp_path, server.url + "/services/T0/B0/x", format="slack").send(MESSAGE)
    assert server.requests[0].json() == {"text": "积分提醒\n亲，您的积分将于3天后过期"}


def test_server_errors_are_transient_and_a_retry_goes_through(tmp_path):
    with serving(Script(Reply(503, "busy"))) as server:
        hook = webhook(tmp_path, server.url + "/send")
        with pytest.raises(TransientError, match="HTTP 503"):
            hook.send(MESSAGE)
        assert hook.send(MESSAGE).detail == "HTTP 200"
    assert [r.headers["Idempotency-Key"] for r in server.requests] == [MESSAGE.key] * 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, TransientError), (400, PermanentError), (404, PermanentError), (500, TransientError)],
)
def test_http_status_maps_to_retry_or_not(tmp_path, status, error):
    with serving(Script(Reply(status, {"error": "nope"}))) as server, pytest.raises(error):
        webhook(tmp_path, server.url + "/send").send(MESSAGE)


def test_a_rejection_that_echoes_the_token_is_masked(tmp_path):
    echo = Reply(401, {"error": f"invalid token {TOKEN}", "url": "/hook/abcdefghijklmnopqrstuv"})
    with serving(Script(echo)) as server:
        hook = webhook(tmp_path, server.url + "/hook/abcdefghijklmnopqrstuv", token=TOKEN)
        with pytest.raises(PermanentError, match="HTTP 401") as failure:
            hook.send(MESSAGE)
    assert TOKEN not in str(failure.value)
    assert "abcdefghijklmnopqrstuv" not in str(failure.value)
    assert "invalid token ***" in str(failure.value)


def test_robot_error_codes_in_a_200_reply(tmp_path):
    refused = Reply(200, {"errcode": 310000, "errmsg": "sign not match"})
    throttled = Reply(200, {"errcode": 130101, "errmsg": "send too fast"})
    with serving(Script(refused, throttled)) as server:
        hook = webhook(tmp_path, server.url + "/robot/send?access_token=t", format="dingtalk")
        with pytest.raises(PermanentError, match="310000"):
            hook.send(MESSAGE)
        with pytest.raises(TransientError, match="130101"):
            hook.send(MESSAGE)


def test_no_reply_after_sending_is_ambiguous(tmp_path):
    with serving(Script(Reply(200, "late", delay=1.0))) as server:
        with pytest.raises(AmbiguousError, match="no reply"):
            webhook(tmp_path, server.url + "/send", timeout=0.2).send(MESSAGE)
        assert len(server.requests) == 1  # it did arrive: a blind resend could duplicate


def test_nobody_listening_is_transient(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError, match="cannot connect"):
        webhook(tmp_path, f"http://127.0.0.1:{port}/send").send(MESSAGE)


@pytest.mark.parametrize(
    ("settings", "match"),
    [({"format": "telegram"}, "format must be one of"), ({"url": "ftp://x"}, "http")],
)
def test_bad_settings_are_rejected(tmp_path, settings, match):
    with pytest.raises(PermanentError, match=match) as failure:
        WebhookChannel(
            "im",
            {"url": "http://127.0.0.1/x", **settings},
            PluginContext(FrozenClock(NOW), tmp_path),
        )
    # The bad value may have come from a ${VAR}: it is not repeated.
    assert all(str(value) not in str(failure.value) for value in settings.values())


def test_payloads_are_utf8_json(tmp_path):
    with serving(Script()) as server:
        webhook(tmp_path, server.url + "/send").send(MESSAGE)
    assert "积分" in server.requests[0].body.decode("utf-8")
    assert json.loads(server.requests[0].body)["subject"] == "积分提醒"
