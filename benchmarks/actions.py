"""Actions executed per second through the ledger, against calling the plugin alone.

On a fresh demo shop (synced into a fresh store), the same number of `set_bid` actions
is executed twice in one process:
- plain: `Platform.perform(ActionRequest)` in a loop, nothing recorded by shopctl;
- ledger: intents written with their run in one transaction, then `execute_pending`
  claims each (lease), counts the attempt, calls the plugin in a worker thread with a
  time limit, and records the outcome — three short transactions per action.
The difference per action is what the at-most-once guarantee costs.

    python benchmarks/actions.py                      # 10,000 actions, SQLite
    python benchmarks/actions.py --actions 2000 --store postgresql+psycopg://…/bench
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from shopctl.clock import Clock
from shopctl.config import build_config
from shopctl.engine import ledger
from shopctl.engine.executor import execute_pending
from shopctl.engine.keys import intent_key
from shopctl.engine.sync import sync
from shopctl.platform import ActionRequest
from shopctl.plugins import load_plugins
from shopctl.project import Project
from shopctl.store.entities import EntityTables


def main() -> None:
    """Parse the options, run both loops, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=10_000, help="Actions per loop.")
    parser.add_argument("--store", default=None, help="Store URL (default: a temporary SQLite).")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = open_demo(Path(folder), options.store)
        try:
            ids = ad_group_ids(project)
            plain = time_plain(project, ids, options.actions)
            with_ledger = time_ledger(project, ids, options.actions)
        finally:
            project.close()
    n = options.actions
    overhead = (with_ledger - plain) / n
    print(f"actions:            {n:,} set_bid on {len(ids)} demo ad groups")
    for label, seconds in (("plugin alone:", plain), ("through the ledger:", with_ledger)):
        print(f"{label:<20}{n / seconds:,.0f} actions/s ({seconds / n * 1e3:.3f} ms each)")
    print(f"ledger overhead:    {overhead * 1e3:.3f} ms per action ({with_ledger / plain:.1f}x)")


def open_demo(folder: Path, store: str | None) -> Project:
    """A project on a fresh demo shop, synced."""
    data = {
        "store": store or f"sqlite:///{folder / 'bench.db'}",
        "accounts": {"shop": {"plugin": "demo", "seed": 42}},
    }
    project = Project(build_config(data, folder / "shopctl.yaml"), Clock(), load_plugins({"demo"}))
    sync(project)
    return project


def ad_group_ids(project: Project) -> list[str]:
    """The ids of the demo's ad groups, from the store."""
    table = EntityTables(project.registry).entity("ad_group")
    with project.engine.connect() as conn:
        return [row.id for row in conn.execute(table.select().order_by(table.c.id))]


def bids(ids: list[str], count: int, tag: str) -> list[tuple[str, str, dict[str, float]]]:
    """`count` distinct set_bid actions: (key, ad group id, args)."""
    actions = []
    for n in range(count):
        entity_id, args = ids[n % len(ids)], {"bid": round(0.5 + (n % 300) / 100, 2)}
        key = intent_key("bench", "ad_group", "shop", entity_id, "set_bid", args, f"{tag}:{n}")
        actions.append((key, entity_id, args))
    return actions


def time_plain(project: Project, ids: list[str], count: int) -> float:
    """Seconds to perform `count` actions by calling the plugin directly."""
    platform, clock = project.platform("shop"), project.clock
    started = clock.monotonic()
    for key, entity_id, args in bids(ids, count, "plain"):
        platform.perform(ActionRequest("set_bid", "ad_group", entity_id, {}, args, key))
    return clock.monotonic() - started


def time_ledger(project: Project, ids: list[str], count: int) -> float:
    """Seconds to write `count` intents with their run and execute them."""
    clock = project.clock
    started = clock.monotonic()
    now = clock.now()
    planned = [
        ledger.NewIntent(k, "shop", i, "set_bid", a) for k, i, a in bids(ids, count, "ledger")
    ]
    run_id = ledger.open_run(
        project.engine,
        rule="bench",
        entity_type="ad_group",
        slot=None,
        trigger="manual",
        at=now,
        now=now,
        dry_run=False,
        planned=planned,
    )
    report = execute_pending(project, owner="bench", run_id=run_id)
    elapsed = clock.monotonic() - started
    if report.count("done") != count:
        raise SystemExit(f"only {report.count('done')} of {count} actions ended done")
    return elapsed


if __name__ == "__main__":
    main()
