"""Structured logs of the daemon: one line per event, `key=value`, secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

log = logging.getLogger("shopctl.daemon")
MASK = "***"


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log the event `name` with its fields as one line."""
    log.log(level, name, extra={"fields": fields})


def render(value: Any) -> str:
    """A field value as it appears in a log line; quoted when it has spaces."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).isoformat(timespec="seconds")
    elif isinstance(value, (list, tuple, set, frozenset)):
        value = ",".join(str(item) for item in value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if not text or any(ch in text for ch in ' ="\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=info event=run.done rule=x outcome=acted`, with secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """One line for one record."""
        moment = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        parts = [f"ts={moment}", f"level={record.levelname.lower()}"]
        fields = getattr(record, "fields", None)
        if fields is None:  # a plain log call (engine, plugins, APScheduler)
            parts += [
                "event=log",
                f"logger={record.name}",
                f"message={render(record.getMessage())}",
            ]
        else:
            parts.append(f"event={record.getMessage()}")
            parts += [f"{key}={render(value)}" for key, value in fields.items()]
        if record.exc_info:
            parts.append(f"error={render(self.formatException(record.exc_info))}")
        line = " ".join(parts)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        return line


def configure_logging(secrets: Iterable[str] = (), stream: IO[str] | None = None) -> None:
    """Send shopctl's and APScheduler's logs to stderr as key=value lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(KeyValueFormatter(secrets))
    # APScheduler warns whenever a job is skipped because the one worker is busy; that
    # is by design here (the next sweep catches up), so only its errors are shown.
    for name, level in (("shopctl", logging.INFO), ("apscheduler", logging.ERROR)):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
