"""The `shopctl.testing` pytest plugin: fixtures for plugin authors and for shopctl itself.

- `frozen_clock`: a FrozenClock at a fixed instant, with `advance` and `set`.
- `shopctl_store`: an engine on a fresh SQLite store holding every declared table.
- `shopctl_project`: a factory for a temporary project (shopctl.yaml, rules/, store).
- `http_replay`: a factory for a local HTTP server answering from a recorded cassette.
- `smtp_server`: a factory for a real SMTP server on 127.0.0.1 (needs aiosmtpd), with
  `smtp_certificate`, a self-signed certificate for its TLS modes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from shopctl.clock import FrozenClock
from shopctl.testing.replay import ReplayServer
from shopctl.testing.smtp import SmtpServer, self_signed_certificate

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from shopctl.project import Project

FROZEN_AT = datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai

ProjectFactory = Callable[..., "Project"]


@pytest.fixture
def frozen_clock() -> FrozenClock:
    """A clock standing at 2026-03-29 02:00 UTC until the test moves it."""
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def shopctl_store(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh SQLite file with the tables of every installed plugin."""
    # Imported here: pytest loads this plugin in every session, store or not.
    from shopctl.plugins import load_plugins
    from shopctl.store.engine import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}", load_plugins().registry)
    yield engine
    engine.dispose()


@pytest.fixture
def shopctl_project(tmp_path: Path, frozen_clock: FrozenClock) -> Iterator[ProjectFactory]:
    """Make a project: `shopctl_project(accounts=…, channels=…, rules={"a.yaml": "…"})`.

    Accounts default to one demo shop; `plugins` (name -> module with hookimpls) adds
    plugins that are not installed; the project's clock is `frozen_clock`.
    """
    from shopctl.config import load_config
    from shopctl.plugins import load_plugins
    from shopctl.project import Project

    projects: list[Project] = []

    def make(
        accounts: Mapping[str, Any] | None = None,
        channels: Mapping[str, Any] | None = None,
        rules: Mapping[str, str] | None = None,
        timezone: str = "Asia/Shanghai",
        plugins: Mapping[str, ModuleType] | None = None,
        **extra: Any,
    ) -> Project:
        root = tmp_path / f"project{len(projects)}"
        (root / "rules").mkdir(parents=True)
        for name, text in (rules or {}).items():
            (root / "rules" / name).write_text(text, encoding="utf-8")
        config = {
            "store": "sqlite:///shopctl.db",
            "timezone": timezone,
            "rules": ["rules/"],
            "accounts": dict(accounts or {"shop": {"plugin": "demo", "seed": 42}}),
            "channels": dict(channels or {}),
            **extra,
        }
        path = root / "shopctl.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        loaded = load_plugins(extra=dict(plugins)) if plugins else None
        projects.append(Project(load_config(path), frozen_clock, loaded))
        return projects[-1]

    yield make
    for project in projects:
        project.close()


@pytest.fixture
def http_replay() -> Iterator[Callable[[str | Path], ReplayServer]]:
    """Serve a cassette: `server = http_replay("tests/cassettes/products.yaml")`;
    point the plugin at `server.url`. A request the cassette lacks fails the test."""
    servers: list[ReplayServer] = []

    def serve(cassette: str | Path) -> ReplayServer:
        servers.append(ReplayServer(Path(cassette)).start())
        return servers[-1]

    yield serve
    problems = []
    for server in servers:
        server.stop()
        problems += server.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def smtp_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (skips without the openssl CLI)."""
    made = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    return made


@pytest.fixture
def smtp_server(request: pytest.FixtureRequest) -> Iterator[Callable[..., SmtpServer]]:
    """Start SMTP servers: `server = smtp_server(tls="starttls", users={"ops": "pw"})`;
    `server.port`, `server.mailbox.received`. Stopped after the test."""
    pytest.importorskip("aiosmtpd", reason="smtp_server needs aiosmtpd")
    servers: list[SmtpServer] = []

    def start(tls: str | None = None, users: dict[str, str] | None = None) -> SmtpServer:
        certificate = request.getfixturevalue("smtp_certificate") if tls else None
        servers.append(SmtpServer(certificate, tls, users).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()
