"""What an operator reads at 80 columns: `plan`, `run`, `history`, `actions`, `status`,
`query` run as real processes on the demo shop, as a user would run them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from shopctl.cli.main import main

WIDTH = 80
RULES = (
    "pause-low-roi",
    "raise-bid-high-roi",
    "raise-budget-for-winners",
    "win-back-coupon",
    "repurchase-coupon",
    "points-expiry-reminder",
    "tier-upgrade",
    "refresh-slow-sellers",
    "low-stock-alert",
    "unshipped-orders",
    "reply-bad-reviews",
)
ADS_RULES = RULES[:3]


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`shopctl init demo` once for the module."""
    root = tmp_path_factory.mktemp("output")
    result = CliRunner().invoke(main, ["init", str(root / "demo")])
    assert result.exit_code == 0, result.output
    return root / "demo"


@pytest.fixture(scope="module")
def acted(initialised: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo project after one `run --all` (shared: the tests using it only read)."""
    copy = tmp_path_factory.mktemp("acted") / "demo"
    shutil.copytree(initialised, copy)
    assert shopctl(copy, "run", "--all", "--no-sync").returncode == 0
    return copy


@pytest.fixture
def demo(initialised: Path, tmp_path: Path) -> Path:
    """A fresh copy of the initialised demo project."""
    copy = tmp_path / "demo"
    shutil.copytree(initialised, copy)
    return copy


def shopctl(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`shopctl ARGS` in a process of its own, in a terminal 80 columns wide."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "LINES": "50"}
    return subprocess.run(
        [sys.executable, "-m", "shopctl", "--config", str(project / "shopctl.yaml"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def lines_fit(text: str) -> list[str]:
    """The lines of `text`, after checking each fits in 80 terminal cells."""
    lines = text.splitlines()
    too_wide = [line for line in lines if cell_len(line) > WIDTH]
    assert not too_wide, "\n".join(too_wide)
    return lines


def whole_rule_names(text: str, names: tuple[str, ...] = RULES) -> None:
    """Every rule name appears whole; nothing is cut with an ellipsis mid-word."""
    for name in names:
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text), name
    assert not re.search(r"\w…", text), text


def test_plan_at_80_columns_is_one_line_per_action_and_ends_with_a_summary(demo: Path) -> None:
    result = shopctl(demo, "plan")
    assert result.returncode == 0, result.stderr
    lines = lines_fit(result.stdout)
    whole_rule_names(result.stdout)
    assert len(lines) < 50  # 271 planned actions, grouped per rule and action
    assert "  send_coupon ×106: C00003, C00005," in result.stdout
    assert re.search(r"… and \d+ more", result.stdout)
    assert lines[-1] == "11 rules: 11 would_act; 271 actions planned, 2 entities skipped"
    assert not re.search(r"\bacted\b", result.stdout)  # plan changes nothing


def test_plan_verbose_lists_every_action_with_durations_as_written(demo: Path) -> None:
    result = shopctl(demo, "plan", "win-back-coupon", "--verbose")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('send_coupon(amount=20, expires=7d, via="sms")') == 106
    assert "604800" not in result.stdout
    plan = json.loads(shopctl(demo, "plan", "win-back-coupon", "--json").stdout)
    # JSON keeps machine values: seconds, as before.
    assert plan["rules"][0]["actions"][0]["args"]["expires"] == 604800


def test_plan_says_all_skipped_when_guards_hold_back_every_match(acted: Path) -> None:
    result = shopctl(acted, "plan", *ADS_RULES)
    assert result.returncode == 0, result.stderr
    assert "pause-low-roi on ad_group  all_skipped  14 matched, 14 skipped\n" in result.stdout
    assert "  skipped (cooldown) ×14: AG008, AG016," in result.stdout
    assert "no_match" not in result.stdout
    data = json.loads(shopctl(acted, "plan", *ADS_RULES, "--json").stdout)
    assert {r["outcome"] for r in data["rules"]} == {"all_skipped"}


def test_run_prints_each_rule_with_a_summary_and_a_second_run_is_all_skipped(demo: Path) -> None:
    first = shopctl(demo, "run", *ADS_RULES, "--no-sync")
    assert first.returncode == 0, first.stderr
    lines = lines_fit(first.stdout)
    assert lines[0].startswith("pause-low-roi on ad_group  run 1  acted  14 matched, 28 actions")
    assert "  pause done ×14: AG008," in first.stdout
    assert lines[-1] == "3 rules: 3 acted; actions: 58 done"
    again = shopctl(demo, "run", *ADS_RULES, "--no-sync")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "3 rules: 3 all_skipped; actions: none"


def test_history_fits_80_columns_counts_entities_and_ends_with_a_summary(acted: Path) -> None:
    result = shopctl(acted, "history")
    assert result.returncode == 0, result.stderr
    lines = lines_fit(result.stdout)
    whole_rule_names(result.stdout)
    assert re.search(
        r"^\s*1\s+pause-low-roi\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+acted\s+14\b", result.stdout, re.M
    )
    assert lines[-1].startswith("11 runs: 10 acted, 1 all_skipped; ")
    runs = {r["rule"]: r for r in json.loads(shopctl(acted, "history", "--json").stdout)["runs"]}
    # 28 actions (pause and notify) on 14 ad groups: 14 acted on.
    assert (runs["pause-low-roi"]["matched"], runs["pause-low-roi"]["acted"]) == (14, 14)


def test_actions_is_one_line_per_action_and_verbose_tells_the_whole_story(acted: Path) -> None:
    result = shopctl(acted, "actions", "--limit", "10")
    assert result.returncode == 0, result.stderr
    lines = lines_fit(result.stdout)
    assert len([line for line in lines if re.match(r"^\s*\d+\s+\d+\s+\S", line)]) == 10
    assert re.fullmatch(r"\(hidden to fit 80 columns: .*detail; --verbose has them\)", lines[-2])
    assert lines[-1] == "10 actions: 10 done (the newest; --limit for more)"
    coupons = json.loads(shopctl(acted, "actions", "--limit", "300", "--json").stdout)["actions"]
    run = next(a["run_id"] for a in coupons if a["rule"] == "win-back-coupon")
    verbose = shopctl(acted, "actions", "--run", str(run), "--limit", "1", "--verbose")
    assert 'args: amount=20, expires=7d, via="sms"' in verbose.stdout
    lines_fit(verbose.stdout)


def test_status_shows_last_runs_as_times_in_the_zone(acted: Path) -> None:
    result = shopctl(acted, "status")
    assert result.returncode == 0, result.stderr
    lines_fit(result.stdout)
    whole_rule_names(result.stdout)
    row = next(line for line in result.stdout.splitlines() if line.startswith("tier-upgrade"))
    # next run, then last run: both local times to the minute, no slot, no `-`
    assert re.fullmatch(r"tier-upgrade\s+(\d{4}-\d\d-\d\d \d\d:\d\d\s+){2}acted\s*", row), row
    assert result.stdout.splitlines()[-1] == "11 scheduled rules; 0 recent failures, 0 missed runs"


def test_query_shows_times_in_the_configured_zone_without_microseconds(demo: Path) -> None:
    result = shopctl(demo, "query", "days_since(last_order_at) > 90", "--on", "customer")
    assert result.returncode == 0, result.stderr
    lines_fit(result.stdout)
    data = json.loads(
        shopctl(
            demo, "query", "days_since(last_order_at) > 90", "--on", "customer", "--json"
        ).stdout
    )
    first = data["entities"][0]
    local = datetime.fromisoformat(first["last_order_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert re.search(rf"{first['id']}\s+shop\s+{local:%Y-%m-%d %H:%M:%S}\s*$", result.stdout, re.M)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", result.stdout)  # no microseconds


# --- rules that cannot run (issue 17, item 6) ---


def break_with_a_tab(project: Path) -> None:
    """A tab where YAML wants spaces: the whole of ads.yaml can no longer be read."""
    path = project / "rules" / "ads.yaml"
    path.write_text(path.read_text().replace("  cooldown: 7d", "  cooldown:\t7d", 1))


def test_run_all_lists_the_rules_of_an_unreadable_file_and_exits_1(demo: Path) -> None:
    break_with_a_tab(demo)
    result = shopctl(demo, "run", "--all", "--no-sync", "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert len(data["rules"]) == 8
    assert [d["rule"] for d in data["disabled"]] == list(ADS_RULES)
    assert all("ads.yaml:14:" in d["reason"] and "tab" in d["reason"] for d in data["disabled"])
    human = shopctl(demo, "run", "--all", "--no-sync", "--dry-run")
    assert human.returncode == 1, human.stderr
    assert "pause-low-roi: not run: " in human.stdout and "a tab character" in human.stdout
    assert human.stdout.splitlines()[-1].endswith("; 3 not run")


def test_plan_lists_rules_that_cannot_run_and_exits_1(demo: Path) -> None:
    break_with_a_tab(demo)
    result = shopctl(demo, "plan")
    assert result.returncode == 1
    assert "raise-bid-high-roi: not run: " in result.stdout
    data = json.loads(shopctl(demo, "plan", "--json").stdout)
    assert [d["rule"] for d in data["disabled"]] == list(ADS_RULES)


def test_a_rule_switched_off_is_listed_but_does_not_fail_run_all(demo: Path) -> None:
    path = demo / "rules" / "ads.yaml"
    path.write_text(
        path.read_text().replace("  cooldown: 7d", "  cooldown: 7d\n  enabled: false", 1)
    )
    result = shopctl(demo, "run", "--all", "--no-sync", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["disabled"] == [
        {"rule": "pause-low-roi", "reason": "enabled: false"}
    ]
    assert shopctl(demo, "run", "pause-low-roi", "--no-sync").returncode == 1  # asked by name


def test_status_lists_broken_rules_with_their_reason(demo: Path) -> None:
    break_with_a_tab(demo)
    result = shopctl(demo, "status")
    assert result.returncode == 0, result.stderr
    lines_fit(result.stdout)
    assert "Rules that cannot run" in result.stdout
    assert re.search(r"^raise-budget-for-winners\s+/\S", result.stdout, re.M)  # its reason
    assert (
        result.stdout.splitlines()[-1]
        == "8 scheduled rules, 3 cannot run; 0 recent failures, 0 missed runs"
    )
    broken = json.loads(shopctl(demo, "status", "--json").stdout)["broken"]
    assert [b["rule"] for b in broken] == sorted(ADS_RULES)
    assert all("ads.yaml:14:12: error: invalid YAML: a tab" in b["reason"] for b in broken)


# --- failures say why ---


class Refusing(BaseHTTPRequestHandler):
    """A webhook that refuses every message with 400: a permanent failure, not retried."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"bad robot key"
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_failing_channel_says_why_on_the_rule_line_and_in_status(
    demo: Path, refusing_webhook: str
) -> None:
    config = demo / "shopctl.yaml"
    text, count = re.subn(
        r"^  ops:.*\n    plugin: console\n    stream: stderr.*\n",
        f"  ops:\n    plugin: webhook\n    url: {refusing_webhook}\n",
        config.read_text(),
        flags=re.M,
    )
    assert count == 1
    config.write_text(text)
    result = shopctl(demo, "run", "low-stock-alert", "--no-sync")
    assert result.returncode == 3, result.stderr
    header = " ".join(result.stdout.split("\n  notify")[0].split())  # as one line, unwrapped
    assert header.startswith("low-stock-alert on product run 1 failed 4 matched, 4 actions")
    assert "— 4 failed: notify P0007: PermanentError: channel ops: HTTP 400 from" in header
    assert result.stdout.splitlines()[-1] == "1 rule: 1 failed; actions: 4 failed"
    data = json.loads(shopctl(demo, "run", "unshipped-orders", "--no-sync", "--json").stdout)
    assert all("400" in a["error"] for a in data["rules"][0]["actions"])
    ledger = shopctl(demo, "actions")
    lines_fit(ledger.stdout)
    assert re.search(r"^\d+ failed: PermanentError: channel ops: HTTP 400", ledger.stdout, re.M)
    assert ledger.stdout.splitlines()[-1] == "11 actions: 11 failed"
    status = shopctl(demo, "status")
    lines_fit(status.stdout)
    failures = json.loads(shopctl(demo, "status", "--json").stdout)["failures"]
    assert [f["rule"] for f in failures] == ["unshipped-orders", "low-stock-alert"]
    assert all(f["error"].startswith("notify ") and "400" in f["error"] for f in failures)
    assert re.search(
        r"^\s*1\s+low-stock-alert\s+failed\s+\S+ \S+\s+notify P0007:", status.stdout, re.M
    )
