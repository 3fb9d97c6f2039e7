"""A real SMTP server on 127.0.0.1 (aiosmtpd) for channel tests, with optional TLS and login."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """An aiosmtpd handler: what the server received, and the replies it is told to give."""

    received: list[Received] = field(default_factory=list)
    # recipient -> SMTP reply, e.g. "550 5.1.1 no such user"
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str = "250 OK"
    # What follows a message's body: "reply" (data_reply), "hang" (keep the message and
    # never answer) or "close" (keep it and hang up without a reply).
    after_data: str = "reply"
    quit_reply: str = "221 Bye"
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        """Refuse the recipients the test scripted, accept the rest."""
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        """Say goodbye as scripted."""
        return self.quit_reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the parsed message; answer, hang or hang up as scripted."""
        if self.data_reply.startswith("250") or self.after_data != "reply":
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.after_data == "hang":
            await asyncio.Event().wait()  # cancelled when the server stops
        if self.after_data == "close":
            server.transport.abort()
        return self.data_reply


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_certificate(folder: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 and its key made with the openssl CLI (None without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class SmtpServer:
    """An SMTP server in a thread: `tls` is None, "starttls" or "ssl"; `users` require login."""

    def __init__(
        self,
        certificate: tuple[Path, Path] | None = None,
        tls: str | None = None,
        users: dict[str, str] | None = None,
    ):
        from aiosmtpd.controller import Controller

        self.mailbox = Mailbox()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls is not None:
            if certificate is None:
                raise ValueError("TLS needs a certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            if tls == "starttls":
                kwargs.update(tls_context=context, require_starttls=True)
            else:
                kwargs.update(ssl_context=context)
        if users is not None:
            kwargs.update(
                authenticator=self._authenticator(users),
                auth_required=True,
                auth_require_tls=tls is not None,
            )
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticator(self, users: dict[str, str]) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> Any:
            login = data.login.decode() if isinstance(data, LoginPassword) else None
            ok = login is not None and users.get(login) == data.password.decode()
            if ok:
                self.mailbox.logins.append((login, mechanism))
            # handled=False makes aiosmtpd answer 535 itself instead of staying silent.
            return AuthResult(success=ok, handled=False)

        return authenticate

    def start(self) -> SmtpServer:
        """Start listening."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()
