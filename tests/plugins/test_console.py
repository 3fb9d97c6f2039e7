"""The console channel: one line per message, on stdout or appended to a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shopctl import FrozenClock, Message, PermanentError, PluginContext
from shopctl_plugins.console import ConsoleChannel


def console(tmp_path: Path, name: str = "ops", **settings: Any) -> ConsoleChannel:
    """A console channel whose project folder is `tmp_path`."""
    state = tmp_path / ".shopctl"
    state.mkdir(exist_ok=True)
    context = PluginContext(FrozenClock(datetime(2026, 3, 2, tzinfo=UTC)), state)
    return ConsoleChannel(name, settings, context)


def test_a_notification_prints_one_line_with_channel_and_subject(tmp_path, capfd) -> None:
    channel = console(tmp_path)
    delivery = channel.send(Message((), "暂停 AG001: ROI 1.20\n请检查", subject="pause-low-roi"))
    out = capfd.readouterr().out
    assert out == "[ops] pause-low-roi: 暂停 AG001: ROI 1.20 请检查\n"
    assert delivery.detail == out.rstrip("\n")


def test_recipients_are_shown_when_there_are_any(tmp_path, capfd) -> None:
    console(tmp_path, "sms", address="phone").send(Message(("13800000000",), "亲，优惠券已到账"))
    assert capfd.readouterr().out == "[sms] → 13800000000 亲，优惠券已到账\n"


def test_stderr_keeps_stdout_for_a_commands_own_output(tmp_path, capfd) -> None:
    console(tmp_path, stream="stderr").send(Message((), "库存预警"))
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "[ops] 库存预警\n")
    with pytest.raises(PermanentError, match="stream must be stdout or stderr"):
        console(tmp_path, stream="printer")


def test_the_file_setting_appends_utf8_lines_relative_to_the_project(tmp_path, capfd) -> None:
    channel = console(tmp_path, file="notifications.log")
    channel.send(Message((), "第一条", subject="a"))
    channel.send(Message((), "second", subject="b"))
    lines = (tmp_path / "notifications.log").read_text(encoding="utf-8").splitlines()
    assert lines == ["[ops] a: 第一条", "[ops] b: second"]
    assert capfd.readouterr().out == ""


def test_an_unwritable_file_fails_permanently(tmp_path) -> None:
    channel = console(tmp_path, file=str(tmp_path))  # a folder, not a file
    with pytest.raises(PermanentError, match="cannot write"):
        channel.send(Message((), "x"))


def test_only_a_console_configured_with_an_address_reaches_customers(tmp_path) -> None:
    assert ConsoleChannel.address is None
    assert console(tmp_path).address is None
    assert console(tmp_path, "sms", address="phone").address == "phone"


def test_notify_shows_the_team_recipients_of_the_to_setting(tmp_path, capfd) -> None:
    channel = console(tmp_path, to=["小王", "ops@example.cn"])
    channel.send(Message(channel.recipients(), "日报已生成"))
    assert capfd.readouterr().out == "[ops] → 小王, ops@example.cn 日报已生成\n"
