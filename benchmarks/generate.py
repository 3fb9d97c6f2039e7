"""Fill a store with the full-scale benchmark shop through the real sync path.

    python benchmarks/generate.py --store sqlite:///bench.db            # full scale
    python benchmarks/generate.py --store sqlite:///quick.db --scale 0.01

Prints rows/s of the sync (end to end, and with the generator's own time taken out)
and the peak RSS; rows are streamed, never all held in memory.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_shop

from shopctl.clock import Clock
from shopctl.config import build_config
from shopctl.engine.sync import sync
from shopctl.engine.sync_report import SyncReport
from shopctl.plugins import load_plugins
from shopctl.project import Project


@click.command()
@click.option("--store", default="sqlite:///bench.db", show_default=True, help="Store URL.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Share of the full-scale counts, e.g. 0.01.",
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--end", default="2026-03-01", show_default=True, help="Last day of metrics.")
def main(store: str, scale: float, seed: int, end: str) -> None:
    """Generate the benchmark shop into STORE and print sync throughput."""
    config = build_config(
        {
            "store": store,
            "timezone": "Asia/Shanghai",
            "accounts": {
                "bench": {"plugin": "benchmark", "seed": seed, "scale": scale, "end": end}
            },
        },
        Path.cwd() / "shopctl.yaml",
    )
    plugins = load_plugins(allowed=set(), extra={"benchmark": bench_shop})
    project = Project(config, Clock(), plugins)
    started = time.perf_counter()
    try:
        project.engine  # noqa: B018 - create and migrate the store outside the timing
        opened = time.perf_counter() - started
        cpu = time.process_time()
        report = sync(project)
        cpu = time.process_time() - cpu
    finally:
        project.close()
    print_report(report, opened, cpu)
    if report.failures or report.errors:
        sys.exit(report.exit_code)


def print_report(report: SyncReport, opened: float, cpu: float) -> None:
    """Rows per type, throughput and peak memory."""
    table = Table("type", "kind", "rows", "seconds", "rows/s")
    for count in report.counts:
        rate = count.rows / count.seconds if count.seconds else 0
        table.add_row(
            count.entity_type, count.kind, f"{count.rows:,}", f"{count.seconds:.1f}", f"{rate:,.0f}"
        )
    generated = bench_shop.BenchShop.generated_seconds
    store_seconds = report.seconds - generated
    console = Console()
    console.print(table)
    console.print(
        f"store opened in {opened:.2f} s; synced {report.rows:,} rows in {report.seconds:.1f} s: "
        f"{report.rows_per_second or 0:,.0f} rows/s end to end, "
        f"{report.rows / store_seconds if store_seconds > 0 else 0:,.0f} rows/s without the "
        f"{generated:.1f} s spent generating them"
    )
    store_cpu = cpu - bench_shop.BenchShop.generated_cpu
    console.print(
        f"CPU time {cpu:.1f} s: {report.rows / cpu:,.0f} rows per CPU-second end to end, "
        f"{report.rows / store_cpu if store_cpu > 0 else 0:,.0f} without generating "
        "(wall-clock rates drop when other processes share the cores)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    console.print(f"peak RSS {peak:.0f} MB")
    for problem in [*report.failures, *report.errors[:10]]:
        console.print(f"error: {problem}", markup=False)


if __name__ == "__main__":
    main()
