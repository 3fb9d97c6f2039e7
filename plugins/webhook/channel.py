"""The webhook channel: one HTTP POST per message, failures mapped to retry or not."""

from __future__ import annotations

import dataclasses
import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import shopctl
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
    redact,
)
from shopctl_plugins.webhook.formats import FORMATS, build, reply_error

EXCERPT = 200  # characters of an error reply worth showing


class WebhookChannel(Channel):
    """POSTs each message as JSON: shopctl's own signed shape or an IM robot's."""

    name = "webhook"
    version = "1.0"
    # The generic format serves SMS gateways, which reach customers by phone; the IM
    # robot formats only reach the team (see __init__).
    address = "phone"
    settings = (
        Setting("url", Type.TEXT, "Where to POST; robot URLs carry their token, use ${VAR}"),
        Setting("format", Type.TEXT, "json, wecom, dingtalk, feishu or slack", "json"),
        Setting(
            "secret",
            Type.TEXT,
            "Signing secret: HMAC of the body (json) or the robot's signature secret",
            None,
            secret=True,
        ),
        Setting("token", Type.TEXT, "Sent as `Authorization: Bearer <token>`", None, secret=True),
        Setting("to", Type.TEXT_LIST, "Recipients notify() names (phones to @mention)", ()),
        Setting("timeout", Type.NUMBER, "Seconds to wait for the reply", 10.0),
    )

    def __init__(self, channel: str, settings: Mapping[str, Any], context: PluginContext):
        super().__init__(channel, settings, context)
        self.format = str(self.config.get("format") or "json").lower()
        if self.format not in FORMATS:
            raise PermanentError(
                # The value itself is not shown: it may have come from a secret ${VAR}.
                f"channel {channel}: format must be one of {', '.join(FORMATS)}"
            )
        url = str(self.config.get("url") or "")
        if urlsplit(url).scheme not in ("http", "https"):
            raise PermanentError(f"channel {channel}: url must be an http(s) URL")
        self.url = url
        self.timeout = float(self.config.get("timeout") or 10.0)
        if self.format != "json":
            self.address = None  # type: ignore[misc]

    def send(self, message: Message) -> Delivery:
        """POST `message`; raise TransientError, PermanentError or AmbiguousError."""
        if not message.recipients and self.recipients():
            message = dataclasses.replace(message, recipients=self.recipients())
        secret = self.config.get("secret")
        request = build(
            self.format, self.url, message, self.channel, secret, self.context.clock.now()
        )
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"shopctl/{shopctl.__version__}",
            **request.headers,
        }
        if message.key:
            headers["Idempotency-Key"] = message.key
        if self.config.get("token"):
            headers["Authorization"] = f"Bearer {self.config['token']}"
        http_request = urllib.request.Request(request.url, request.body, headers, method="POST")
        status, body = self._post(http_request)
        problem = reply_error(self.format, body)
        if problem is not None:
            text, retry = problem
            raise (TransientError if retry else PermanentError)(self._describe(text, b""))
        return Delivery(reference=message.key or None, detail=f"HTTP {status}")

    def _post(self, request: urllib.request.Request) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            text = self._describe(f"HTTP {exc.code}", exc.read())
            retry = exc.code == 429 or exc.code >= 500
            raise (TransientError if retry else PermanentError)(text) from None
        except urllib.error.URLError as exc:
            # The request never reached the server: refused, unresolvable, connect timeout.
            raise TransientError(self._describe(f"cannot connect ({exc.reason})", b"")) from None
        except (TimeoutError, http.client.HTTPException, ConnectionError) as exc:
            # Sent, but no answer: the message may or may not have been delivered.
            raise AmbiguousError(
                self._describe(f"no reply after sending ({type(exc).__name__})", b"")
            ) from None

    def _describe(self, what: str, reply: bytes) -> str:
        """An error text naming the host only (robot URLs carry tokens), secrets masked."""
        text = f"channel {self.channel}: {what} from {urlsplit(self.url).hostname}"
        excerpt = reply.decode("utf-8", "replace").strip()
        if not excerpt:
            return redact(text, self._secrets())
        # Masked before it is cut, and a piece of a secret left at the cut masked too.
        return redact(f"{text}: {excerpt}", self._secrets(), limit=len(text) + 2 + EXCERPT)

    def _secrets(self) -> list[str]:
        parts = urlsplit(self.url)
        secrets = [self.config.get("secret"), self.config.get("token"), self.url]
        secrets += [value for _, value in parse_qsl(parts.query)]
        secrets += [segment for segment in parts.path.split("/") if len(segment) >= 16]
        return [s for s in secrets if s]
