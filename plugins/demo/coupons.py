"""Coupon codes derived from idempotency keys, so one key can only ever mean one coupon."""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "DEMO-"


def coupon_code(secret: str, key: str) -> str:
    """The code for the coupon issued under idempotency key `key`: same key, same code.

    An HMAC keeps codes unguessable from keys; base32 keeps them easy to read out.
    """
    digest = hmac.new(secret.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode("ascii")[:10]
