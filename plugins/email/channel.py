"""The email channel: one SMTP session per message, failures mapped to retry or not.

Once the server has answered DATA with 354 and the body is on its way, a timeout or a
disconnect before its final reply leaves the message possibly delivered: that is an
AmbiguousError (the intent ends `unknown`, alerted, never resent), not a retry.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Mapping
from typing import Any

from shopctl import (
    AmbiguousError,
    Channel,
    Delivery,
    Message,
    PermanentError,
    PluginContext,
    Setting,
    TransientError,
    Type,
)
from shopctl_plugins.email.compose import compose

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class EmailChannel(Channel):
    """Sends each message as one email through an SMTP server."""

    name = "email"
    version = "1.0"
    address = "email"
    settings = (
        Setting("host", Type.TEXT, "SMTP server host name"),
        Setting("port", Type.INTEGER, "SMTP port (default: 587, 465 with ssl, 25 with none)", None),
        Setting("security", Type.TEXT, "starttls, ssl or none", "starttls"),
        Setting("username", Type.TEXT, "Login name; no login when empty", None),
        Setting("password", Type.TEXT, "Login password, e.g. ${SMTP_PASSWORD}", None, secret=True),
        Setting("sender", Type.TEXT, "From address, e.g. 店铺运营 <ops@shop.example>"),
        Setting("to", Type.TEXT_LIST, "The team's addresses notify() writes to", ()),
        Setting("timeout", Type.NUMBER, "Seconds to wait for the server", 30.0),
        Setting("ca_file", Type.TEXT, "CA bundle that signs the server's certificate", None),
    )

    def __init__(self, channel: str, settings: Mapping[str, Any], context: PluginContext):
        super().__init__(channel, settings, context)
        self.security = str(self.config.get("security") or "starttls").lower()
        if self.security not in SECURITY:
            raise PermanentError(
                # The value itself is not shown: it may have come from a secret ${VAR}.
                f"channel {channel}: security must be one of {', '.join(SECURITY)}"
            )
        if not self.config.get("host") or not self.config.get("sender"):
            raise PermanentError(f"channel {channel}: host and sender are required")
        self.port = int(self.config.get("port") or DEFAULT_PORTS[self.security])
        self.timeout = float(self.config.get("timeout") or 30.0)

    def send(self, message: Message) -> Delivery:
        """Send `message` to its recipients (the team's `to` when it names none)."""
        recipients = message.recipients or self.recipients()
        if not recipients:
            raise PermanentError(f"channel {self.channel}: no recipients")
        mail = compose(message, self.config["sender"], recipients, self.context.clock.now())
        smtp: _Session | None = None
        try:
            smtp = self._connect()
            try:
                self._login(smtp)
                refused = smtp.send_message(mail, to_addrs=list(recipients))
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise self._error(min(codes), "every recipient was refused") from None
        except smtplib.SMTPResponseException as exc:
            raise self._error(exc.smtp_code, _text(exc.smtp_error)) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(self._mask(f"channel {self.channel}: {exc}")) from None
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(
                f"channel {self.channel}: the server's certificate is not trusted "
                f"({exc.verify_message}); set ca_file"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            if smtp is not None and smtp.body_sent:
                raise AmbiguousError(
                    self._mask(
                        f"channel {self.channel}: {self._where()} took the message but gave "
                        f"no reply to it ({type(exc).__name__}); it may have been delivered"
                    )
                ) from None
            # Before DATA: disconnects, refused connections and timeouts; nothing went out.
            raise TransientError(
                self._mask(f"channel {self.channel}: cannot reach {self._where()}: {exc!r}")
            ) from None
        _quit(smtp)  # delivered: whatever QUIT gets back changes nothing
        detail = f"refused: {', '.join(sorted(refused))}" if refused else ""
        return Delivery(reference=mail["Message-ID"], detail=detail)

    def _connect(self) -> _Session:
        host = self.config["host"]
        context = ssl.create_default_context(cafile=self.config.get("ca_file"))
        if self.security == "ssl":
            return _SslSession(host, self.port, timeout=self.timeout, context=context)
        smtp = _Session(host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        username = self.config.get("username")
        if username:
            smtp.login(username, self.config.get("password") or "")

    def _error(self, code: int, reply: str) -> TransientError | PermanentError:
        text = self._mask(f"channel {self.channel}: SMTP {code} from {self._where()}: {reply}")
        return TransientError(text) if 400 <= code < 500 else PermanentError(text)

    def _where(self) -> str:
        return f"{self.config['host']}:{self.port}"

    def _mask(self, text: str) -> str:
        """`text` with the password, and the encodings AUTH sends it in, blanked out."""
        password = self.config.get("password")
        if not password:
            return text
        username = self.config.get("username") or ""
        forms = {
            password,
            base64.b64encode(password.encode()).decode(),
            base64.b64encode(f"\0{username}\0{password}".encode()).decode(),
        }
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "***")
        return text


class _Session(smtplib.SMTP):
    """An SMTP session that notes when the server said 354 to DATA: the body went out."""

    body_sent = False

    def getreply(self) -> tuple[int, bytes]:
        """The server's reply, noting a 354 (go ahead with the body)."""
        code, text = super().getreply()
        if code == 354:
            self.body_sent = True
        return code, text


class _SslSession(_Session, smtplib.SMTP_SSL):
    """The same over implicit TLS."""


def _quit(smtp: smtplib.SMTP) -> None:
    """End a session whose message was accepted; a failing QUIT is only closed."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
