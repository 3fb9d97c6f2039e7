"""Alerts: one per condition per hour, and a failing channel never stops the daemon."""

from __future__ import annotations

from datetime import timedelta

from shopctl.clock import FrozenClock
from shopctl.daemon.alerts import Alerts
from tests.daemon.conftest import SentAlerts


def test_the_same_condition_is_alerted_once_per_hour(
    alerts: Alerts, sent: SentAlerts, clock: FrozenClock
) -> None:
    assert alerts.alert("missed:r", "first")
    clock.advance(timedelta(minutes=59))
    assert not alerts.alert("missed:r", "again")
    assert alerts.alert("missed:other", "another rule")
    clock.advance(timedelta(minutes=1))
    assert alerts.alert("missed:r", "an hour later")
    assert sent.texts() == ["first", "another rule", "an hour later"]
    assert sent.sent[0][:2] == ("ops", "shopctl: missed:r")


def test_a_failing_channel_is_logged_not_raised(clock: FrozenClock) -> None:
    def broken(channel: str, subject: str, text: str) -> None:
        raise OSError("smtp down")

    assert not Alerts("ops", broken, clock.now).alert("x", "y")


def test_without_an_alerts_channel_alerts_are_only_logged(clock: FrozenClock) -> None:
    assert not Alerts(None, None, clock.now).alert("x", "y")


def test_broken_files_are_alerted_with_their_errors(alerts: Alerts, sent: SentAlerts) -> None:
    alerts.broken("rules/a.yaml", ["rules/a.yaml:3:9: error: unknown field 'roii'"])
    assert "rules/a.yaml is invalid" in sent.texts()[0]
    assert "unknown field 'roii'" in sent.texts()[0]


def test_a_success_resets_the_failure_count(alerts: Alerts, sent: SentAlerts) -> None:
    for outcome in ("failed", "failed", "acted", "failed", "partial"):
        alerts.run_finished("r", outcome)
    assert sent.texts() == []
    alerts.run_finished("r", "failed")
    assert sent.texts() == ["rule r failed 3 runs in a row (failed)"]
