"""The YAML rule form: every key, and errors at the exact place in the file."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from shopctl.errors import Position
from shopctl.rules.ast import ActionCall, Compare, Hole, Literal, Name, Template
from shopctl.rules.clauses import ParsedRule
from shopctl.rules.model import QuietHours, Schedule
from shopctl.rules.yaml_form import parse_yaml_rules

FULL = """\
- rule: pause-low-roi
  description: 付费流量ROI低于2需调整投放策略
  on: shop.ad_group
  every: 1h
  when: roi(7d) < 2 and spend(7d) >= 100 and status == "active"
  do:
    - pause
    - notify(ops, "暂停 {name}: ROI {roi(7d):.2f}")
  limit: 20
  max_percent: 30%
  cooldown: 7d
  quiet_hours: "22:00-08:00"
  tags: [ads, roi]
  enabled: false
"""


def parse(text: str) -> list[ParsedRule]:
    rules, errors = parse_yaml_rules(text, "r.yaml")
    assert errors == []
    return rules


def only_error(text: str) -> tuple[str, Position]:
    (parsed,) = parse(text)
    assert len(parsed.errors) == 1, parsed.errors
    return parsed.errors[0].message, parsed.errors[0].position


def rule_with(**keys: str) -> str:
    base = {"rule": "r", "on": "product", "when": "stock < 5", "do": "[tag('low')]"}
    base.update(keys)
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in base.items()) + "\n"


def test_every_key_of_the_spec_example() -> None:
    (parsed,) = parse(FULL)
    rule = parsed.rule
    assert rule is not None
    assert (rule.name, rule.account, rule.on) == ("pause-low-roi", "shop", "ad_group")
    assert rule.description == "付费流量ROI低于2需调整投放策略"
    assert rule.schedule == Schedule(every=timedelta(hours=1))
    assert rule.do[0] == ActionCall("pause")
    message = rule.do[1].args[1]
    assert isinstance(message, Template) and message.parts[0] == "暂停 "
    assert (rule.limit, rule.max_percent, rule.cooldown) == (20, 0.3, timedelta(days=7))
    assert rule.quiet_hours == QuietHours(time(22), time(8))
    assert (rule.tags, rule.enabled) == (("ads", "roi"), False)
    assert rule.source == Position("r.yaml", 1, 3)
    assert rule.when_text == 'roi(7d) < 2 and spend(7d) >= 100 and status == "active"'


def test_an_unquoted_message_with_a_colon_is_still_the_call_as_written() -> None:
    (parsed,) = parse(FULL)
    assert parsed.rule is not None
    hole = parsed.rule.do[1].args[1].parts[1]  # type: ignore[attr-defined]
    assert isinstance(hole, Hole) and hole.expr == Name(("name",))
    assert hole.expr.span.start == Position("r.yaml", 8, 24)


@pytest.mark.parametrize(
    ("keys", "schedule"),
    [
        ({"cron": '"0 9 * * mon"'}, Schedule(cron="0 9 * * mon")),
        ({"cron": '"0 9 * * 7"'}, Schedule(cron="0 9 * * 7")),  # crontab: 7 is Sunday
        ({"at": "09:00"}, Schedule(at=time(9))),
        ({"at": "10:30"}, Schedule(at=time(10, 30))),
        ({"at": "mon 09:00"}, Schedule(at=time(9), weekday="mon")),
        ({}, None),
    ],
)
def test_schedules(keys: dict[str, str], schedule: Schedule | None) -> None:
    (parsed,) = parse(rule_with(**keys))
    assert parsed.rule is not None and parsed.rule.schedule == schedule


def test_do_as_one_line_and_max_percent_as_a_number() -> None:
    (parsed,) = parse(rule_with(do="pause, tag('x')", max_percent="30"))
    assert parsed.rule is not None
    assert parsed.rule.do == (ActionCall("pause"), ActionCall("tag", (Literal("x", "text"),)))
    assert parsed.rule.max_percent == 0.3


@pytest.mark.parametrize(
    ("keys", "message", "where"),
    [
        ({"whn": "x"}, "unknown key `whn`; did you mean `when`?", (5, 3)),
        ({"every": "30s"}, "'30s' is not a duration", (5, 10)),
        ({"every": "0m"}, "the shortest interval is 1m", (5, 10)),
        ({"cron": '"0 9 * *"'}, "a cron schedule has 5 fields", (5, 9)),
        ({"cron": '"0 25 * * *"'}, "invalid cron schedule", (5, 9)),
        ({"cron": '"0 9 * * 8"'}, "outside 0-7", (5, 9)),
        ({"at": "25:00"}, "is not a time", (5, 7)),
        ({"limit": "0"}, "is not a whole number of at least 1", (5, 10)),
        ({"limit": "many"}, "is not a whole number of at least 1", (5, 10)),
        ({"max_percent": "150%"}, "between 0% and 100%", (5, 16)),
        ({"cooldown": "7days"}, "is not a duration", (5, 13)),
        ({"quiet_hours": "22-08"}, "is not a time window", (5, 16)),
        ({"enabled": "maybe"}, "is not true or false", (5, 12)),
        ({"tags": "{a: b}"}, "tags are a list", (5, 9)),
        ({"on": "ad-group"}, "is not an entity type", (2, 7)),
        ({"rule": "bad name!"}, "is not a rule name", (1, 9)),
        ({"when": "roi(7d) <"}, "expected a value after '<'", (3, 18)),
        ({"do": "[]"}, "`do` is a list of actions", (4, 7)),
        ({"when": "[1]"}, "`when` needs a single value", (3, 9)),
    ],
)
def test_each_bad_key_is_one_error_at_its_value(
    keys: dict[str, str], message: str, where: tuple[int, int]
) -> None:
    found, position = only_error(rule_with(**keys))
    assert message in found
    assert (position.line, position.column) == where


def test_two_schedules_and_missing_keys() -> None:
    found, position = only_error(rule_with(every="1h", cron='"0 9 * * *"'))
    assert found == "a rule has one schedule; `every` is already given"
    assert position.line == 6
    (parsed,) = parse("- rule: r\n  on: product\n")
    assert [e.message for e in parsed.errors] == ["rule `r` has no `when`", "rule `r` has no `do`"]


def test_errors_inside_quoted_and_folded_when_point_into_the_file() -> None:
    quoted = rule_with(when="'stock < 5 and\n    name == ''a'' and'")
    found, position = only_error(quoted)
    assert "expected a value after 'and'" in found
    assert (position.line, position.column) == (4, 22)  # the closing quote
    folded = (
        "- rule: r\n  on: product\n  do: [pause]\n  when: >\n    stock < 5 and\n    stock >> 1\n"
    )
    found, position = only_error(folded)
    assert (position.line, position.column) == (6, 12)


def test_a_rule_that_is_not_a_mapping_and_a_file_that_is_not_a_list() -> None:
    (parsed,) = parse("- just text\n")
    assert parsed.errors[0].message.startswith("each rule is a mapping")
    rules, errors = parse_yaml_rules("rule: x\n", "r.yaml")
    assert rules == [] and errors[0].message.startswith("a rule file is a list of rules")


def test_the_condition_keeps_its_tree() -> None:
    (parsed,) = parse(rule_with(when='region in ["新疆", "西藏"]'))
    assert parsed.rule is not None
    assert parsed.rule.when == Compare(
        "in",
        Name(("region",)),
        parsed.rule.when.right,  # type: ignore[attr-defined]
    )


def test_a_flow_list_of_actions_keeps_commas_inside_calls() -> None:
    (parsed,) = parse(
        "- rule: r\n  on: customer\n  when: points > 0\n"
        "  do: [send_coupon(amount=50, expires=7d), tag('vip')]\n"
    )
    assert parsed.errors == []
    assert parsed.rule is not None
    coupon, tag = parsed.rule.do
    assert [name for name, _ in coupon.kwargs] == ["amount", "expires"]
    assert tag == ActionCall("tag", (Literal("vip", "text"),))
    assert coupon.span.start == Position("r.yaml", 4, 8)
