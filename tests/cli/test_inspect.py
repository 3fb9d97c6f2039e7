"""`shopctl query` and `shopctl explain` on a small project."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import insert

from shopctl.cli.main import main
from shopctl.project import Project
from shopctl.store.entities import EntityTables

AT = "2026-03-10T12:00:00+08:00"
RULES = """\
- rule: pause-low-roi
  on: ad_group
  when: roi(7d) < 2 and spend(7d) >= 100 and status == "active"
  do:
    - tag("low-roi")
- rule: big-spender
  enabled: false
  on: ad_group
  when: spend(7d) >= 1000
  do:
    - tag("big")
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A project with one rule and a store of three ad groups and two customers."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ads.yaml").write_text(RULES, encoding="utf-8")
    path = tmp_path / "shopctl.yaml"
    path.write_text("store: sqlite:///store.db\ntimezone: Asia/Shanghai\nrules: [rules/]\n")
    project = Project.open(path)
    tables = EntityTables(project.registry)
    week = [date(2026, 3, 10) - timedelta(days=n) for n in range(7)]
    groups = {"low": (100.0, 50.0), "good": (100.0, 500.0), "广告组": (200.0, 10.0)}
    last_order = datetime(2026, 2, 8, 4, 0, tzinfo=UTC)  # 30 days before AT
    with project.engine.begin() as conn:
        conn.execute(
            insert(tables.entity("ad_group")),
            [{"_account": "shop", "id": g, "name": g, "status": "active"} for g in groups],
        )
        conn.execute(
            insert(tables.metrics("ad_group")),
            [
                {"_account": "shop", "id": g, "date": d, "spend": s, "revenue": r}
                for g, (s, r) in groups.items()
                for d in week
            ],
        )
        conn.execute(
            insert(tables.entity("customer")),
            [
                {"_account": "shop", "id": "c1", "name": "张三", "last_order_at": last_order},
                {"_account": "shop", "id": "c2", "name": "Ann", "last_order_at": None},
            ],
        )
    project.close()
    return path


def shopctl(config: Path, *args: str) -> Result:
    """Run the command line on the project."""
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_query_json_lists_matches_with_the_values_read(config: Path) -> None:
    result = shopctl(config, "query", "roi(7d) < 2", "--on", "ad_group", "--at", AT, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["on"] == "ad_group"
    assert data["expression"] == "roi(7d) < 2"
    assert data["count"] == 2
    assert [e["id"] for e in data["entities"]] == ["low", "广告组"]
    low = data["entities"][0]
    assert low["account"] == "shop"
    assert (low["sum:revenue:7"], low["sum:spend:7"]) == (350.0, 700.0)


def test_query_at_moves_now(config: Path) -> None:
    def count(at: str) -> int:
        args = ("days_since(last_order_at) >= 30", "--on", "customer", "--json")
        result = shopctl(config, "query", *args, "--at", at)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["count"]

    assert count(AT) == 1
    assert count("2026-03-10T11:59:59+08:00") == 0


def test_query_prints_a_table_and_the_share(config: Path) -> None:
    result = shopctl(config, "query", 'name == "张三"', "--on", "customer", "--at", AT)
    assert result.exit_code == 0, result.output
    assert "c1" in result.output and "张三" in result.output
    assert "1 of 2 customer match" in result.output


def test_query_limit_shows_fewer_but_counts_all(config: Path) -> None:
    result = shopctl(
        config, "query", "spend(7d) > 0", "--on", "ad_group", "--at", AT, "--json", "--limit", "1"
    )
    data = json.loads(result.output)
    assert (data["count"], len(data["entities"])) == (3, 1)


def test_query_unknown_type_is_invalid_input(config: Path) -> None:
    result = shopctl(config, "query", "roi(7d) < 2", "--on", "ad_grop", "--at", AT)
    assert result.exit_code == 1
    assert "unknown entity type 'ad_grop'; did you mean `ad_group`?" in result.output


def test_query_bad_expression_points_at_it(config: Path) -> None:
    result = shopctl(config, "query", "roi(7d) <", "--on", "ad_group", "--at", AT)
    assert result.exit_code == 1
    assert "<query>:1:" in result.output


def test_query_without_on_is_a_usage_error(config: Path) -> None:
    assert shopctl(config, "query", "roi(7d) < 2").exit_code == 2


def test_explain_json_traces_every_sub_expression(config: Path) -> None:
    result = shopctl(config, "explain", "pause-low-roi", "low", "--at", AT, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["rule"], data["entity"], data["verdict"]) == ("pause-low-roi", "low", "true")
    assert set(data["trace"][0]) == {"path", "text", "value"}
    values = {t["path"]: t["value"] for t in data["trace"]}
    # (roi(7d) < 2 and spend(7d) >= 100) and status == "active"
    assert values["when/0/0/0"] == 0.5
    assert values["when/1"] is True


def test_explain_prints_a_tree_and_the_verdict(config: Path) -> None:
    result = shopctl(config, "explain", "pause-low-roi", "good", "--at", AT)
    assert result.exit_code == 0, result.output
    assert 'status == "active"' in result.output
    assert "verdict: false" in result.output


def test_explain_a_switched_off_rule_too(config: Path) -> None:
    result = shopctl(config, "explain", "big-spender", "广告组", "--at", AT, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["verdict"] == "true"


def test_explain_unknown_rule_suggests_a_name(config: Path) -> None:
    result = shopctl(config, "explain", "pause-low-rio", "low", "--at", AT)
    assert result.exit_code == 1
    assert "unknown rule 'pause-low-rio'; did you mean `pause-low-roi`?" in result.output


def test_explain_unknown_entity_is_invalid_input(config: Path) -> None:
    result = shopctl(config, "explain", "pause-low-roi", "nope", "--at", AT)
    assert result.exit_code == 1
    assert "no ad_group 'nope' in the store" in result.output
