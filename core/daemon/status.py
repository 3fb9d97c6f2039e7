"""What `shopctl status` reports: the heartbeat, each rule's next run, recent trouble."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shopctl.daemon import run_records
from shopctl.daemon.heartbeat import read_beat
from shopctl.daemon.reload import compiled_rules
from shopctl.daemon.slots import describe, next_fire, trigger_for
from shopctl.rules.loader import SWITCHED_OFF

if TYPE_CHECKING:
    from sqlalchemy.engine import RowMapping

    from shopctl.project import Project

RECENT = 10
FAILED = ("failed", "partial")
DEFAULT_BEAT = 5.0


def daemon_status(project: Project) -> dict[str, Any]:
    """The daemon's state as stable JSON-ready data."""
    engine, now, zone = project.engine, project.clock.now(), project.config.timezone
    ruleset = project.rules  # loaded once: the property reads the files each time
    scheduled = [c.rule for c in compiled_rules(ruleset) if c.rule.schedule and c.rule.enabled]
    last = run_records.latest_runs(engine, [r.name for r in scheduled])
    rules = []
    for rule in sorted(scheduled, key=lambda r: r.name):
        assert rule.schedule is not None
        upcoming = next_fire(trigger_for(rule.schedule, zone), now)
        rules.append(
            {
                "rule": rule.name,
                "schedule": describe(rule.schedule),
                "next_run": _local(upcoming, zone),
                "last_run": _run(last[rule.name], zone) if rule.name in last else None,
            }
        )
    failures = run_records.recent_runs(engine, FAILED, RECENT)
    reasons = run_records.failure_reasons(engine, [r["id"] for r in failures if not r["error"]])
    return {
        "daemon": _daemon(project, now),
        "rules": rules,
        "broken": [
            {"rule": name, "reason": reason}
            for name, reason in sorted(ruleset.disabled.items())
            if reason != SWITCHED_OFF
        ],
        "failures": [_run(r, zone, reasons.get(r["id"])) for r in failures],
        "missed": [_run(r, zone) for r in run_records.recent_runs(engine, ("missed",), RECENT)],
    }


def _daemon(project: Project, now: datetime) -> dict[str, Any] | None:
    beat = read_beat(project.engine)
    if beat is None:
        return None
    interval = timedelta(seconds=float(beat.info.get("heartbeat_seconds", DEFAULT_BEAT)))
    alive = beat.alive(now, interval)
    stopped = beat.info.get("state") == "stopped"
    zone = project.config.timezone
    return {
        "owner": beat.owner,
        "host": beat.host,
        "pid": beat.pid,
        "state": "alive" if alive else "stopped" if stopped else "stale",
        "started_at": _local(beat.started_at, zone),
        "beat_at": _local(beat.beat_at, zone),
        "seconds_since_beat": max(0.0, round((now - beat.beat_at).total_seconds(), 1)),
        "rules": beat.info.get("rules"),
        "version": beat.info.get("version"),
    }


def _run(row: RowMapping, zone: Any, reason: str | None = None) -> dict[str, Any]:
    """A run for the status: `error` is the run's own, else its first failed action's."""
    return {
        "run": row["id"],
        "rule": row["rule"],
        "slot": row["slot"],
        "outcome": row["outcome"],
        "at": _local(row["at"], zone),
        "error": row["error"] or reason,
    }


def _local(moment: datetime | None, zone: Any) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None
