"""Idempotency keys: one per (rule, entity, action, arguments, period) — SPEC §4.4.

The period decides when the same action on the same entity may happen again:
- a rule with a `cooldown` uses the cooldown bucket the run falls in (whole buckets
  of the cooldown's length counted from the Unix epoch), so re-running it inside the
  bucket yields the same key and the ledger's unique constraint refuses a second act;
- otherwise a scheduled run uses its slot (the daemon's logical period);
- otherwise (a manual run of a rule without cooldown) the evaluation instant: every
  manual run is its own period, as the operator asked for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from shopctl.registry import ActionSpec
from shopctl.types import Type

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def period_of(cooldown: timedelta | None, at: datetime, slot: str | None = None) -> str:
    """The period a run at `at` (in `slot`) with `cooldown` acts in; see the module docstring."""
    if cooldown:
        bucket = (at - EPOCH) // cooldown
        return f"cooldown:{cooldown.total_seconds():g}s:{bucket}"
    if slot is not None:
        return f"slot:{slot}"
    return f"at:{at.astimezone(UTC).isoformat()}"


def encode_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as JSON values: durations in seconds, timestamps in ISO 8601 UTC."""
    return {name: _encode(value) for name, value in args.items()}


def decode_args(spec: ActionSpec, args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments from the ledger back to runtime values, by the declared param types."""
    decoded = {}
    for name, value in args.items():
        param = spec.param(name)
        kind = param.type if param else Type.ANY
        if value is not None and kind is Type.DURATION:
            value = timedelta(seconds=value)
        elif value is not None and kind is Type.TIMESTAMP:
            value = datetime.fromisoformat(value)
        decoded[name] = value
    return decoded


def canonical_json(value: Any) -> str:
    """The one JSON text of a value: sorted keys, no spaces, non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def intent_key(
    rule: str,
    entity_type: str,
    account: str,
    entity_id: str,
    action: str,
    args: Mapping[str, Any],
    period: str,
) -> str:
    """The idempotency key: a SHA-256 of every part, prefixed so it reads in logs."""
    parts = [rule, entity_type, account, entity_id, action, encode_args(args), period]
    digest = hashlib.sha256(canonical_json(parts).encode("utf-8")).hexdigest()
    return f"sk1-{digest}"


def _encode(value: Any) -> Any:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        return int(seconds) if seconds.is_integer() else seconds
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, tuple | list):
        return [_encode(item) for item in value]
    return value
