"""What the daemon runs when: due slots, catch-up, missed slots, jumps, one at a time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from shopctl.clock import FrozenClock
from shopctl.daemon.alerts import Alerts
from shopctl.daemon.scheduler import RuleScheduler
from shopctl.store.tables import runs
from tests.daemon.conftest import SentAlerts, StubPipeline, make_rule

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOURLY = make_rule("hourly", every=timedelta(hours=1))


def scheduler(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts, zone=SHANGHAI
) -> RuleScheduler:
    """A scheduler on the test store, as a daemon start makes one."""
    return RuleScheduler(engine, zone, clock, pipeline, alerts)


def recorded(engine: Engine, rule: str = "hourly") -> list[tuple[str, str]]:
    """The (slot, outcome) of each recorded run of `rule`, by slot."""
    query = select(runs.c.slot, runs.c.outcome).where(runs.c.rule == rule).order_by(runs.c.slot)
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_a_new_every_rule_runs_its_current_slot_at_once_then_on_each_fire(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    daemon.fire("hourly")
    clock.advance(timedelta(minutes=30))
    daemon.fire("hourly")  # nothing new is due in the same hour
    clock.advance(timedelta(minutes=30))
    daemon.fire("hourly")
    assert pipeline.runs == [("hourly", "2026-05-04T18:00"), ("hourly", "2026-05-04T19:00")]


def test_three_hours_of_downtime_give_one_catch_up_run_and_missed_slots(
    any_engine: Engine, clock: FrozenClock, alerts: Alerts, sent: SentAlerts
) -> None:
    engine, pipeline = any_engine, StubPipeline(any_engine, clock)
    first = scheduler(engine, clock, pipeline, alerts)
    first.set_rules({"hourly": HOURLY})
    first.fire("hourly")  # 18:00 local
    clock.advance(timedelta(hours=3, minutes=20))  # the daemon is down until 21:20
    second = scheduler(engine, clock, pipeline, alerts)  # a restart: state from the store
    second.set_rules({"hourly": HOURLY})
    second.fire("hourly")
    assert recorded(engine) == [
        ("2026-05-04T18:00", "acted"),
        ("2026-05-04T19:00", "missed"),
        ("2026-05-04T20:00", "missed"),
        ("2026-05-04T21:00", "acted"),
    ]
    assert pipeline.runs[-1] == ("hourly", "2026-05-04T21:00")
    assert len(sent.texts()) == 1 and "missed 2 scheduled run(s)" in sent.texts()[0]


def test_restarting_within_a_slot_does_not_run_it_again(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    for _ in range(3):
        daemon = scheduler(engine, clock, pipeline, alerts)
        daemon.set_rules({"hourly": HOURLY})
        daemon.fire("hourly")
        clock.advance(timedelta(minutes=5))
    assert pipeline.runs == [("hourly", "2026-05-04T18:00")]


@pytest.mark.parametrize("jump", [timedelta(hours=-1), timedelta(hours=1)])
def test_a_one_hour_clock_jump_runs_no_slot_twice(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts, jump: timedelta
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    for minute in range(0, 6 * 60, 5):
        if minute == 150:
            clock.set(clock.now() + jump)
        daemon.fire("hourly")
        clock.advance(timedelta(minutes=5))
    slots = [slot for _, slot in pipeline.runs]
    assert len(slots) == len(set(slots))
    assert len(recorded(engine)) == len({s for s, _ in recorded(engine)})


def test_a_restart_after_the_clock_was_set_back_runs_no_slot_twice(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    daemon.fire("hourly")
    clock.advance(timedelta(hours=-1))  # NTP steps back; the daemon restarts
    again = scheduler(engine, clock, pipeline, alerts)
    again.set_rules({"hourly": HOURLY})
    for _ in range(15):  # 09:00 to 11:20 UTC
        again.fire("hourly")
        clock.advance(timedelta(minutes=10))
    assert [slot for _, slot in pipeline.runs] == ["2026-05-04T18:00", "2026-05-04T19:00"]


def test_a_daily_0230_rule_runs_once_per_date_over_both_berlin_changes(
    engine: Engine, pipeline: StubPipeline, alerts: Alerts
) -> None:
    for name, day in (("spring", datetime(2026, 3, 28)), ("autumn", datetime(2026, 10, 24))):
        clock = FrozenClock(day.replace(tzinfo=BERLIN))
        pipeline.clock = clock
        daemon = scheduler(engine, clock, pipeline, alerts, zone=BERLIN)
        daemon.set_rules({name: make_rule(name, at=time(2, 30))})
        for _ in range(3 * 24 * 12):  # every 5 minutes for three days
            clock.advance(timedelta(minutes=5))
            daemon.fire(name)
    slots = [slot for _, slot in pipeline.runs]
    assert slots[:3] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert slots[3:] == ["2026-10-24", "2026-10-25", "2026-10-26"]


def test_a_rule_never_runs_twice_at_once(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    pipeline.hold = threading.Event()
    busy = threading.Thread(target=daemon.fire, args=("hourly",))
    busy.start()
    while not daemon._running:
        threading.Event().wait(0.01)
    assert daemon.fire("hourly") is None  # the first is still running
    pipeline.hold.set()
    busy.join()
    assert pipeline.runs == [("hourly", "2026-05-04T18:00")]


def test_repeated_failures_alert_once_per_hour(
    engine: Engine, clock: FrozenClock, alerts: Alerts, sent: SentAlerts
) -> None:
    failing = StubPipeline(engine, clock, outcome="failed")
    daemon = scheduler(engine, clock, failing, alerts)
    daemon.set_rules({"q": make_rule("q", every=timedelta(minutes=15))})
    for _ in range(8):
        daemon.fire("q")
        clock.advance(timedelta(minutes=15))
    failing_alerts = [t for t in sent.texts() if "failed" in t]
    assert len(failing_alerts) == 2  # at the 3rd failure, and again an hour later
    assert "rule q failed 3 runs in a row (failed): boom" in failing_alerts[0]


def test_a_pipeline_crash_is_a_failed_run_and_the_schedule_goes_on(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("store went away")

    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    pipeline.run = explode  # type: ignore[method-assign]
    result = daemon.fire("hourly")
    assert result is not None and result.outcome == "failed"
    assert "store went away" in (result.error or "")


def test_dead_man_alerts_when_a_due_slot_has_no_run(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts, sent: SentAlerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})  # at 18:00:05 local; nothing will fire it
    clock.advance(timedelta(minutes=9))
    assert daemon.check_dead_man() == []  # 18:00 may still be on its way
    clock.advance(timedelta(minutes=2))
    assert daemon.check_dead_man() == ["hourly"]  # 18:00 passed and nothing ran it
    assert "should have run" in sent.texts()[-1]
    daemon.fire("hourly")
    assert daemon.check_dead_man() == []


def test_rules_without_a_schedule_or_disabled_are_not_scheduled(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    changed, gone = daemon.set_rules(
        {
            "manual": make_rule("manual"),
            "off": make_rule("off", every=timedelta(hours=1), enabled=False),
            "hourly": HOURLY,
        }
    )
    assert changed == {"hourly"} and gone == set()
    assert daemon.set_rules({}) == (set(), {"hourly"})


def test_next_runs_are_the_next_fire_of_each_rule(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    assert daemon.next_runs() == {"hourly": datetime(2026, 5, 4, 11, 0, tzinfo=UTC)}


def test_a_new_daily_rule_waits_for_its_time_of_day(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)  # 18:00:05 in Shanghai
    daemon.set_rules({"evening": make_rule("evening", at=time(19, 0))})
    daemon.fire("evening")
    assert pipeline.runs == []
    clock.advance(timedelta(hours=1))
    daemon.fire("evening")
    assert pipeline.runs == [("evening", "2026-05-04")]


def test_a_changed_schedule_starts_afresh_without_missed_slots(
    engine: Engine, clock: FrozenClock, pipeline: StubPipeline, alerts: Alerts
) -> None:
    daemon = scheduler(engine, clock, pipeline, alerts)
    daemon.set_rules({"hourly": HOURLY})
    daemon.fire("hourly")
    clock.advance(timedelta(minutes=50))
    quarterly = make_rule("hourly", every=timedelta(minutes=15))
    assert daemon.set_rules({"hourly": quarterly}) == ({"hourly"}, set())
    daemon.fire("hourly")
    assert recorded(engine) == [("2026-05-04T18:00", "acted"), ("2026-05-04T18:45", "acted")]
