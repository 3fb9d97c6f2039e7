"""Fixtures of the daemon tests: a store with the fixed tables, rules, a stub pipeline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from shopctl.clock import FrozenClock
from shopctl.config import load_config
from shopctl.daemon.alerts import Alerts
from shopctl.daemon.scheduler import RunResult
from shopctl.entities import PRODUCT
from shopctl.errors import Position
from shopctl.project import Project
from shopctl.rules.ast import Literal
from shopctl.rules.compiled import CompiledRule
from shopctl.rules.model import Rule, Schedule
from shopctl.store.tables import metadata, runs
from tests.daemon.daemon_process import HERE, STARTED, DaemonProject, make_project


@pytest.fixture(autouse=True)
def no_daemon_left_running() -> Iterator[None]:
    """Kill any daemon process a test started and did not stop (a failed assertion)."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.alive():
            process.kill()


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A SQLite store with the runs, intents and heartbeat tables."""
    made = create_engine(sqlite_url)
    metadata.create_all(made)
    yield made
    made.dispose()


@pytest.fixture
def any_engine(store_url: str) -> Iterator[Engine]:
    """The same tables on SQLite and on PostgreSQL: for what writes the store."""
    made = create_engine(store_url)
    metadata.create_all(made)
    yield made
    made.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock standing at 2026-05-04 10:00:05 UTC until moved."""
    return FrozenClock(datetime(2026, 5, 4, 10, 0, 5, tzinfo=UTC))


def make_rule(
    name: str,
    *,
    every: timedelta | None = None,
    at: time | None = None,
    weekday: str | None = None,
    cron: str | None = None,
    path: str = "rules/main.yaml",
    enabled: bool = True,
) -> CompiledRule:
    """A compiled rule whose schedule is all the scheduler looks at."""
    schedule = Schedule(every=every, cron=cron, at=at, weekday=weekday)
    if not (every or cron or at):
        schedule = None
    rule = Rule(
        name=name,
        on="product",
        when=Literal(True, "boolean"),
        do=(),
        schedule=schedule,
        enabled=enabled,
        source=Position(path, 1, 1),
    )
    return CompiledRule(
        rule=rule,
        entity_type=PRODUCT,
        fields=(),
        windows=(),
        sql=lambda _binding: None,
        residual=None,
        condition=lambda _row, _ctx: True,
        explain=lambda _row, _ctx: [],
    )


class StubPipeline:
    """Records scheduled runs in the real runs table, as run_rule does, and counts them."""

    def __init__(self, engine: Engine, clock: FrozenClock, outcome: str = "acted"):
        self.engine = engine
        self.clock = clock
        self.outcome = outcome
        self.runs: list[tuple[str, str]] = []
        self.executed = 0
        self.hold: threading.Event | None = None  # set: runs wait for it

    def run(self, compiled: CompiledRule, slot: str, stop: threading.Event) -> RunResult:
        """Insert the run row under the unique (rule, slot) key; `taken` if held."""
        now = self.clock.now()
        row = {"rule": compiled.rule.name, "slot": slot, "trigger": "schedule", "at": now}
        try:
            with self.engine.begin() as conn:
                run_id = conn.execute(
                    insert(runs).values(**row, started_at=now, outcome=self.outcome)
                ).inserted_primary_key[0]
        except IntegrityError:
            return RunResult("taken")
        if self.hold is not None:
            self.hold.wait(5)
        self.runs.append((compiled.rule.name, slot))
        return RunResult(self.outcome, run_id, "boom" if self.outcome == "failed" else None)

    def execute_pending(self, stop: threading.Event) -> None:
        """Count executor passes."""
        self.executed += 1


class SentAlerts:
    """An alert channel that keeps what it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, channel: str, subject: str, text: str) -> None:
        self.sent.append((channel, subject, text))

    def texts(self) -> list[str]:
        """The alert texts, oldest first."""
        return [text for _, _, text in self.sent]


@pytest.fixture
def sent() -> SentAlerts:
    """Alerts delivered to the `ops` channel."""
    return SentAlerts()


@pytest.fixture
def alerts(clock: FrozenClock, sent: SentAlerts) -> Alerts:
    """De-duplicating alerts on the frozen clock, delivered to `sent`."""
    return Alerts("ops", sent, clock.now)


@pytest.fixture
def pipeline(engine: Engine, clock: FrozenClock) -> StubPipeline:
    """A pipeline that records runs in the store without evaluating anything."""
    return StubPipeline(engine, clock)


RuleFactory = Callable[..., CompiledRule]


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """An empty rules folder."""
    folder = tmp_path / "rules"
    folder.mkdir()
    return folder


@pytest.fixture
def open_counting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., tuple[DaemonProject, Project]]]:
    """Open, in this process, a project on the counting platform (closed afterwards)."""
    opened: list[Project] = []

    def open_project(rules: str, **settings: object) -> tuple[DaemonProject, Project]:
        written = make_project(tmp_path, rules, **settings)  # type: ignore[arg-type]
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        monkeypatch.syspath_prepend(str(HERE))
        start = datetime(2026, 5, 4, 10, 0, 5, tzinfo=UTC)
        project = Project(load_config(written.config), clock=FrozenClock(start))
        opened.append(project)
        return written, project

    yield open_project
    for project in opened:
        project.close()
