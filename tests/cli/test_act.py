"""`shopctl plan`, `run`, `history`, `actions`, `undo` on the demo shop and the playbook."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from shopctl.cli.main import main

PLAN_KEYS = {"rule", "on", "outcome", "matched", "actions", "skipped"}
BAD_BID = """\
- rule: zero-bid
  on: ad_group
  when: status == "active" and bid > 0
  do:
    - set_bid(0)
  limit: 1
  max_percent: 100%
"""
BROKEN = """\
- rule: broken
  on: ad_group
  when: roii(7d) < 2
  do: [pause]
"""


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`shopctl init demo` once for the module: config, playbook, synced store."""
    root = tmp_path_factory.mktemp("act")
    result = CliRunner().invoke(main, ["init", str(root / "demo")])
    assert result.exit_code == 0, result.output
    return root / "demo"


@pytest.fixture
def demo(initialised: Path, tmp_path: Path) -> Path:
    """A fresh copy of the initialised demo project; its config file."""
    copy = tmp_path / "demo"
    shutil.copytree(initialised, copy)
    return copy / "shopctl.yaml"


def shopctl(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def as_json(result: Result) -> Any:
    return json.loads(result.stdout[result.stdout.index("{") :])


def test_readme_first_command_acts_and_a_second_run_does_not_repeat_it(demo: Path) -> None:
    first = shopctl(demo, "run", "--all")
    assert first.exit_code == 0, first.output
    assert "pause-low-roi on ad_group" in first.output and "acted" in first.output
    once = as_json(shopctl(demo, "history", "--json"))["runs"]
    assert {r["outcome"] for r in once} <= {"acted", "all_skipped", "no_match"}
    second = as_json(shopctl(demo, "run", "--all", "--json"))
    done_before = {
        (a["rule"], a["entity_id"], a["action"])
        for a in as_json(shopctl(demo, "actions", "--limit", "10000", "--json"))["actions"]
        if a["run_id"] in {r["id"] for r in once}
    }
    again = {
        (rule["rule"], a["entity"], a["action"])
        for rule in second["rules"]
        for a in rule["actions"]
    }
    assert done_before and not done_before & again  # nothing acted on twice
    pause = next(r for r in second["rules"] if r["rule"] == "pause-low-roi")
    assert pause["actions"] == []
    assert {s["reason"][:14] for s in pause["skipped"]} <= {"cooldown until"}


def test_plan_shows_what_would_happen_and_changes_nothing(demo: Path) -> None:
    result = shopctl(demo, "plan", "pause-low-roi", "--json")
    assert result.exit_code == 0, result.output
    (plan,) = as_json(result)["rules"]
    assert set(plan) == PLAN_KEYS and plan["on"] == "ad_group"
    assert plan["outcome"] == "would_act" and plan["matched"]
    assert {tuple(sorted(a)) for a in plan["actions"]} == {("action", "args", "entity")}
    assert {a["action"] for a in plan["actions"]} == {"pause", "notify"}
    assert as_json(shopctl(demo, "history", "--json")) == {"runs": []}
    assert as_json(shopctl(demo, "actions", "--json")) == {"actions": []}


def test_run_json_adds_the_run_id_and_each_action_status(demo: Path) -> None:
    result = shopctl(demo, "run", "pause-low-roi", "--json", "--no-sync")
    assert result.exit_code == 0, result.output
    (run,) = as_json(result)["rules"]
    assert set(run) == PLAN_KEYS | {"run"}
    assert {a["status"] for a in run["actions"]} == {"done"}
    (listed,) = as_json(shopctl(demo, "history", "--rule", "pause-low-roi", "--json"))["runs"]
    assert (listed["id"], listed["outcome"]) == (run["run"], "acted")
    ledger = as_json(shopctl(demo, "actions", "--run", str(run["run"]), "--json"))["actions"]
    assert [(a["entity_id"], a["action"]) for a in ledger] == [
        (a["entity"], a["action"]) for a in run["actions"]
    ]


def test_undo_reverses_a_run_once(demo: Path) -> None:
    run = as_json(shopctl(demo, "run", "pause-low-roi", "--json", "--no-sync"))["rules"][0]
    pauses = sum(1 for a in run["actions"] if a["action"] == "pause")
    result = shopctl(demo, "undo", str(run["run"]), "--json")
    assert result.exit_code == 0, result.output
    undone = as_json(result)
    assert (undone["run"], len(undone["undone"]), undone["failed"]) == (run["run"], pauses, [])
    assert len(undone["irreversible"]) == pauses  # the notifications
    assert as_json(shopctl(demo, "undo", str(run["run"]), "--json"))["undone"] == []
    statuses = {a["status"] for a in as_json(shopctl(demo, "actions", "--json"))["actions"]}
    assert statuses == {"undone", "done"}


def test_dry_run_records_the_run_but_acts_on_nothing(demo: Path) -> None:
    run = as_json(shopctl(demo, "run", "pause-low-roi", "--dry-run", "--no-sync", "--json"))
    (rule,) = run["rules"]
    assert rule["outcome"] == "dry_run" and {a["status"] for a in rule["actions"]} == {"planned"}
    assert as_json(shopctl(demo, "actions", "--json")) == {"actions": []}


def test_a_failed_action_exits_3(demo: Path) -> None:
    (demo.parent / "rules" / "zero.yaml").write_text(BAD_BID, encoding="utf-8")
    result = shopctl(demo, "run", "zero-bid", "--no-sync", "--json")
    assert result.exit_code == 3
    (rule,) = as_json(result)["rules"]
    assert rule["outcome"] == "failed" and rule["actions"][0]["status"] == "failed"


def test_a_broken_rule_file_is_reported_and_the_rest_still_run(demo: Path) -> None:
    (demo.parent / "rules" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    result = shopctl(demo, "run", "--all", "--no-sync", "--json")
    assert result.exit_code == 1
    data = as_json(result)
    assert [d["rule"] for d in data["disabled"]] == ["broken"]
    assert "roii" in data["disabled"][0]["reason"]
    assert "pause-low-roi" in {r["rule"] for r in data["rules"]}


def test_unknown_names_and_missing_arguments_are_input_errors(demo: Path) -> None:
    unknown = shopctl(demo, "plan", "pause-low-rio")
    assert unknown.exit_code == 1 and "did you mean `pause-low-roi`" in unknown.output
    assert shopctl(demo, "run").exit_code == 2
    assert shopctl(demo, "undo", "999").exit_code == 1
    assert shopctl(demo, "actions", "--run", "999").exit_code == 1
    assert shopctl(demo, "history", "--since", "soon").exit_code == 2


def test_messages_deferred_at_night_go_out_with_the_next_run(demo: Path) -> None:
    # The demo shop was generated at `init` from the wall clock: stay on its days.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    night, morning = f"{today}T23:00", f"{today + timedelta(days=1)}T09:00"
    deferred = as_json(
        shopctl(demo, "run", "win-back-coupon", "--no-sync", "--json", "--at", night)
    )
    (rule,) = deferred["rules"]
    assert rule["actions"] and {a["status"] for a in rule["actions"]} == {"deferred"}
    later = shopctl(demo, "run", "low-stock-alert", "--no-sync", "--json", "--at", morning)
    assert later.exit_code == 0, later.output
    assert as_json(later)["earlier"] == {"done": len(rule["actions"])}
