"""The text rule form: every clause, errors per rule, and equality with the YAML form."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from shopctl.errors import Position
from shopctl.rules.ast import ActionCall, Literal
from shopctl.rules.clauses import ParsedRule
from shopctl.rules.model import QuietHours, Schedule
from shopctl.rules.text_form import parse_text_rules
from shopctl.rules.yaml_form import parse_yaml_rules

PLAYBOOK_TEXT = """\
# 广告 / ads
rule pause-low-roi "付费流量ROI低于2需调整投放策略"
  on shop.ad_group
  every 1h
  when roi(7d) < 2 and spend(7d) >= 100 and status == "active"
  do pause, notify(ops, "暂停 {name}: ROI {roi(7d):.2f}")
  limit 20
  max_percent 30%
  cooldown 7d
  tags ["ads", "roi"]

rule winback "沉睡客户召回"
  on customer
  cron "0 10 * * *"
  when days_since(last_order_at) >= 30 and accepts_marketing and tier != "platinum"
  do send_coupon(amount=50, expires=7d, via=sms), message(sms, "{name}，送您50元券")
  quiet_hours "22:00-08:00"
  enabled false

rule weekly-slow on product at "mon 09:00" when sales(7d) == 0 and stock > 0 do tag("slow")
"""

PLAYBOOK_YAML = """\
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
  tags: [ads, roi]
- rule: winback
  description: 沉睡客户召回
  on: customer
  cron: "0 10 * * *"
  when: >-
    days_since(last_order_at) >= 30 and accepts_marketing
    and tier != "platinum"
  do:
    - send_coupon(amount=50, expires=7d, via=sms)
    - 'message(sms, "{name}，送您50元券")'
  quiet_hours: "22:00-08:00"
  enabled: false
- rule: weekly-slow
  on: product
  at: "mon 09:00"
  when: sales(7d) == 0 and stock > 0
  do: [tag("slow")]
"""


def parse(text: str) -> list[ParsedRule]:
    rules, errors = parse_text_rules(text, "r.rules")
    assert errors == []
    return rules


def test_the_same_rules_written_both_ways_give_equal_models() -> None:
    text_rules = [p.rule for p in parse(PLAYBOOK_TEXT)]
    yaml_rules = [p.rule for p in parse_yaml_rules(PLAYBOOK_YAML, "r.yaml")[0]]
    assert None not in text_rules
    assert text_rules == yaml_rules
    assert len(text_rules) == 3


def test_every_clause() -> None:
    first, second, third = (p.rule for p in parse(PLAYBOOK_TEXT))
    assert first is not None and second is not None and third is not None
    assert (first.name, first.description) == ("pause-low-roi", "付费流量ROI低于2需调整投放策略")
    assert (first.account, first.on, first.schedule) == (
        "shop",
        "ad_group",
        Schedule(every=timedelta(hours=1)),
    )
    assert (first.limit, first.max_percent, first.cooldown) == (20, 0.3, timedelta(days=7))
    assert first.tags == ("ads", "roi")
    assert first.do[0] == ActionCall("pause")
    assert second.schedule == Schedule(cron="0 10 * * *")
    assert second.quiet_hours == QuietHours(time(22), time(8))
    assert second.enabled is False
    assert second.do[0].kwargs[0] == ("amount", Literal(50, "number"))
    assert third.schedule == Schedule(at=time(9), weekday="mon")
    assert third.when_text == "sales(7d) == 0 and stock > 0"


def test_positions_are_in_the_file() -> None:
    first = parse(PLAYBOOK_TEXT)[0].rule
    assert first is not None
    assert first.source == Position("r.rules", 2, 1)
    assert first.when.span.start == Position("r.rules", 5, 8)


def test_a_syntax_error_stops_only_its_own_rule() -> None:
    text = (
        "rule a on product when stock < do tag('x')\n"
        "rule b on product when stock < 1 do tag('y')\n"
        "rule c on product whn stock < 1 do tag('z')\n"
    )
    a, b, c = parse(text)
    assert (a.name, a.rule) == ("a", None)
    assert a.errors[0].message == "expected a value after '<', before 'do'"
    assert a.errors[0].position == Position("r.rules", 1, 32)
    assert b.rule is not None and b.errors == []
    assert c.errors[0].message == "unknown clause `whn`; did you mean `when`?"
    assert c.errors[0].position == Position("r.rules", 3, 19)


def test_clause_errors_are_collected_per_rule() -> None:
    (parsed,) = parse('rule a on product every 0m limit 0 at "9" when x do y\n')
    messages = [e.message for e in parsed.errors]
    assert "'every 0m' is too often; the shortest interval is 1m" in messages
    assert "'0' is not a whole number of at least 1" in messages
    assert "a rule has one schedule; `every` is already given" in messages


def test_a_clause_given_twice() -> None:
    (parsed,) = parse("rule a on product limit 1 limit 2 when x do y\n")
    assert parsed.errors[0].message == "`limit` is given twice"
    assert parsed.errors[0].position == Position("r.rules", 1, 33)


def test_text_outside_any_rule() -> None:
    rules, errors = parse_text_rules("# fine\noops\nrule a on x when y do z\n", "r.rules")
    assert errors[0].message == "expected 'rule NAME' to start a rule"
    assert errors[0].position == Position("r.rules", 2, 1)
    assert rules[0].rule is not None


def test_tags_must_be_texts() -> None:
    (parsed,) = parse("rule a on x when y do z tags [1]\n")
    assert parsed.errors[0].message.startswith("tags are a list of texts")


@pytest.mark.parametrize(
    ("clause", "message", "column"),
    [
        ("on ad-group", "unexpected '-'", 8),
        ("every 0m", "the shortest interval is 1m", 9),
        ('cron "0 9 * *"', "a cron schedule has 5 fields", 8),
        ('at "25:00"', "is not a time", 6),
        ("limit 0", "is not a whole number of at least 1", 9),
        ("max_percent 101%", "between 0% and 100%", 15),
        ("cooldown 7x", "expected a duration such as 7d", 12),
        ('quiet_hours "22-08"', "is not a time window", 15),
        ("enabled maybe", "expected 'false' or 'true'", 11),
        ("tags [1]", "tags are a list of texts", 8),
    ],
)
def test_each_bad_clause_is_one_error_at_its_value(clause: str, message: str, column: int) -> None:
    head = "rule r when x do y" if clause.startswith("on ") else "rule r on product when x do y"
    (parsed,) = parse(f"{head}\n  {clause}\n")
    (error,) = parsed.errors
    assert message in error.message
    assert error.position == Position("r.rules", 2, column)
