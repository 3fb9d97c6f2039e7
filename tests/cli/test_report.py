"""`shopctl report` on the demo shop: the HTML file, the summary, `--json`, `--at`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from shopctl.cli.main import main
from shopctl.engine.kpi import LABELS

TOP_KEYS = {
    "path",
    "period",
    "at",
    "timezone",
    "current",
    "previous",
    "kpis",
    "low_stock_products",
    "top_products",
    "worst_ad_groups",
    "runs",
    "actions",
    "daily",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`shopctl init` once for the module: the demo shop synced into a store; its config."""
    root = tmp_path_factory.mktemp("report") / "demo"
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root / "shopctl.yaml"


def shopctl(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def test_weekly_report_writes_the_html_next_to_the_config_and_prints_a_summary(
    demo: Path,
) -> None:
    result = shopctl(demo, "report", "weekly")
    assert result.exit_code == 0, result.output
    written = sorted(demo.parent.glob("report-weekly-*.html"))
    assert len(written) == 1
    assert f"wrote {written[0]}" in result.output
    assert "销售额 Revenue" in result.output and "投产比 ROI" in result.output
    page = written[0].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "周复盘 Weekly review" in page


def test_json_has_stable_keys_and_the_demo_shop_has_sales(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "月报.html"
    data = as_json(shopctl(demo, "report", "monthly", "--json", "--out", str(out)))
    assert set(data) == TOP_KEYS
    assert data["path"] == str(out) and out.exists()
    assert data["period"] == "monthly" and data["timezone"] == "Asia/Shanghai"
    assert set(data["kpis"]) == set(LABELS)
    assert data["kpis"]["revenue"]["value"] > 0 and data["kpis"]["orders"]["value"] > 0
    assert 0 < len(data["top_products"]) <= 10 and len(data["daily"]) == 30
    assert all(g["spend"] >= 100 for g in data["worst_ad_groups"])
    assert all(p["stock"] < 10 for p in data["low_stock_products"])


def test_at_sets_the_period_in_the_configured_zone(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = shopctl(demo, "report", "--at", "2026-03-29T00:30", "--json", "--out", str(out))
    data = as_json(result)
    assert data["period"] == "daily"  # the default
    assert data["at"] == "2026-03-28T16:30:00+00:00"
    assert data["current"] == {"first": "2026-03-28", "last": "2026-03-28"}
    assert data["previous"] == {"first": "2026-03-27", "last": "2026-03-27"}


def test_bad_input_exits_non_zero_with_a_message(demo: Path, tmp_path: Path) -> None:
    unknown = shopctl(demo, "report", "yearly")
    assert unknown.exit_code == 2 and "yearly" in unknown.output
    missing = tmp_path / "no-such-folder" / "r.html"
    unwritable = shopctl(demo, "report", "--out", str(missing))
    assert unwritable.exit_code == 1
    assert "cannot write the report" in unwritable.output
    bad_at = shopctl(demo, "report", "--at", "yesterday")
    assert bad_at.exit_code == 2 and "ISO 8601" in bad_at.output
