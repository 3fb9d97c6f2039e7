"""Two `shopctl run --no-sync` processes at once never contact a customer twice (issue 17).

The guards (cooldown, contact caps) and the insert of a run's intents are one guard
transaction per store, so the second process's guards see the first one's intents.
Each case starts both processes together, several trials over, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, select

from shopctl.engine.failpoints import BARRIER_ENV
from shopctl.store.tables import intents, runs

TRIALS = 5
CONFIG = """\
store: {store}
timezone: Asia/Shanghai
rules: [rules.yaml]
accounts:
  shop:
    plugin: demo
    seed: 7
channels:
  sms:
    plugin: console
    file: sms.txt
    address: phone
"""
# Rule A messages and rule B coupons the same customers; the cap is 1 per 24 h.
RULES = """\
- rule: msg-a
  on: customer
  when: orders_count >= 0
  do:
    - message(sms, "您好 {name}")
  max_percent: 100%
  limit: 1000
- rule: coupon-b
  on: customer
  when: orders_count >= 0
  do:
    - send_coupon(amount=10, expires=7d)
  max_percent: 100%
  limit: 1000
- rule: greet
  on: customer
  when: orders_count >= 0
  do:
    - message(sms, "现在是 {now()}")
  max_percent: 100%
  limit: 1000
  cooldown: 1d
"""
FACING = ("message", "send_coupon")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A demo shop with the three rules, synced once, on each supported database."""
    if request.param == "sqlite":
        store = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        store = request.getfixturevalue("postgres_url")
    (tmp_path / "shopctl.yaml").write_text(CONFIG.format(store=store), encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    synced = shopctl(tmp_path, "sync").wait(timeout=120)
    assert synced == 0
    return tmp_path


def shopctl(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`shopctl ARGS` started as a process of its own on the project."""
    command = [sys.executable, "-m", "shopctl", "--config", str(root / "shopctl.yaml"), *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def store_url(root: Path) -> str:
    """The project's store URL, as its config names it."""
    first = (root / "shopctl.yaml").read_text(encoding="utf-8").splitlines()[0]
    return first.removeprefix("store: ")


def contacts_in_trial(root: Path, *runs_args: tuple[str, ...]) -> Counter[str]:
    """Start one `run --no-sync` per argument list at once; customers contacted, counted."""
    engine = create_engine(store_url(root))
    try:
        with engine.begin() as conn:  # a fresh ledger for each trial
            conn.execute(delete(intents))
            conn.execute(delete(runs))
        (root / "sms.txt").unlink(missing_ok=True)
        # Both processes evaluate, then wait for each other before guarding.
        line_up = root / f"barrier-{uuid.uuid4().hex[:8]}"
        line_up.mkdir()
        env = {**os.environ, BARRIER_ENV: f"evaluated:{line_up}:{len(runs_args)}"}
        started = [shopctl(root, "run", "--no-sync", *args, env=env) for args in runs_args]
        for process in started:
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, out + err
        with engine.connect() as conn:
            rows = conn.execute(
                select(intents.c.entity_id).where(
                    intents.c.action.in_(FACING), intents.c.status == "done"
                )
            )
            return Counter(entity_id for (entity_id,) in rows)
    finally:
        engine.dispose()


def sms_lines(root: Path) -> int:
    """Messages the console channel wrote: the external effects."""
    path = root / "sms.txt"
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def test_two_rules_racing_under_a_cap_of_one_contact_each_customer_once(project: Path) -> None:
    for trial in range(TRIALS):
        contacted = contacts_in_trial(project, ("msg-a",), ("coupon-b",))
        assert contacted, "the demo shop has consenting customers"
        twice = [c for c, n in contacted.items() if n > 1]
        assert not twice, f"trial {trial}: {len(twice)} customers contacted twice"


def test_a_time_varying_message_under_a_cooldown_goes_out_once_per_customer(
    project: Path,
) -> None:
    for trial in range(TRIALS):
        contacted = contacts_in_trial(project, ("greet",), ("greet",))
        assert contacted
        assert max(contacted.values()) == 1, f"trial {trial}: messaged twice"
        assert sms_lines(project) == len(contacted)  # nothing sent beyond the ledger
