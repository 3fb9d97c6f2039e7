"""Building the MIME message: UTF-8 headers, text and HTML parts, a stable Message-ID."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from shopctl import Message


def message_id(key: str, sender: str) -> str:
    """A Message-ID derived from the idempotency key, so a receiver can drop resends."""
    domain = sender.rpartition("@")[2].strip(" >") or "shopctl.invalid"
    token = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] if key else uuid.uuid4().hex
    return f"<shopctl.{token}@{domain}>"


def compose(
    message: Message, sender: str, recipients: tuple[str, ...], at: datetime
) -> EmailMessage:
    """The email for `message`: multipart/alternative when it has an HTML body."""
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Subject"] = message.subject or _first_line(message.text)
    mail["Date"] = format_datetime(at)
    mail["Message-ID"] = message_id(message.key, sender)
    if message.key:
        # Lets a receiving system or a person correlate the mail with the ledger.
        mail["X-Shopctl-Key"] = message.key
    mail.set_content(message.text, charset="utf-8")
    if message.html:
        mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:60]
