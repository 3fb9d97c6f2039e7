"""Time the evaluation `plan` runs for playbook rules against hand-written SQL.

On a store filled by `benchmarks/generate.py`, the shipped playbook is loaded and each
rule below is evaluated the way `plan` does before its guards (one query per rule, with
the count of entities in scope for `max_percent`), and the same question is answered by
SQL written by hand, in the same process. Both must select the same entities, or the
script exits 1. `plan ms` adds the near misses `plan` asks for (one more query).

    python benchmarks/plan.py --store sqlite:///bench.db --at 2026-03-01T12:00:00+08:00
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shopctl.clock import as_utc
from shopctl.engine.evaluate import evaluate, read_only
from shopctl.engine.runs import NEAR_MISSES
from shopctl.plugins import load_plugins
from shopctl.registry import Registry
from shopctl.rules.compiled import CompiledRule, EvalContext
from shopctl.rules.loader import load_rules
from shopctl.store.engine import open_store

Params = Callable[[EvalContext, "Values"], dict[str, Any]]
Key = tuple[str, str]  # (account, id)


class Values:
    """Bind values the way the store keeps them: SQLite holds instants as naive UTC text."""

    def __init__(self, dialect: str):
        self.dialect = dialect

    def instant(self, moment: datetime) -> Any:
        """An instant as the store's timestamp columns hold it."""
        moment = as_utc(moment)
        return f"{moment:%Y-%m-%d %H:%M:%S.%f}" if self.dialect == "sqlite" else moment

    def window(self, ctx: EvalContext, days: int) -> dict[str, Any]:
        """`lo`/`hi`: the first and last local date of an N-day window ending today."""
        return {"lo": ctx.today - timedelta(days=days - 1), "hi": ctx.today}


@dataclass(frozen=True)
class Case:
    """A playbook rule and the SQL a DBA would write for the same question."""

    rule: str
    sql: str  # selects _account, id of the matching entities
    params: Params


def _ago(**delta: float) -> Params:
    return lambda ctx, v: {"t": v.instant(ctx.now - timedelta(**delta))}


AD_GROUP_WEEK = (
    "SELECT e._account, e.id FROM entity_ad_group e JOIN ("
    " SELECT _account, id, sum(revenue) AS revenue, sum(spend) AS spend"
    " FROM metric_ad_group WHERE date BETWEEN :lo AND :hi GROUP BY _account, id"
    ") m ON m._account = e._account AND m.id = e.id WHERE e.status = 'active'"
)

# The playbook's conditions (rules/*.yaml, rules/*.rules), each answered by hand.
CASES = (
    Case(
        "pause-low-roi",  # roi(7d) < 2 and spend(7d) >= 100 and status == "active"
        AD_GROUP_WEEK + " AND m.spend >= 100 AND m.revenue / m.spend < 2",
        lambda ctx, v: v.window(ctx, 7),
    ),
    Case(
        "raise-bid-high-roi",  # roi(7d) >= 4 and spend(7d) >= 50 and status == "active" and bid < 5
        AD_GROUP_WEEK + " AND m.spend >= 50 AND m.revenue / m.spend >= 4 AND e.bid < 5",
        lambda ctx, v: v.window(ctx, 7),
    ),
    Case(
        # days_since(last_order_at) >= 30 and days_since(last_order_at) < 90
        # and accepts_marketing
        "win-back-coupon",
        "SELECT _account, id FROM entity_customer"
        " WHERE last_order_at <= :t30 AND last_order_at > :t90 AND accepts_marketing",
        lambda ctx, v: {
            "t30": v.instant(ctx.now - timedelta(days=30)),
            "t90": v.instant(ctx.now - timedelta(days=90)),
        },
    ),
    Case(
        "repurchase-coupon",  # days_since(last_order_at) between 7 and 8 and accepts_marketing
        "SELECT _account, id FROM entity_customer"
        " WHERE last_order_at BETWEEN :t8 AND :t7 AND accepts_marketing",
        lambda ctx, v: {
            "t7": v.instant(ctx.now - timedelta(days=7)),
            "t8": v.instant(ctx.now - timedelta(days=8)),
        },
    ),
    Case(
        "points-expiry-reminder",  # points >= 100 and days_until(points_expire_at) between 0 and 3
        "SELECT _account, id FROM entity_customer"
        " WHERE points >= 100 AND points_expire_at BETWEEN :now AND :t3",
        lambda ctx, v: {
            "now": v.instant(ctx.now),
            "t3": v.instant(ctx.now + timedelta(days=3)),
        },
    ),
    Case(
        # status == "paid" and shipped_at is null and hours_since(paid_at) >= 48
        "unshipped-orders",
        "SELECT _account, id FROM entity_order"
        " WHERE status = 'paid' AND shipped_at IS NULL AND paid_at <= :t",
        _ago(hours=48),
    ),
    Case(
        "reply-bad-reviews",  # rating <= 2 and replied_at is null and hours_since(created_at) >= 24
        "SELECT _account, id FROM entity_review"
        " WHERE rating <= 2 AND replied_at IS NULL AND created_at <= :t",
        _ago(hours=24),
    ),
    Case(
        # status == "active" and sales(30d) < 3 and days_since(listed_at) >= 30
        "refresh-slow-sellers",
        # Products with no sales rows at all sold 0 units: a LEFT JOIN and COALESCE.
        "SELECT e._account, e.id FROM entity_product e LEFT JOIN ("
        " SELECT _account, id, sum(units_sold) AS units FROM metric_product"
        " WHERE date BETWEEN :lo AND :hi GROUP BY _account, id"
        ") m ON m._account = e._account AND m.id = e.id"
        " WHERE e.status = 'active' AND coalesce(m.units, 0) < 3 AND e.listed_at <= :t",
        lambda ctx, v: {**v.window(ctx, 30), "t": v.instant(ctx.now - timedelta(days=30))},
    ),
    Case(
        "low-stock-alert",  # status == "active" and stock < 10 and sales(7d) >= 1
        "SELECT e._account, e.id FROM entity_product e JOIN ("
        " SELECT _account, id, sum(units_sold) AS units FROM metric_product"
        " WHERE date BETWEEN :lo AND :hi GROUP BY _account, id"
        ") m ON m._account = e._account AND m.id = e.id"
        " WHERE e.status = 'active' AND e.stock < 10 AND m.units >= 1",
        lambda ctx, v: v.window(ctx, 7),
    ),
)

COUNT_SQL = "SELECT count(*) FROM entity_{on}"
PLAYBOOK_CHANNELS = ("ops", "sms")  # the channels the shipped playbook names


def hand_written(engine: Engine, case: Case, on: str, ctx: EvalContext) -> tuple[set[Key], int]:
    """The DBA's answer: the matching (account, id) pairs and the entities in scope."""
    params = case.params(ctx, Values(engine.dialect.name))
    with read_only(engine) as conn:
        found = {(a, i) for a, i in conn.execute(text(case.sql), params)}
        total = conn.execute(text(COUNT_SQL.format(on=on))).scalar_one()
    return found, int(total)


def timed(func: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """The result of `func` and its best wall time over `repeat` runs, in seconds.

    The best, as timeit reports: on shared cores the slower runs measure the neighbours.
    """
    times, result = [], None
    for _ in range(repeat):
        result = None  # the last run's result must not share the memory peak of the next
        started = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - started)
    return result, min(times)


def playbook(registry: Registry) -> dict[str, CompiledRule]:
    """The shipped playbook's rules, loaded and compiled as `plan` does."""
    rules = load_rules([Path(str(files("shopctl.playbook")))], registry, PLAYBOOK_CHANNELS)
    if rules.errors:
        raise click.ClickException(f"the playbook does not load: {rules.errors[0]}")
    return rules.compiled


def run(engine: Engine, registry: Registry, ctx: EvalContext, repeat: int) -> bool:
    """Time every case both ways, print a table, and say whether all answers agreed."""
    compiled = playbook(registry)
    heads = ("rule", "on", "matched", "in scope", "shopctl ms", "SQL ms", "ratio", "plan ms")
    table = Table(*heads, caption="plan ms: with the near misses `plan` also asks for")
    sums = [0.0, 0.0, 0.0]
    agreed = True
    for case in CASES:
        rule = compiled[case.rule]
        on = rule.entity_type.name
        # Timed: the evaluation as `plan` runs it. Not timed: reducing its matches to the
        # keys compared, which `plan` does not do.
        found, ours_time = timed(lambda r=rule: evaluate(engine, r, ctx, registry=registry), repeat)
        mine, mine_total = {(m.account, m.id) for m in found.matched}, found.total
        del found
        (hand, total), hand_time = timed(
            lambda c=case, on=on: hand_written(engine, c, on, ctx), repeat
        )
        same = mine == hand and mine_total == total
        agreed &= same
        counts = len(mine), len(hand)
        del mine, hand
        _, plan_time = timed(
            lambda r=rule: len(
                evaluate(engine, r, ctx, registry=registry, near_misses=NEAR_MISSES).matched
            ),
            repeat,
        )
        for i, spent in enumerate((ours_time, hand_time, plan_time)):
            sums[i] += spent
        table.add_row(
            case.rule,
            on,
            f"{counts[0]}" if same else f"[red]{counts[0]} ≠ {counts[1]}[/]",
            f"{total}" if same else f"[red]{mine_total} ≠ {total}[/]",
            *_times(ours_time, hand_time, plan_time),
        )
    table.add_row("all", "", "", "", *_times(*sums))
    console = Console()
    console.print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    console.print(f"peak RSS {peak:.0f} MB; answers {'agree' if agreed else 'DISAGREE'}")
    return agreed


def _times(ours: float, hand: float, plan: float) -> tuple[str, ...]:
    ratio = f"{ours / hand:.2f}" if hand else "-"
    return f"{ours * 1000:.1f}", f"{hand * 1000:.1f}", ratio, f"{plan * 1000:.1f}"


@click.command()
@click.option("--store", required=True, help="SQLAlchemy URL of a store filled by generate.py.")
@click.option("--at", "at", default=None, help="Evaluate as of this ISO 8601 instant.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True)
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True)
def main(store: str, at: str | None, timezone: str, repeat: int) -> None:
    """Print per-rule plan times against hand-written SQL, the ratio and peak RSS."""
    registry = load_plugins().registry
    engine = open_store(store, registry)
    zone = ZoneInfo(timezone)
    moment = datetime.fromisoformat(at) if at else latest_metric_day(engine)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not run(engine, registry, EvalContext(as_utc(moment), zone), repeat):
        sys.exit(1)


def latest_metric_day(engine: Engine) -> datetime:
    """Noon of the newest day with metrics: windows then cover generated data."""
    with read_only(engine) as conn:
        newest = conn.execute(text("SELECT max(date) FROM metric_ad_group")).scalar_one()
    if newest is None:
        raise click.UsageError("the store has no metrics: fill it with benchmarks/generate.py")
    day = newest if not isinstance(newest, str) else datetime.fromisoformat(newest).date()
    return datetime(day.year, day.month, day.day, 12)


if __name__ == "__main__":
    main()
