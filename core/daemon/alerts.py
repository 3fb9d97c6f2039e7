"""Telling the configured `alerts` channel when the daemon cannot do its work.

Alerts go out on repeated failures of a rule, on missed slots, on broken rule or
config files, and when a rule that should have run did not (dead-man). Each condition
is sent at most once per window (an hour), so a rule failing every minute does not
flood the channel.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from shopctl.channel import Channel, Message
from shopctl.daemon.events import event

DEDUP_WINDOW = timedelta(hours=1)
# Consecutive failed runs of one rule before the alerts channel hears of it.
FAILURE_THRESHOLD = 3

# (channel name, subject, text) -> sends it; raises when the channel fails.
Deliver = Callable[[str, str, str], object]


class Alerts:
    """Sends de-duplicated alerts; a channel that fails is logged, never raised."""

    def __init__(
        self,
        channel: str | None,
        deliver: Deliver | None,
        now: Callable[[], datetime],
        window: timedelta = DEDUP_WINDOW,
    ):
        self.channel = channel
        self.deliver = deliver
        self.now = now
        self.window = window
        self._sent: dict[str, datetime] = {}
        self._failures: dict[str, int] = {}

    def alert(self, condition: str, text: str) -> bool:
        """Send `text` unless `condition` was alerted within the window; True if sent."""
        now = self.now()
        last = self._sent.get(condition)
        if last is not None and now - last < self.window:
            event("alert.suppressed", condition=condition)
            return False
        self._sent[condition] = now
        event("alert", logging.WARNING, condition=condition, text=text)
        if self.channel is None or self.deliver is None:
            return False
        try:
            self.deliver(self.channel, f"shopctl: {condition}", text)
        except Exception as exc:  # the alert path must never take the daemon down
            event("alert.failed", logging.ERROR, channel=self.channel, error=str(exc))
            return False
        return True

    def run_finished(self, rule: str, outcome: str, error: str | None = None) -> None:
        """Count consecutive failures of `rule`; alert when they repeat."""
        if outcome not in ("failed", "partial"):
            self._failures.pop(rule, None)
            return
        count = self._failures.get(rule, 0) + 1
        self._failures[rule] = count
        if count >= FAILURE_THRESHOLD:
            detail = f": {error}" if error else ""
            self.alert(
                f"failing:{rule}", f"rule {rule} failed {count} runs in a row ({outcome}){detail}"
            )

    def missed(self, rule: str, slots: list[str], uncounted: int = 0) -> None:
        """Slots of `rule` passed while the daemon could not run them."""
        count = len(slots) + uncounted
        shown = ", ".join(slots[-5:])
        self.alert(
            f"missed:{rule}",
            f"rule {rule} missed {count} scheduled run(s) while the daemon was down: {shown}",
        )

    def broken(self, path: str, errors: list[str]) -> None:
        """A rule or config file failed validation; its last good version keeps running."""
        listed = "\n".join(errors[:10])
        # Keyed by the errors too: a new mistake in the same file is news.
        digest = hashlib.sha256(listed.encode()).hexdigest()[:12]
        self.alert(
            f"broken:{path}:{digest}",
            f"{path} is invalid; the last good version of its rules keeps running:\n{listed}",
        )

    def dead_man(self, rule: str, slot: str, due_at: datetime) -> None:
        """A rule should have run for `slot` and has no run recorded."""
        self.alert(
            f"deadman:{rule}",
            f"rule {rule} should have run at {due_at.isoformat(timespec='minutes')} "
            f"(slot {slot}) and did not",
        )


def channel_delivery(channel: Callable[[str], Channel]) -> Deliver:
    """Deliver alerts through configured channels, to each channel's own recipients."""

    def deliver(name: str, subject: str, text: str) -> object:
        target = channel(name)
        return target.send(Message(recipients=target.recipients(), text=text, subject=subject))

    return deliver
