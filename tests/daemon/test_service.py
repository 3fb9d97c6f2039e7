"""The daemon service in-process: start-up recovery, config reload, heartbeat info."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from shopctl.daemon.heartbeat import read_beat
from shopctl.daemon.service import OWNER_PREFIX, Daemon
from shopctl.store.tables import intents, runs
from tests.daemon.conftest import StubPipeline
from tests.daemon.daemon_process import BUMP_ALL


def open_daemon(open_counting) -> tuple[object, Daemon]:  # type: ignore[no-untyped-def]
    """A daemon on a counting project, its runs recorded by the stub pipeline."""
    written, project = open_counting(BUMP_ALL)
    return written, Daemon(project, pipeline=StubPipeline(project.engine, project.clock))


def test_start_closes_orphan_runs_and_frees_dead_daemons_leases(open_counting) -> None:  # type: ignore[no-untyped-def]
    _, daemon = open_daemon(open_counting)
    engine, now = daemon.project.engine, daemon.project.clock.now()
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(runs).values(rule="r", slot="s", trigger="schedule", at=now, started_at=now)
        ).inserted_primary_key[0]
        conn.execute(
            insert(intents).values(
                key="k1", run_id=run_id, rule="r", entity_type="product", account="shop",
                entity_id="p001", action="bump", args={}, status="claimed",
                lease_owner=OWNER_PREFIX + "gone:1:x", lease_until=now + timedelta(hours=1),
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    assert daemon.acquire()
    daemon.start()
    try:
        with engine.connect() as conn:
            assert conn.execute(select(runs.c.outcome)).scalar() == "interrupted"
            assert conn.execute(select(intents.c.lease_until)).scalar() <= now
        beat = read_beat(engine)
        assert beat is not None and beat.owner == daemon.owner
        assert sorted(beat.info["next_runs"]) == ["bump-all"]
    finally:
        daemon.shutdown()
    assert read_beat(engine).info["state"] == "stopped"  # type: ignore[union-attr]


def test_a_broken_config_is_alerted_and_the_running_one_kept(open_counting) -> None:  # type: ignore[no-untyped-def]
    written, daemon = open_daemon(open_counting)
    daemon.load_rules()
    text = written.config.read_text(encoding="utf-8")
    written.config.write_text(text.replace("timezone:", "timezon:"), encoding="utf-8")
    daemon.reload()
    assert "shopctl.yaml is invalid" in written.alerts.read_text(encoding="utf-8")
    assert daemon.project.config.timezone == ZoneInfo("Asia/Shanghai")


def test_a_new_time_zone_reschedules_every_rule(open_counting) -> None:  # type: ignore[no-untyped-def]
    written, daemon = open_daemon(open_counting)
    daemon.load_rules()
    text = written.config.read_text(encoding="utf-8")
    written.config.write_text(text.replace("Asia/Shanghai", "Europe/Berlin"), encoding="utf-8")
    daemon.reload()
    assert daemon.rules.zone == ZoneInfo("Europe/Berlin")
    assert list(daemon.rules.rules) == ["bump-all"]


def test_a_changed_store_needs_a_restart_and_says_so(open_counting, tmp_path) -> None:  # type: ignore[no-untyped-def]
    written, daemon = open_daemon(open_counting)
    daemon.load_rules()
    store = daemon.project.config.store
    text = written.config.read_text(encoding="utf-8")
    written.config.write_text(text.replace("store.db", "other.db"), encoding="utf-8")
    daemon.reload()
    assert daemon.project.config.store == store
    assert "restart the daemon" in written.alerts.read_text(encoding="utf-8")


def test_a_daemon_whose_heartbeat_stops_succeeding_is_stalled(open_counting) -> None:  # type: ignore[no-untyped-def]
    _, daemon = open_daemon(open_counting)
    assert daemon.acquire()
    daemon.start()
    try:
        daemon.project.clock.advance(timedelta(seconds=60))
        assert not daemon.stalled()
        daemon.project.clock.advance(timedelta(seconds=61))
        assert daemon.stalled()
        daemon.beat()
        assert not daemon.stalled()
    finally:
        daemon.shutdown()
