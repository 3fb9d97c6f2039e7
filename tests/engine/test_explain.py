"""Explaining one entity: every sub-expression's value and the verdict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from shopctl.config import build_config
from shopctl.engine.explain import explain
from shopctl.errors import ShopctlError
from shopctl.project import Project
from shopctl.rules.compiled import CompiledRule, EvalContext
from shopctl.rules.compiler import check_and_compile
from shopctl.rules.model import Rule
from shopctl.rules.parser import parse_action, parse_expression
from shopctl.store.entities import EntityTables

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
CTX = EvalContext(NOW, ZoneInfo("Asia/Shanghai"))
WHEN = 'roi(7d) < 2 and spend(7d) >= 100 and status == "active"'


@pytest.fixture
def project(store_url: str, tmp_path: Path) -> Iterator[Project]:
    """A project whose store holds a low-ROI, a good and a never-spending ad group."""
    config = build_config({"store": store_url, "timezone": "Asia/Shanghai"}, tmp_path / "x.yaml")
    project = Project(config)
    tables = EntityTables(project.registry)
    week = [date(2026, 3, 10) - timedelta(days=n) for n in range(7)]
    spend = {"low": (100.0, 50.0), "good": (100.0, 500.0), "free": (0.0, 10.0)}
    with project.engine.begin() as conn:
        conn.execute(
            insert(tables.entity("ad_group")),
            [
                {"_account": account, "id": gid, "name": gid, "status": "active"}
                for gid in spend
                for account in ("shop", *(("other",) if gid == "low" else ()))
            ],
        )
        conn.execute(
            insert(tables.metrics("ad_group")),
            [
                {"_account": "shop", "id": gid, "date": d, "spend": s, "revenue": r}
                for gid, (s, r) in spend.items()
                for d in week
            ],
        )
    yield project
    project.close()


@pytest.fixture
def rule(project: Project) -> CompiledRule:
    """The playbook's low-ROI pause, tagging instead of pausing."""
    rule = Rule(
        "pause-low-roi",
        "ad_group",
        parse_expression(WHEN),
        (parse_action('tag("low-roi")'),),
        when_text=WHEN,
    )
    return check_and_compile(rule, project.registry, set())


def test_a_matching_entity_is_true_with_every_value(project: Project, rule: CompiledRule) -> None:
    result = explain(project, rule, "good", CTX, account="shop")
    assert (result.rule, result.entity.id, result.verdict) == ("pause-low-roi", "good", "false")
    low = explain(project, rule, "low", CTX, account="shop")
    assert low.verdict == "true"
    values = {item.path: item.value for item in low.trace}
    # (roi(7d) < 2 and spend(7d) >= 100) and status == "active"
    assert values["when/0/0"] is True
    assert values["when/0/0/0"] == pytest.approx(0.5)
    assert values["when/0/1/0"] == 700.0
    assert values["when/1"] is True
    assert low.trace[0].path == "when"
    assert all(item.path.startswith("when") for item in low.trace)


def test_an_entity_without_spend_is_unknown_not_true(project: Project) -> None:
    rule = Rule("roi", "ad_group", parse_expression("roi(7d) < 2"), (), when_text="roi(7d) < 2")
    compiled = check_and_compile(rule, project.registry, set())
    result = explain(project, compiled, "free", CTX)
    assert result.verdict == "unknown"
    assert [(i.path, i.value) for i in result.trace][:2] == [("when", None), ("when/0", None)]
    assert result.entity.row["sum:spend:7"] == 0


def test_the_entity_must_be_one_entity_in_the_store(project: Project, rule: CompiledRule) -> None:
    with pytest.raises(ShopctlError, match="no ad_group 'nope' in the store"):
        explain(project, rule, "nope", CTX)
    with pytest.raises(ShopctlError, match=r"several accounts \(other, shop\).*--account"):
        explain(project, rule, "low", CTX)
    assert explain(project, rule, "low", CTX, account="other").verdict == "false"
