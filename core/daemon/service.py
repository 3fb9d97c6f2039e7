"""The daemon's life: take the store's lock (or stand by), schedule, beat, reload, stop.

APScheduler's BackgroundScheduler, with its in-memory job store rebuilt from the rules
at every start, wakes each rule on its trigger (`max_instances=1`, `coalesce=True`) and
runs the housekeeping jobs. What is due, and whether a slot already ran, is decided by
`RuleScheduler` from the injected clock and the store, never from the job store.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

import shopctl
from shopctl.clock import Clock
from shopctl.config import Config, load_config
from shopctl.daemon import run_records
from shopctl.daemon.alerts import Alerts, channel_delivery
from shopctl.daemon.events import event
from shopctl.daemon.guard import StopFlag
from shopctl.daemon.heartbeat import STALE_AFTER_BEATS, Heartbeat, daemon_owner, read_beat
from shopctl.daemon.lock import DaemonRunning, store_lock
from shopctl.daemon.pipeline import EnginePipeline
from shopctl.daemon.reload import Watcher, merge
from shopctl.daemon.scheduler import Pipeline, RuleScheduler
from shopctl.daemon.slots import trigger_for
from shopctl.errors import ShopctlError
from shopctl.project import Project
from shopctl.store.existence import StoreFile, sqlite_file

# Lease owners of daemon executors start with this, so a new daemon knows which claims
# belonged to a daemon that is gone.
OWNER_PREFIX = "daemon:"
# Rule runs and executor passes share one worker thread: an executor pass must not
# claim the intents of a run in progress, and plugins need not be thread-safe.
WORK = "work"
# Seconds without a successful heartbeat after which the daemon gives up and exits 1.
STALL_AFTER_SECONDS = 120.0


@dataclass(frozen=True)
class DaemonSettings:
    """Intervals and bounds of the daemon, in seconds."""

    heartbeat: float = 5.0  # between heartbeats (and lock checks)
    poll: float = 5.0  # between sweeps, executor passes and rule-file checks
    lease: float = 300.0  # how long a claimed intent is ours
    call_timeout: float = 30.0  # bound on one platform or channel call
    stop_timeout: float = 30.0  # bound on finishing in-flight work after SIGTERM


class Daemon:
    """One daemon process working on one project's store."""

    def __init__(
        self,
        project: Project,
        settings: DaemonSettings | None = None,
        pipeline: Pipeline | None = None,
    ):
        self.project = project
        self.settings = settings or DaemonSettings()
        self.owner = daemon_owner()
        self.stop = StopFlag(project.clock.monotonic, min(1.0, self.settings.heartbeat))
        engine, clock = project.engine, project.clock
        self.alerts = Alerts(project.config.alerts, channel_delivery(project.channel), clock.now)
        lease = timedelta(seconds=self.settings.lease)
        self.pipeline = pipeline or EnginePipeline(
            project, OWNER_PREFIX + self.owner, lease, self.settings.call_timeout
        )
        self.rules = RuleScheduler(
            engine, project.config.timezone, clock, self.pipeline, self.alerts, self.stop
        )
        self.lock = store_lock(engine)
        self.heartbeat = Heartbeat(engine, self.owner)
        path = sqlite_file(project.config.store)
        self.store_file = StoreFile.of(path) if path is not None and path.exists() else None
        self.watcher = Watcher(self._watched_files)
        self._jobs = BackgroundScheduler(
            timezone=project.config.timezone,
            executors={"default": ThreadPoolExecutor(4), WORK: ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._in_flight = 0
        self._count = threading.Lock()
        self._last_beat = project.clock.monotonic()

    def serve(self) -> int:
        """Run until SIGTERM/SIGINT, or until the daemon may no longer act (its lease,
        lock or store lost, or stalled: then exit status 1, logged and alerted)."""
        self._handle_signals()
        if not self.acquire():
            return 0
        try:
            self.stop.arm(self.unfit)
            self.start()
            while not self.stop.wait(1.0):
                if self.stalled():
                    # Better to exit and be restarted by the supervisor than to hold
                    # the lock while doing nothing.
                    self.stop.trip("daemon.stalled", "the daemon stopped beating and exits")
        finally:
            self.shutdown()
        if self.stop.reason is None:
            return 0
        name, reason = self.stop.reason
        event(name, logging.ERROR, owner=self.owner, reason=reason)
        self.alerts.alert(name.removeprefix("daemon."), f"the daemon exits: {reason}")
        return 1

    def stalled(self) -> bool:
        """Whether the heartbeat job has not succeeded for far longer than its interval
        (the scheduler's thread died or the store stopped answering)."""
        limit = max(STALL_AFTER_SECONDS, STALE_AFTER_BEATS * 4 * self.settings.heartbeat)
        return self.project.clock.monotonic() - self._last_beat > limit

    def acquire(self) -> bool:
        """Take the store's lock; on PostgreSQL stand by until it is free.

        Raises DaemonRunning on SQLite when another daemon holds it; False when told to
        stop while standing by.
        """
        waiting = False
        while not self.stop.is_set():
            if self.lock.acquire():
                if self.take_lease():
                    event("daemon.active", owner=self.owner, took_over=waiting)
                    return True
                self.lock.release()
                if self.stop.is_set():
                    return False
                holder = describe_holder(self.project)
                raise DaemonRunning(f"another daemon is already running on this store: {holder}")
            holder = describe_holder(self.project)
            if not self.lock.waits:
                raise DaemonRunning(f"another daemon is already running on this store: {holder}")
            if not waiting:
                event("daemon.standby", owner=self.owner, active=holder)
                waiting = True
            self.stop.wait(self.settings.poll)
        return False

    def take_lease(self) -> bool:
        """Take the store's lease (its heartbeat row): at once when it is free or the lock
        proves this daemon alone (PostgreSQL); else only when its holder, watched for a
        few of its beats, did not beat (it died; a live one reached the store another
        way, through a hard link or past a deleted lock file)."""
        clock = self.project.clock
        holder = self.heartbeat.take(clock.now(), self.info("starting"), force=self.lock.waits)
        if holder is None:
            return True
        seconds = STALE_AFTER_BEATS * holder.interval.total_seconds() + 1.0
        event("daemon.lease_check", owner=self.owner, holder=holder.owner, seconds=seconds)
        if self.stop.wait(seconds):
            return False
        return self.heartbeat.take(clock.now(), self.info("starting"), over=holder) is None

    def unfit(self) -> tuple[str, str] | None:
        """Why this daemon may no longer act (store gone or read-only, lease taken), or None."""
        problem = self.store_file.problem() if self.store_file else None
        if problem is not None:
            return "daemon.store_lost", problem
        try:
            ours = self.heartbeat.ours()
        except Exception as exc:  # cannot tell now; the heartbeat's stall bound decides
            event("lease.check_failed", logging.WARNING, error=str(exc))
            return None
        if not ours:
            return "daemon.lease_lost", f"another daemon took the store's lease ({self._holder()})"
        return None

    def start(self) -> None:
        """Recover what a dead daemon left, load the rules and start the jobs."""
        engine, now = self.project.engine, self.project.clock.now()
        closed = run_records.close_orphan_runs(engine, now)
        expired = run_records.expire_leases(engine, OWNER_PREFIX, OWNER_PREFIX + self.owner, now)
        if closed or expired:
            event("daemon.recovered", interrupted_runs=closed, released_intents=expired)
        self.load_rules()
        self.beat()
        # The sweep and the executor pass run once at once: catch-up and recovery do
        # not wait for the first interval. APScheduler times its jobs by the wall
        # clock, whatever clock the rules are judged by.
        now = {"next_run_time": Clock().now()}
        every = {"seconds": self.settings.poll}
        self._add("beat", self.beat, "interval", seconds=self.settings.heartbeat)
        self._add("sweep", self.rules.sweep, "interval", executor=WORK, **every, **now)
        self._add("execute", self.execute_pending, "interval", executor=WORK, **every, **now)
        self._add("reload", self.reload, "interval", **every)
        self._add("dead_man", self.rules.check_dead_man, "interval", minutes=1)
        self._jobs.start()
        event("daemon.started", owner=self.owner, rules=len(self.rules.rules))

    def shutdown(self) -> None:
        """Stop taking work, let in-flight work end within the bound, let the lock go."""
        self.stop.set()
        event("daemon.stopping", in_flight=self._in_flight)
        if self._jobs.running:
            self._jobs.shutdown(wait=False)
        deadline = self.project.clock.monotonic() + self.settings.stop_timeout
        while self._in_flight and self.project.clock.monotonic() < deadline:
            threading.Event().wait(0.05)
        if self.lock.held():
            try:
                self.heartbeat.beat(self.project.clock.now(), self.info("stopped"))
            except Exception as exc:  # the store may be what failed; stop anyway
                event("heartbeat.failed", logging.ERROR, error=str(exc))
        self.lock.release()
        event("daemon.stopped", owner=self.owner, unfinished=self._in_flight)

    @property
    def unfinished(self) -> int:
        """Jobs still running after shutdown (their leases make them recoverable)."""
        return self._in_flight

    def load_rules(self) -> None:
        """Load the rule files; keep the last good rules of broken ones; resync jobs."""
        from shopctl.rules.loader import load_rules

        config = self.project.config
        ruleset = load_rules(config.rules, self.project.registry, set(config.channels))
        active = merge(self.rules.rules, ruleset)
        for path, errors in active.broken.items():
            event("rules.broken", logging.ERROR, path=path, errors=errors)
            self.alerts.broken(path, errors)
        changed, gone = self.rules.set_rules(active.rules)
        for name in gone:
            if self._jobs.get_job(f"rule:{name}"):
                self._jobs.remove_job(f"rule:{name}")
        for name in changed:
            trigger = trigger_for(self.rules.schedule(name), self.rules.zone)
            self._add(f"rule:{name}", lambda n=name: self.rules.fire(n), trigger, executor=WORK)
        event("rules.loaded", scheduled=len(self.rules.rules), changed=sorted(changed))

    def reload(self) -> None:
        """Reload rules (and config) when their files changed."""
        if not self.watcher.changed():
            return
        try:
            config = load_config(self.project.config.path)
        except ShopctlError as exc:
            event("config.broken", logging.ERROR, error=str(exc))
            self.alerts.broken(str(self.project.config.path), [str(exc)])
            return
        self.apply_config(config)
        self.load_rules()

    def apply_config(self, config: Config) -> None:
        """Take a changed config: rules, zone, alerts and defaults apply now; a changed
        store, account or channel needs a restart and is reported."""
        current = self.project.config
        if (config.store, config.accounts, config.channels) != (
            current.store,
            current.accounts,
            current.channels,
        ):
            event("config.restart_needed", logging.WARNING, path=str(config.path))
            self.alerts.alert(
                "config:restart",
                f"{config.path}: store, accounts or channels changed; "
                "restart the daemon to apply them",
            )
            kept = {"store": current.store, "accounts": current.accounts}
            config = replace(config, **kept, channels=current.channels)
        self.project.config = config
        self.alerts.channel = config.alerts
        if config.timezone != self.rules.zone:
            self.rules.zone = config.timezone
            self.rules.rules = {}  # every schedule is new in the new zone

    def beat(self) -> None:
        """Renew the lease; a daemon whose store, lock or lease is gone stops."""
        problem = self.store_file.problem() if self.store_file else None
        if problem is not None:
            self.stop.trip("daemon.store_lost", problem)
            return
        if not self.lock.held():
            self.stop.trip("daemon.lock_lost", "the daemon lost its lock on the store")
            return
        if not self.heartbeat.beat(self.project.clock.now(), self.info("running")):
            self.stop.trip("daemon.lease_lost", f"another daemon took the lease ({self._holder()})")
            return
        self._last_beat = self.project.clock.monotonic()

    def _holder(self) -> str:
        try:
            return describe_holder(self.project)
        except Exception as exc:  # the store itself may be what failed
            return f"holder unknown: {exc}"

    def execute_pending(self) -> None:
        """Execute deferred and recovered intents."""
        self.pipeline.execute_pending(self.stop)

    def info(self, state: str) -> dict[str, Any]:
        """What the heartbeat says about this daemon."""
        nexts = self.rules.next_runs() if self.rules.rules else {}
        return {
            "state": state,
            "pid": int(self.owner.split(":")[1]),
            "version": shopctl.__version__,
            "heartbeat_seconds": self.settings.heartbeat,
            "rules": len(self.rules.rules),
            "next_runs": {n: t.isoformat() if t else None for n, t in sorted(nexts.items())},
        }

    def _add(self, job_id: str, func: Callable[[], object], trigger: Any, **kw: Any) -> None:
        job = self._tracked(func, acts=kw.get("executor") == WORK)
        self._jobs.add_job(job, trigger, id=job_id, replace_existing=True, **kw)

    def _tracked(self, func: Callable[[], object], acts: bool) -> Callable[[], None]:
        def job() -> None:
            # Work that may act asks the store first: same file, lease still ours.
            if self.stop.is_set() or (acts and not self.stop.check_now()):
                return
            with self._count:
                self._in_flight += 1
            try:
                func()
            except Exception:  # a failing job is logged; the daemon keeps going
                logging.getLogger("shopctl.daemon").exception("job.failed")
            finally:
                with self._count:
                    self._in_flight -= 1

        return job

    def _watched_files(self) -> list[Path]:
        from shopctl.rules.loader import rule_files

        config = self.project.config
        return [config.path, *rule_files(config.rules)[0]]

    def _handle_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda num, _frame: self._signalled(num))

    def _signalled(self, signum: int) -> None:
        event("daemon.signal", signal=signal.Signals(signum).name)
        self.stop.set()


def describe_holder(project: Project) -> str:
    """Who holds the store's daemon lock, from its heartbeat: host, pid, last beat."""
    beat = read_beat(project.engine)
    if beat is None:
        return "unknown holder (no heartbeat yet)"
    when = beat.beat_at.isoformat(timespec="seconds")
    return f"host {beat.host}, pid {beat.pid}, last heartbeat {when}"
