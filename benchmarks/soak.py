"""Soak: the daemon on the demo shop with 1-minute rules, killed with -9 at random.

Runs `shopctl daemon` for `--minutes` (default 60) on a fresh project whose rules fire
every minute: on the demo shop, and on the counting platform of the daemon tests,
which writes every external effect to a file so effects can be counted across
processes. Every few minutes (`--kill-every`, seconds, a random value in the range)
the daemon gets SIGKILL and is started again at once. At the end it is stopped with
SIGTERM, started once more to settle what was in flight, and the script checks:

- zero duplicate actions: no idempotency key took effect twice on the counting
  platform, and no key is in the ledger twice (the store's unique key);
- zero lost actions: no intent left planned or claimed, and every intent recorded
  `done` has its effect: in the counting platform's file, in the demo shop's own
  record of the keys it acted on;
- bounded memory: the daemon's RSS sampled every few seconds, per life.

    python benchmarks/soak.py                      # one hour
    python benchmarks/soak.py --minutes 10 --kill-every 60-180
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, func, select

from shopctl.store.tables import intents, runs
from shopctl.testing.entry_points import write_plugin_distribution

COUNTING_MODULE_DIR = Path(__file__).resolve().parent.parent / "tests" / "daemon"
SHOPCTL = (sys.executable, "-c", "from shopctl.cli.main import main; main()")
RULES = """
- rule: bump-counting
  on: shop2.product
  every: 1m
  when: status == "active"
  do: [bump]
  max_percent: 100%
  limit: 1000

- rule: tag-demo-products
  on: shop.product
  every: 1m
  when: stock >= 0
  do: ['tag("soak")']
  max_percent: 100%
  limit: 50

- rule: pause-demo-ad-groups
  on: shop.ad_group
  every: 1m
  when: status == "active"
  do: [pause]
  max_percent: 100%
  limit: 5

- rule: resume-demo-ad-groups
  on: shop.ad_group
  every: 1m
  when: status == "paused"
  do: [resume]
  max_percent: 100%
  limit: 5
"""


def write_project(root: Path, products: int, delay: float) -> Path:
    """A project on the demo shop and the counting platform; its config path."""
    write_plugin_distribution(root / "site", "counting", "counting_platform")
    (root / "rules").mkdir(parents=True, exist_ok=True)
    (root / "rules" / "soak.yaml").write_text(RULES, encoding="utf-8")
    config = root / "shopctl.yaml"
    config.write_text(
        f"""store: sqlite:///{root / "store.db"}
timezone: Asia/Shanghai
rules: [rules/]
accounts:
  shop:
    plugin: demo
    seed: 7
  shop2:
    plugin: counting
    count: {products}
    delay: {delay}
    effects: {root / "effects.txt"}
channels:
  ops:
    plugin: console
    file: {root / "alerts.txt"}
alerts: ops
""",
        encoding="utf-8",
    )
    return config


def start(config: Path, root: Path, lives: int) -> subprocess.Popen[bytes]:
    """Start one daemon life, its log appended to daemon.log."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(root / "site"), str(COUNTING_MODULE_DIR), env.get("PYTHONPATH")) if p
    )
    log = (root / "daemon.log").open("ab")
    log.write(f"--- life {lives} ---\n".encode())
    command = [*SHOPCTL, "--config", str(config), "daemon", "--poll", "2", "--lease", "60"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def rss_kib(pid: int) -> int | None:
    """The resident set size of a process, in KiB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def soak(args: argparse.Namespace) -> int:
    """Run the soak; 0 when no action was duplicated or lost."""
    root = Path(args.dir or tempfile.mkdtemp(prefix="shopctl-soak-"))
    config = write_project(root, args.products, args.delay)
    low, high = (float(x) for x in args.kill_every.split("-"))
    rng = random.Random(args.seed)
    end = time.monotonic() + args.minutes * 60
    lives, kills, samples = 0, 0, []
    print(f"soak: {args.minutes} min in {root}, kill -9 every {low:g}-{high:g} s", flush=True)
    while time.monotonic() < end:
        lives += 1
        daemon = start(config, root, lives)
        kill_at = min(end, time.monotonic() + rng.uniform(low, high))
        life = []
        while time.monotonic() < kill_at and daemon.poll() is None:
            time.sleep(min(args.sample, max(0.0, kill_at - time.monotonic())))
            if (rss := rss_kib(daemon.pid)) is not None:
                life.append(rss)
        samples.append(life)
        if time.monotonic() < end:
            daemon.send_signal(signal.SIGKILL)
            kills += 1
        else:
            daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
    settle(config, root, lives + 1)
    return report(root, lives, kills, samples)


def settle(config: Path, root: Path, life: int) -> None:
    """One last life that recovers what the final kill left in flight."""
    daemon = start(config, root, life)
    engine = create_engine(f"sqlite:///{root / 'store.db'}")
    deadline = time.monotonic() + 120
    open_statuses = ("planned", "claimed")
    while time.monotonic() < deadline:
        time.sleep(2)
        with engine.connect() as conn:
            pending = conn.execute(
                select(func.count()).where(intents.c.status.in_(open_statuses))
            ).scalar()
        if not pending:
            break
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(60)
    engine.dispose()


def report(root: Path, lives: int, kills: int, samples: list[list[int]]) -> int:
    """Print the figures; 0 when nothing was duplicated or lost."""
    engine = create_engine(f"sqlite:///{root / 'store.db'}")
    with engine.connect() as conn:
        statuses = Counter(
            dict(
                conn.execute(
                    select(intents.c.status, func.count()).group_by(intents.c.status)
                ).all()
            )
        )
        outcomes = Counter(
            dict(conn.execute(select(runs.c.outcome, func.count()).group_by(runs.c.outcome)).all())
        )
        keys = Counter(k for (k,) in conn.execute(select(intents.c.key)))
        done = conn.execute(
            select(intents.c.account, intents.c.action, intents.c.key).where(
                intents.c.status == "done"
            )
        ).all()
    engine.dispose()
    effects_file = root / "effects.txt"
    lines = effects_file.read_text().splitlines() if effects_file.exists() else []
    effects = Counter(line.split("\t")[0] for line in lines)
    demo_effects = demo_keys(root)
    counting_done = {key for account, _, key in done if account == "shop2"}
    # tag() acts on the store, not on the demo shop.
    demo_done = {key for account, action, key in done if account == "shop" and action != "tag"}
    duplicates = sum(1 for n in effects.values() if n > 1) + sum(1 for n in keys.values() if n > 1)
    lost = statuses["planned"] + statuses["claimed"]
    lost += len(counting_done - set(effects)) + len(demo_done - demo_effects)
    peaks = [max(life) for life in samples if life]
    print(f"lives: {lives}, kill -9: {kills}")
    print(f"runs by outcome: {dict(outcomes)}")
    print(f"intents by status: {dict(statuses)}")
    print(f"counting platform effects: {len(lines)} for {len(effects)} keys")
    print(f"demo shop effects: {len(demo_effects)}, done demo intents: {len(demo_done)}")
    print(f"duplicate actions: {duplicates}")
    print(f"lost actions: {lost}")
    if peaks:
        first = samples[0][0] if samples[0] else 0
        print(
            f"RSS (MiB): first sample {first / 1024:.1f}, peak per life "
            f"min {min(peaks) / 1024:.1f} / max {max(peaks) / 1024:.1f}, "
            f"last life peak {peaks[-1] / 1024:.1f}"
        )
    return 0 if duplicates == 0 and lost == 0 else 1


def demo_keys(root: Path) -> set[str]:
    """The idempotency keys the demo shop recorded as having taken effect."""
    found: set[str] = set()
    for path in (root / ".shopctl").glob("demo-shop-*.sqlite3"):
        with sqlite3.connect(path) as db:
            found |= {key for (key,) in db.execute("SELECT key FROM effects")}
    return found


def main() -> None:
    """Parse arguments and soak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="how long to soak")
    parser.add_argument("--kill-every", default="120-300", help="seconds between kills: LOW-HIGH")
    parser.add_argument("--products", type=int, default=50, help="counting platform products")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds per counting action")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--seed", type=int, default=1, help="seed of the kill times")
    parser.add_argument("--dir", default=None, help="project folder (default: a new temp dir)")
    sys.exit(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
