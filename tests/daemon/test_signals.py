"""SIGTERM mid-batch: the daemon stops within a bound, exits 0, records the run
`interrupted`, and loses nothing: a restart finishes the batch."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.daemon.daemon_process import BUMP_ALL, make_project, start_daemon, wait_for

PRODUCTS = 10
STOP_BOUND = 8.0  # seconds; the in-flight call takes 0.3


def test_sigterm_mid_batch_stops_cleanly_and_a_restart_loses_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path, BUMP_ALL, count=PRODUCTS, delay=0.3)
    daemon = start_daemon(project)
    assert wait_for(lambda: sum(project.effect_counts().values()) >= 2)
    asked = time.monotonic()
    assert daemon.stop(signal.SIGTERM) == 0, daemon.log
    assert time.monotonic() - asked < STOP_BOUND
    assert "event=daemon.signal signal=SIGTERM" in daemon.log
    assert "event=daemon.stopped" in daemon.log
    (run,) = project.runs("bump-all")
    assert run["outcome"] == "interrupted"
    statuses = project.intent_statuses()
    assert statuses["done"] < PRODUCTS and "claimed" not in statuses  # released, not held
    done_before = statuses["done"]
    assert sum(project.effect_counts().values()) == done_before

    again = start_daemon(project)
    try:
        assert wait_for(lambda: project.intent_statuses() == {"done": PRODUCTS}, timeout=30)
    finally:
        assert again.stop() == 0
    counts = project.effect_counts()
    assert len(counts) == PRODUCTS and set(counts.values()) == {1}
