"""A real SMTP server on localhost (aiosmtpd) and a self-signed certificate for it."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message the test server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """What the server received, and the replies it is told to give."""

    received: list[Received] = field(default_factory=list)
    # recipient -> SMTP reply, e.g. "550 5.1.1 no such user"
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str = "250 OK"
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

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the parsed message."""
        if self.data_reply.startswith("250"):
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return self.data_reply


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


SmtpServer = Callable[..., tuple[Mailbox, int]]


@pytest.fixture
def smtp_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """Start an SMTP server: `smtp_server(tls="starttls"|"ssl"|None, users={name: pw})`."""
    controllers: list[Controller] = []

    def start(tls: str | None = None, users: dict[str, str] | None = None) -> tuple[Mailbox, int]:
        mailbox = Mailbox()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        kwargs: dict[str, Any] = {}
        if tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif tls == "ssl":
            kwargs.update(ssl_context=context)
        if users is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(data, LoginPassword)
                    and users.get(data.login.decode()) == data.password.decode()
                )
                if ok:
                    mailbox.logins.append((data.login.decode(), mechanism))
                # handled=False makes aiosmtpd answer 535 itself instead of staying silent.
                return AuthResult(success=ok, handled=False)

            kwargs.update(
                authenticator=authenticate,
                auth_required=True,
                auth_require_tls=tls is not None,
            )
        port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return mailbox, port

    yield start
    for controller in controllers:
        controller.stop()
