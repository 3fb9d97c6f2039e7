"""Structured logs: one key=value line per event, secrets masked."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shopctl.daemon.events import KeyValueFormatter, configure_logging, event


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers; put them back for other tests."""
    saved = {}
    for name in ("shopctl", "apscheduler"):
        logger = logging.getLogger(name)
        saved[name] = (logger.handlers[:], logger.level, logger.propagate)
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_an_event_is_one_key_value_line_with_secrets_masked() -> None:
    stream = io.StringIO()
    configure_logging(secrets=["s3cr3t-token"], stream=stream)
    event(
        "run.end",
        rule="pause low roi",
        slots=["a", "b"],
        at=datetime(2026, 5, 1, 8, tzinfo=UTC),
        error="401 for token s3cr3t-token",
    )
    line = stream.getvalue().strip()
    assert "\n" not in line
    assert " level=info event=run.end " in line
    assert 'rule="pause low roi" slots=a,b at=2026-05-01T08:00:00+00:00' in line
    assert "s3cr3t-token" not in line and 'error="401 for token ***"' in line


def test_exceptions_stay_on_one_line() -> None:
    formatter = KeyValueFormatter()
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("shopctl", logging.ERROR, "", 0, "job.failed", (), None)
        record.exc_info = sys.exc_info()
    assert "\n" not in formatter.format(record)


def test_plain_log_calls_become_key_value_lines_too() -> None:
    stream = io.StringIO()
    configure_logging(stream=stream)
    logging.getLogger("shopctl.engine").warning("intent %s: attempt %d failed", 7, 1)
    logging.getLogger("apscheduler.executors").warning("job skipped: busy")
    assert (
        stream.getvalue()
        .strip()
        .endswith('event=log logger=shopctl.engine message="intent 7: attempt 1 failed"')
    )
