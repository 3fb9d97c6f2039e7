"""kill -9 and injected crashes: after a restart, every action happened exactly once.

Real daemon processes on a real SQLite store; the counting platform writes each
external effect to a file, so effects are counted across processes.
"""

from __future__ import annotations

from pathlib import Path

from tests.daemon.daemon_process import (
    BUMP_ALL,
    DaemonProject,
    make_project,
    start_daemon,
    wait_for,
)

PRODUCTS = 12
POKE_ALL = BUMP_ALL.replace("bump-all", "poke-all").replace("[bump]", "[poke]")
FINAL = ("done", "unknown", "failed")


def settled(project: DaemonProject, total: int = PRODUCTS) -> bool:
    """Every intent of the batch reached a final status."""
    statuses = project.intent_statuses()
    return sum(statuses[s] for s in FINAL) == total and sum(statuses.values()) == total


def finish(project: DaemonProject) -> None:
    """Restart the daemon, let it recover and complete the batch, stop it."""
    daemon = start_daemon(project)
    try:
        assert wait_for(lambda: settled(project), timeout=30), project.intent_statuses()
    finally:
        assert daemon.stop() == 0, daemon.log


def assert_exactly_once(project: DaemonProject) -> None:
    """Every product was acted on, each exactly once."""
    counts = project.effect_counts()
    assert sorted(counts) == [f"p{n:03d}" for n in range(1, PRODUCTS + 1)]
    assert set(counts.values()) == {1}, counts


def test_kill_9_at_several_points_of_a_batch_then_restart_acts_exactly_once(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path, BUMP_ALL, count=PRODUCTS, delay=0.2)
    for kill_after in (2, 5, 8):
        daemon = start_daemon(project)
        assert wait_for(lambda n=kill_after: sum(project.effect_counts().values()) >= n)
        daemon.kill()
        assert sum(project.effect_counts().values()) < PRODUCTS, "killed too late to prove much"
    finish(project)
    assert_exactly_once(project)
    runs = project.runs("bump-all")
    assert len(runs) == 1 and runs[0]["outcome"] == "interrupted"
    assert project.intent_statuses() == {"done": PRODUCTS}


def test_a_crash_at_each_step_ends_with_the_effects_of_an_uninterrupted_run(
    tmp_path: Path,
) -> None:
    # One crash per step boundary, each in its own process, in the order a batch meets
    # them; then a clean restart. The run-level points crash before any intent runs,
    # the intent-level ones on the third intent that process handles.
    project = make_project(tmp_path, BUMP_ALL, count=PRODUCTS)
    for failpoint in (
        "run_inserted:1",
        "intents_written:1",
        "claimed:3",
        "plugin_called:3",
        "result_recorded:3",
    ):
        crashing = start_daemon(project, failpoint=failpoint)
        assert crashing.wait_or_kill(timeout=30) == 137, (failpoint, crashing.log)
        assert len(project.runs("bump-all")) == (0 if failpoint == "run_inserted:1" else 1)
    assert sum(project.effect_counts().values()) < PRODUCTS
    finish(project)
    assert_exactly_once(project)
    assert project.intent_statuses() == {"done": PRODUCTS}
    assert len(project.runs("bump-all")) == 1


def test_a_key_less_action_cut_off_during_the_call_is_unknown_and_never_resent(
    tmp_path: Path,
) -> None:
    project = make_project(tmp_path, POKE_ALL, count=PRODUCTS)
    crashing = start_daemon(project, failpoint="plugin_called:4")
    assert crashing.wait(timeout=30) == 137, crashing.log
    finish(project)
    assert_exactly_once(project)  # the fourth poke happened once and was not repeated
    assert project.intent_statuses() == {"done": PRODUCTS - 1, "unknown": 1}
    assert "will not be resent" in project.alerts.read_text(encoding="utf-8")
