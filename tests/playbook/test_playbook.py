"""The shipped playbook: every rule loads, checks and compiles against the core's types."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopctl.plugins import load_plugins
from shopctl.rules.loader import RuleSet, load_rules

PLAYBOOK = Path(__file__).resolve().parents[2] / "rules"
CHANNELS = {"ops", "sms"}  # the channels of the example shopctl.yaml


@pytest.fixture(scope="module")
def playbook() -> RuleSet:
    """The playbook loaded as a project loads it."""
    return load_rules([PLAYBOOK], load_plugins().registry, CHANNELS)


def test_every_playbook_rule_loads_without_error(playbook: RuleSet) -> None:
    assert [str(e) for e in playbook.errors] == []
    assert playbook.disabled == {}
    assert len(playbook.compiled) >= 10


def test_the_playbook_covers_the_operating_manual(playbook: RuleSet) -> None:
    used = {(r.on, call.name) for r in playbook.rules.values() for call in r.do}
    for expected in [
        ("ad_group", "pause"),
        ("ad_group", "set_bid"),
        ("product", "refresh_title"),
        ("customer", "send_coupon"),
        ("customer", "message"),
        ("customer", "tag"),
        ("product", "notify"),
        ("order", "notify"),
        ("review", "reply_review"),
    ]:
        assert expected in used, expected


def test_every_rule_is_scheduled_guarded_and_described_in_chinese(playbook: RuleSet) -> None:
    for rule in playbook.rules.values():
        assert rule.schedule is not None, rule.name
        assert rule.cooldown is not None, rule.name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.description), rule.name


def test_both_rule_forms_ship(playbook: RuleSet) -> None:
    assert {p.suffix for p in playbook.files} == {".yaml", ".rules"}


def test_the_title_refresh_runs_weekly_on_monday_morning(playbook: RuleSet) -> None:
    schedule = playbook.rules["refresh-slow-sellers"].schedule
    assert schedule is not None
    assert (schedule.weekday, f"{schedule.at:%H:%M}") == ("mon", "09:00")
