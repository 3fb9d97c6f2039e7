"""The payload each webhook format expects, its signing scheme and its error replies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

from shopctl import Message

FORMATS = ("json", "wecom", "dingtalk", "feishu", "slack")
SIGNATURE_HEADER = "X-Shopctl-Signature"

# Robot APIs answer HTTP 200 with an error code in the body; these codes mean "too
# many messages, slow down" and are worth retrying.
RATE_LIMITED = {
    "wecom": {45009},
    "dingtalk": {130101, 410100},
    "feishu": {9499, 11232, 11233},
}


@dataclass(frozen=True)
class Request:
    """What to POST: the URL (robots sign it), the raw body and extra headers."""

    url: str
    body: bytes
    headers: Mapping[str, str]


def build(
    fmt: str, url: str, message: Message, channel: str, secret: str | None, at: datetime
) -> Request:
    """The request that delivers `message` in format `fmt`."""
    text = f"{message.subject}\n{message.text}" if message.subject else message.text
    if fmt == "json":
        payload: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "subject": message.subject,
            "recipients": list(message.recipients),
            "key": message.key,
        }
        body = _dump(payload)
        headers = {SIGNATURE_HEADER: "sha256=" + sign_body(secret, body)} if secret else {}
        return Request(url, body, headers)
    if fmt == "wecom":
        content: dict[str, Any] = {"content": text}
        if message.recipients:
            content["mentioned_mobile_list"] = list(message.recipients)
        return Request(url, _dump({"msgtype": "text", "text": content}), {})
    if fmt == "dingtalk":
        payload = {"msgtype": "text", "text": {"content": text}}
        if message.recipients:
            payload["at"] = {"atMobiles": list(message.recipients)}
        if secret:
            stamp = str(int(at.timestamp() * 1000))
            glue = "&" if "?" in url else "?"
            url = f"{url}{glue}timestamp={stamp}&sign={quote_plus(dingtalk_sign(secret, stamp))}"
        return Request(url, _dump(payload), {})
    if fmt == "feishu":
        payload = {"msg_type": "text", "content": {"text": text}}
        if secret:
            stamp = str(int(at.timestamp()))
            payload = {"timestamp": stamp, "sign": feishu_sign(secret, stamp), **payload}
        return Request(url, _dump(payload), {})
    if fmt == "slack":
        return Request(url, _dump({"text": text}), {})
    raise ValueError(f"unknown webhook format {fmt!r}")


def sign_body(secret: str | None, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body: the generic format's signature."""
    return hmac.new((secret or "").encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, stamp: str) -> str:
    """DingTalk robot: base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, stamp: str) -> str:
    """Feishu bot: base64 HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message."""
    digest = hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def reply_error(fmt: str, body: bytes) -> tuple[str, bool] | None:
    """The error a robot reported in a 200 reply as (text, retry?), or None if it took it."""
    if fmt not in RATE_LIMITED:
        return None
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0)))
    if not code:
        return None
    text = str(data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or "")
    return f"error {code}: {text}", code in RATE_LIMITED[fmt]


def _dump(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
