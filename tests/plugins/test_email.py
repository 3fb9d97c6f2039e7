"""The email channel against a real SMTP server on localhost."""

from __future__ import annotations

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
from shopctl_plugins.email.channel import EmailChannel

PASSWORD = "s3cret-p@ss"


def channel(tmp_path: Path, port: int, **settings: Any) -> EmailChannel:
    """An email channel pointed at the local server."""
    context = PluginContext(FrozenClock(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)), tmp_path)
    base = {"host": "127.0.0.1", "port": port, "sender": "店铺运营 <ops@shop.example>"}
    return EmailChannel("mail", {**base, **settings}, context)


WINBACK = Message(
    recipients=("li.lei@example.com",),
    subject="好久不见，送您一张50元优惠券",
    text="亲爱的李雷：\n您已经30天没有光顾小店了，优惠码 WB-7Q2K 7天内有效。",
    html="<p>亲爱的李雷：</p><p>优惠码 <b>WB-7Q2K</b> 7天内有效。</p>",
    key="winback:customer:c42:message:2026-03-29",
    customer_facing=True,
)


def test_starttls_with_login_delivers_chinese_text_and_html(
    smtp_server, smtp_certificate, tmp_path
):
    server = smtp_server(tls="starttls", users={"ops": PASSWORD})
    mailbox, port = server.mailbox, server.port
    mail = channel(
        tmp_path, port, security="starttls", username="ops", password=PASSWORD,
        ca_file=str(smtp_certificate[0]),
    )  # fmt: skip

    delivery = mail.send(WINBACK)

    [got] = mailbox.received
    assert got.rcpt_tos == ["li.lei@example.com"]
    assert got.mail_from == "ops@shop.example"
    assert mailbox.logins and mailbox.logins[0][0] == "ops"
    assert got.message["Subject"] == "好久不见，送您一张50元优惠券"
    assert got.message["From"].addresses[0].display_name == "店铺运营"
    assert got.message.get_content_type() == "multipart/alternative"
    text = got.message.get_body(("plain",)).get_content()
    html = got.message.get_body(("html",)).get_content()
    assert "您已经30天没有光顾小店了" in text
    assert "<b>WB-7Q2K</b>" in html
    assert got.message["Message-ID"] == delivery.reference
    assert got.message["X-Shopctl-Key"] == WINBACK.key


def test_implicit_ssl_delivers(smtp_server, smtp_certificate, tmp_path):
    server = smtp_server(tls="ssl")
    mailbox, port = server.mailbox, server.port
    channel(tmp_path, port, security="ssl", ca_file=str(smtp_certificate[0])).send(WINBACK)
    assert [r.rcpt_tos for r in mailbox.received] == [["li.lei@example.com"]]


def test_text_only_mail_to_the_team_when_the_message_names_nobody(smtp_server, tmp_path):
    server = smtp_server()
    mailbox, port = server.mailbox, server.port
    mail = channel(tmp_path, port, security="none", to=["ops@shop.example", "boss@shop.example"])

    mail.send(Message(recipients=(), text="暂停 推广单元A: ROI 1.20"))

    [got] = mailbox.received
    assert got.rcpt_tos == ["ops@shop.example", "boss@shop.example"]
    assert got.message.get_content_type() == "text/plain"
    assert got.message["Subject"] == "暂停 推广单元A: ROI 1.20"
    assert got.message.get_content().strip() == "暂停 推广单元A: ROI 1.20"


def test_message_id_follows_the_idempotency_key(smtp_server, tmp_path):
    server = smtp_server()
    mailbox, port = server.mailbox, server.port
    mail = channel(tmp_path, port, security="none")
    first = mail.send(WINBACK)
    again = mail.send(WINBACK)
    other = mail.send(Message(("li.lei@example.com",), "x", key="another-key"))
    assert first.reference == again.reference != other.reference
    assert [r.message["Message-ID"] for r in mailbox.received][:2] == [first.reference] * 2


def test_refused_recipient_is_permanent_and_busy_mailbox_transient(smtp_server, tmp_path):
    server = smtp_server()
    mailbox, port = server.mailbox, server.port
    mailbox.rcpt_replies["li.lei@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(PermanentError, match="550"):
        channel(tmp_path, port, security="none").send(WINBACK)
    mailbox.rcpt_replies["li.lei@example.com"] = "450 4.2.1 mailbox busy"
    with pytest.raises(TransientError, match="450"):
        channel(tmp_path, port, security="none").send(WINBACK)
    assert mailbox.received == []


def test_data_rejections_map_to_transient_or_permanent(smtp_server, tmp_path):
    server = smtp_server()
    mailbox, port = server.mailbox, server.port
    mailbox.data_reply = "451 4.3.0 try again later"
    with pytest.raises(TransientError, match="451"):
        channel(tmp_path, port, security="none").send(WINBACK)
    mailbox.data_reply = "554 5.7.1 spam"
    with pytest.raises(PermanentError, match="554"):
        channel(tmp_path, port, security="none").send(WINBACK)


def test_wrong_password_is_permanent_and_never_echoed(smtp_server, smtp_certificate, tmp_path):
    port = smtp_server(tls="starttls", users={"ops": "the-right-one"}).port
    mail = channel(
        tmp_path, port, username="ops", password=PASSWORD, ca_file=str(smtp_certificate[0])
    )
    with pytest.raises(PermanentError, match="535") as failure:
        mail.send(WINBACK)
    assert PASSWORD not in str(failure.value)


def test_untrusted_smtp_certificate_is_permanent_and_says_what_to_set(smtp_server, tmp_path):
    port = smtp_server(tls="starttls").port
    with pytest.raises(PermanentError, match="ca_file"):
        channel(tmp_path, port).send(WINBACK)


def test_no_server_listening_is_transient(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError, match="cannot reach"):
        channel(tmp_path, port, security="none").send(WINBACK)


def test_a_server_that_never_answers_times_out_as_transient(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(TransientError):
            channel(tmp_path, port, security="none", timeout=0.3).send(WINBACK)


def test_unknown_security_mode_is_rejected_without_repeating_the_value(tmp_path):
    with pytest.raises(PermanentError, match="starttls, ssl, none") as failure:
        channel(tmp_path, 25, security="tls1.3-from-a-secret")
    assert "tls1.3-from-a-secret" not in str(failure.value)


@pytest.mark.parametrize("after_data", ["hang", "close"])
def test_no_reply_once_the_body_went_out_is_ambiguous(smtp_server, tmp_path, after_data):
    server = smtp_server()
    server.mailbox.after_data = after_data
    with pytest.raises(AmbiguousError, match="may have been delivered"):
        channel(tmp_path, server.port, security="none", timeout=0.5).send(WINBACK)
    assert len(server.mailbox.received) == 1  # it did arrive: a resend would duplicate it


def test_a_failing_quit_after_the_250_is_still_delivered(smtp_server, tmp_path):
    server = smtp_server()
    # A QUIT answered with an error: the message was accepted, so the send succeeded.
    server.mailbox.quit_reply = "421 4.3.0 shutting down"
    delivery = channel(tmp_path, server.port, security="none", timeout=0.5).send(WINBACK)
    assert delivery.reference and len(server.mailbox.received) == 1
