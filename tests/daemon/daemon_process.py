"""Running `shopctl daemon` as a real process on a temporary project, for the tests
that kill, crash and signal it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from shopctl.store.tables import intents, runs
from shopctl.testing.entry_points import write_plugin_distribution

HERE = Path(__file__).parent
# The `shopctl` command, run by this interpreter.
SHOPCTL = (sys.executable, "-c", "from shopctl.cli.main import main; main()")
FAST = ("--heartbeat", "0.5", "--poll", "0.5", "--stop-timeout", "5")


@dataclass
class DaemonProject:
    """A project on the counting platform: config, rules, store, effect files."""

    root: Path
    store: str

    @property
    def config(self) -> Path:
        """Its shopctl.yaml."""
        return self.root / "shopctl.yaml"

    @property
    def effects(self) -> Path:
        """One line per external effect."""
        return self.root / "effects.txt"

    @property
    def alerts(self) -> Path:
        """One line per alert the `ops` channel received."""
        return self.root / "alerts.txt"

    def effect_counts(self) -> Counter[str]:
        """How many times each entity was acted on."""
        if not self.effects.exists():
            return Counter()
        lines = self.effects.read_text(encoding="utf-8").splitlines()
        return Counter(line.split("\t")[1] for line in lines)

    def engine(self) -> Engine:
        """An engine on the project's store."""
        return create_engine(self.store)

    def runs(self, rule: str | None = None) -> list[dict[str, object]]:
        """The runs table, oldest first."""
        query = select(runs).order_by(runs.c.id)
        if rule is not None:
            query = query.where(runs.c.rule == rule)
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return [dict(row) for row in conn.execute(query).mappings()]
        finally:
            engine.dispose()

    def intent_statuses(self) -> Counter[str]:
        """How many intents are in each status."""
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return Counter(row[0] for row in conn.execute(select(intents.c.status)))
        finally:
            engine.dispose()


def make_project(
    root: Path,
    rules: str,
    *,
    store: str | None = None,
    count: int = 5,
    delay: float = 0.0,
    hang: str = "",
    ambiguous: str = "",
) -> DaemonProject:
    """Write a project whose shop is the counting platform and whose alerts go to a file."""
    site = root / "site"
    write_plugin_distribution(site, "counting", "counting_platform")
    (root / "rules").mkdir(parents=True, exist_ok=True)
    (root / "rules" / "main.yaml").write_text(rules, encoding="utf-8")
    store = store or f"sqlite:///{root / 'store.db'}"
    project = DaemonProject(root, store)
    project.config.write_text(
        f"""store: {store}
timezone: Asia/Shanghai
rules: [rules/]
accounts:
  shop:
    plugin: counting
    count: {count}
    delay: {delay}
    hang: "{hang}"
    ambiguous: "{ambiguous}"
    effects: {project.effects}
channels:
  ops:
    plugin: console
    file: {project.alerts}
alerts: ops
defaults:
  max_percent: 100%
""",
        encoding="utf-8",
    )
    return project


def environment(project: DaemonProject, failpoint: str | None = None) -> dict[str, str]:
    """The environment of a daemon process: the counting plugin importable."""
    env = dict(os.environ)
    paths = [str(project.root / "site"), str(HERE), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env.pop("SHOPCTL_FAILPOINT", None)
    if failpoint:
        env["SHOPCTL_FAILPOINT"] = failpoint
    return env


class DaemonProcess:
    """A running `shopctl daemon`; its stderr is collected as it is written."""

    def __init__(self, popen: subprocess.Popen[str]):
        self.popen = popen
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self._lines.append(line)

    @property
    def log(self) -> str:
        """What it logged so far (all of it once it ended)."""
        return "".join(self._lines)

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether it is still running."""
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        """Signal it and wait for it to end; its exit status."""
        if self.alive():
            self.popen.send_signal(sig)
        return self.wait(timeout)

    def kill(self) -> None:
        """`kill -9`."""
        self.stop(signal.SIGKILL)

    def wait_or_kill(self, timeout: float) -> int | None:
        """Its exit status if it ends within `timeout`; else it is killed and None."""
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def wait(self, timeout: float = 20) -> int:
        """Wait for it to end; its exit status."""
        code = self.popen.wait(timeout)
        self._reader.join(timeout)
        return code


def start_daemon(project: DaemonProject, *args: str, failpoint: str | None = None) -> DaemonProcess:
    """Start `shopctl daemon` on the project with short test intervals."""
    command = [*SHOPCTL, "--config", str(project.config)]
    popen = subprocess.Popen(
        [*command, "daemon", *FAST, *args],
        env=environment(project, failpoint),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    process = DaemonProcess(popen)
    STARTED.append(process)
    return process


STARTED: list[DaemonProcess] = []
"""Every daemon started, so a failing test cannot leave one running (see conftest)."""


def shopctl(project: DaemonProject, *args: str) -> subprocess.CompletedProcess[str]:
    """Run another shopctl command on the project and wait for it."""
    command = [*SHOPCTL, "--config", str(project.config)]
    return subprocess.run(
        [*command, *args], env=environment(project), capture_output=True, text=True, timeout=60
    )


def wait_for(condition: Callable[[], object], timeout: float = 20.0, every: float = 0.1) -> bool:
    """Poll `condition` until it is true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


BUMP_ALL = """
- rule: bump-all
  on: product
  every: 1h
  when: status == "active"
  do: [bump]
"""


def rules_with(*extra: str) -> str:
    """The bump-all rule and `extra` rules as one file."""
    return BUMP_ALL + "".join(extra)
