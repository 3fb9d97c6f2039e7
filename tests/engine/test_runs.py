"""Runs: one outcome each, intents written with the run, traces, cooldowns, slots."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shopctl import PermanentError
from shopctl.engine import runs
from shopctl.engine.audit import list_runs
from shopctl.engine.runs import RunReport, SlotTaken, run_rule
from shopctl.store.tables import intents
from shopctl.store.tables import runs as runs_table


@pytest.fixture
def acting_store(sqlite_url: str) -> str:
    """Runs add no SQL of their own: the ledger's and the guards' run on both databases."""
    return sqlite_url


def the_run(project, report: RunReport) -> dict:
    (row,) = [
        r
        for r in list_runs(project.engine, since=project.clock.now() - timedelta(days=9))
        if r["id"] == report.run_id
    ]
    return row


def test_a_run_that_acts_records_its_outcome_counts_and_statuses(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 2", "set_bid(bid * 0.5)", max_percent=1.0)
    report = run_rule(project, rule)
    assert report.to_json() == {
        "rule": "test",
        "on": "ad_group",
        "run": report.run_id,
        "outcome": "acted",
        "matched": ["ag2", "ag3"],
        "actions": [
            {"entity": "ag2", "action": "set_bid", "args": {"bid": 1.0}, "status": "done"},
            {"entity": "ag3", "action": "set_bid", "args": {"bid": 1.5}, "status": "done"},
        ],
        "skipped": [],
    }
    row = the_run(project, report)
    assert (row["outcome"], row["matched"], row["acted"], row["failed"]) == ("acted", 2, 2, 0)
    assert row["finished_at"] is not None and row["trigger"] == "manual"
    assert counting_shop.count("set_bid") == 2


def test_acted_counts_entities_not_actions(acting_project, compile_rule) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 1.5", "set_bid(bid + 1), pause", max_percent=1.0)
    report = run_rule(project, rule)
    assert isinstance(report, RunReport) and len(report.intents) == 4
    row = the_run(project, report)
    assert (row["outcome"], row["matched"], row["acted"]) == ("acted", 2, 2)


def test_nothing_matching_is_no_match(acting_project, compile_rule) -> None:
    project = acting_project()
    report = run_rule(project, compile_rule(project, "bid > 100", "pause"))
    assert (report.outcome, report.matched, report.intents) == ("no_match", [], [])
    assert the_run(project, report)["outcome"] == "no_match"


def test_a_dry_run_records_the_run_and_acts_on_nothing(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    report = run_rule(project, compile_rule(project, "bid >= 3", "pause"), dry_run=True)
    assert report.outcome == "dry_run"
    assert report.to_json()["actions"] == [
        {"entity": "ag3", "action": "pause", "args": {}, "status": "planned"}
    ]
    assert counting_shop.effects == []
    with project.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(intents)) == 0
    assert the_run(project, report)["dry_run"] is True


def test_one_permanent_failure_makes_the_run_partial(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    counting_shop.script[("set_bid", "ag2")] = [PermanentError("bid too low")]
    report = run_rule(project, compile_rule(project, "bid >= 2", "set_bid(0.01)", max_percent=1.0))
    assert report.outcome == "partial" and report.failed == 1
    assert [a["status"] for a in report.to_json()["actions"]] == ["failed", "done"]
    assert (the_run(project, report)["acted"], the_run(project, report)["failed"]) == (1, 1)
    # Why, in one line, for the CLI's rule line and the daemon's alerts; and in the JSON.
    assert report.reason == "failed: set_bid ag2: PermanentError: bid too low"
    assert report.to_json()["actions"][0]["error"] == "PermanentError: bid too low"
    assert "error" not in report.to_json()["actions"][1]


def test_every_action_failing_makes_the_run_failed(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    counting_shop.script[("set_bid", "ag3")] = [PermanentError("account suspended")]
    report = run_rule(project, compile_rule(project, "bid >= 3", "set_bid(1)"))
    assert report.outcome == "failed"


def test_an_evaluation_error_is_recorded_as_a_failed_run(
    acting_project, compile_rule, monkeypatch
) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 3", "pause")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(runs, "evaluate", broken)
    report = run_rule(project, rule)
    assert report.outcome == "failed" and report.error == "RuntimeError: the store went away"
    assert the_run(project, report)["error"] == "RuntimeError: the store went away"


def test_a_stop_request_interrupts_the_run_and_keeps_its_intents(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    stop = threading.Event()
    stop.set()
    report = run_rule(
        project, compile_rule(project, "bid >= 2", "pause", max_percent=1.0), stop=stop
    )
    assert report.outcome == "interrupted"
    assert [i.status for i in report.intents] == ["planned", "planned"]
    assert counting_shop.effects == []


def test_the_run_and_its_intents_are_one_transaction(
    acting_project, compile_rule, monkeypatch
) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 2", "pause", max_percent=1.0)

    def crash(point: str) -> None:
        if point == "run_inserted":
            raise SystemExit("killed")

    monkeypatch.setattr(runs, "failpoint", crash)
    with pytest.raises(SystemExit):
        run_rule(project, rule)
    with project.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(runs_table)) == 0
        assert conn.scalar(select(func.count()).select_from(intents)) == 0


def test_the_trace_explains_acted_entities_and_near_misses(acting_project, compile_rule) -> None:
    project = acting_project()
    rule = compile_rule(project, 'bid >= 2 and status == "active"', "pause", max_percent=1.0)
    report = run_rule(project, rule)
    with project.engine.connect() as conn:
        trace = conn.scalar(select(runs_table.c.trace).where(runs_table.c.id == report.run_id))
    assert trace["when"] == 'bid >= 2 and status == "active"'
    assert (trace["matched"], trace["total"]) == (2, 3)
    verdicts = {e["entity"]: e["verdict"] for e in trace["entities"]}
    assert verdicts == {"ag2": "matched", "ag3": "matched", "ag1": "near_miss"}
    near = next(e for e in trace["entities"] if e["entity"] == "ag1")
    assert near["values"]["when"]["value"] is False
    assert {v["text"]: v["value"] for v in near["values"].values()}["bid >= 2"] is False


def test_a_second_run_inside_the_cooldown_does_nothing(
    acting_project, counting_shop, clock, compile_rule
) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 3", "boost", cooldown=timedelta(days=7))
    assert run_rule(project, rule).outcome == "acted"
    clock.advance(timedelta(hours=1))
    again = run_rule(project, rule)
    # Matches, every one held back by its cooldown: all_skipped, not no_match (SPEC §4.4).
    assert again.outcome == "all_skipped" and again.intents == []
    assert the_run(project, again)["outcome"] == "all_skipped"
    assert again.to_json()["skipped"] == [
        {"entity": "ag3", "reason": "cooldown until 2026-03-09 10:00"}
    ]
    assert counting_shop.count("boost") == 1


def test_a_slot_runs_once(acting_project, counting_shop, clock, compile_rule) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 3", "boost")
    first = run_rule(project, rule, slot="2026-03-02", trigger="schedule")
    clock.advance(timedelta(minutes=5))
    second = run_rule(project, rule, slot="2026-03-02", trigger="schedule")
    assert isinstance(first, RunReport)
    assert second == SlotTaken("test", "2026-03-02", first.run_id)
    assert counting_shop.count("boost") == 1


def test_an_executor_crash_fails_the_run_and_leaves_its_intents_to_resume(
    acting_project, compile_rule, monkeypatch
) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 3", "pause")

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(runs, "execute_pending", broken)
    report = run_rule(project, rule)
    assert (report.outcome, report.error) == ("failed", "OSError: disk full")
    assert [i.status for i in report.intents] == ["planned"]
    assert the_run(project, report)["error"] == "OSError: disk full"
