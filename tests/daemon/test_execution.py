"""Executing intents under the daemon: concurrent executors, ambiguous outcomes, hung
calls. In-process, on the real pipeline and store, with the clock injected."""

from __future__ import annotations

import threading
from datetime import timedelta

from shopctl.daemon.service import Daemon, DaemonSettings
from shopctl.engine.executor import execute_pending
from shopctl.engine.runs import RunReport, run_rule
from shopctl.engine.sync import sync
from tests.daemon.daemon_process import BUMP_ALL

POKE_ALL = BUMP_ALL.replace("bump-all", "poke-all").replace("[bump]", "[poke]")


def planned_run(project: object, name: str) -> RunReport:
    """A run whose intents are written but not executed (its executor was stopped)."""
    sync(project)  # type: ignore[arg-type]
    stopped = threading.Event()
    stopped.set()
    compiled = project.rules.compiled[name]  # type: ignore[attr-defined]
    report = run_rule(project, compiled, slot="s1", trigger="schedule", stop=stopped)  # type: ignore[arg-type]
    assert isinstance(report, RunReport)
    return report


def test_two_executors_racing_for_the_same_intents_act_once_each(open_counting) -> None:  # type: ignore[no-untyped-def]
    written, project = open_counting(POKE_ALL, count=20)
    planned_run(project, "poke-all")
    start = threading.Barrier(2)

    def executor(owner: str) -> None:
        start.wait()
        execute_pending(project, owner=owner)

    threads = [threading.Thread(target=executor, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    counts = written.effect_counts()
    assert len(counts) == 20 and set(counts.values()) == {1}  # poke knows no keys


def test_a_key_less_call_that_times_out_after_acting_is_unknown_and_not_resent(
    open_counting,  # type: ignore[no-untyped-def]
) -> None:
    written, project = open_counting(POKE_ALL, count=3, ambiguous="p002")
    report = planned_run(project, "poke-all")
    execute_pending(project, owner="a")
    execute_pending(project, owner="b")  # a later pass does not try again
    statuses = {i.entity_id: i.status for i in _intents(project, report.run_id)}
    assert statuses == {"p001": "done", "p002": "unknown", "p003": "done"}
    assert written.effect_counts() == {"p001": 1, "p002": 1, "p003": 1}


def test_a_keyed_call_that_times_out_after_acting_is_retried_and_done_once(
    open_counting,  # type: ignore[no-untyped-def]
) -> None:
    written, project = open_counting(BUMP_ALL, count=3, ambiguous="p002")
    report = planned_run(project, "bump-all")
    execute_pending(project, owner="a")
    statuses = {i.entity_id: i.status for i in _intents(project, report.run_id)}
    assert statuses == {"p001": "done", "p002": "done", "p003": "done"}
    assert written.effect_counts() == {"p001": 1, "p002": 1, "p003": 1}
    calls = (written.root / "effects.txt.calls").read_text().splitlines()
    assert len(calls) == 4  # p002 was sent twice with its key; the platform acted once


def test_a_hung_call_times_out_and_the_next_slot_still_fires_on_time(
    open_counting,  # type: ignore[no-untyped-def]
) -> None:
    written, project = open_counting(POKE_ALL, count=3, hang="p002")
    daemon = Daemon(project, DaemonSettings(call_timeout=1.0))
    daemon.load_rules()
    first = daemon.rules.fire("poke-all")
    assert first is not None and first.outcome == "partial"
    project.clock.advance(timedelta(hours=1))
    second = daemon.rules.fire("poke-all")
    assert second is not None and second.outcome == "partial"
    runs = {r["slot"]: r["at"] for r in written.runs("poke-all")}
    assert list(runs) == ["2026-05-04T18:00", "2026-05-04T19:00"]
    assert runs["2026-05-04T19:00"] == project.clock.now()  # on time, not after a backlog


def _intents(project: object, run_id: int) -> list:  # type: ignore[type-arg]
    from shopctl.engine.ledger import run_intents

    return run_intents(project.engine, run_id)  # type: ignore[attr-defined]
