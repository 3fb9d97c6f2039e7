"""Fuzzing the front end: random and mutated rule files, expressions and configs.

The only acceptable outcome of any input is a parsed result or RuleError/ConfigError
with a position; never another exception, never a hang. Seeded, so a failure repeats.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shopctl.config import load_config
from shopctl.diagnostics import SourceLines, render
from shopctl.errors import ConfigError, ConfigErrors, RuleError, SourceError
from shopctl.plugins import load_plugins
from shopctl.registry import Registry
from shopctl.rules.loader import load_rules
from shopctl.rules.parser import parse_actions, parse_expression, parse_template
from shopctl.rules.text_form import parse_text_rules
from shopctl.rules.yaml_form import parse_yaml_rules

YAML_SEEDS = [
    """\
- rule: pause-low-roi
  description: 付费流量ROI低于2需调整投放策略
  on: ad_group
  every: 1h
  when: roi(7d) < 2 and spend(7d) >= 100 and status == "active"
  do:
    - notify(ops, "暂停 {name}: ROI {roi(7d):.2f}")
  limit: 20
  cooldown: 7d
""",
    """\
- rule: winback
  on: customer
  cron: "0 10 * * mon"
  when: >-
    days_since(last_order_at) >= 30 and accepts_marketing
    and region not in ['新疆', "西藏"] and tier is not null
  do: [tag("winback"), 'message(ops, "{name}，{points:,d} 积分")']
  quiet_hours: "22:00-08:00"
  max_percent: 30%
  tags: [crm]
""",
]
TEXT_SEEDS = [
    """\
# 商品
rule slow "慢销" on product at "mon 09:00"
  when sales(7d) == 0 and stock between 1 and 100 and title matches "^新品"
  do tag("slow"), notify(ops, "{title}: {{库存}} {stock:>6}")
  limit 10 enabled false tags ["goods"]
""",
]
EXPRESSION_SEEDS = [
    'roi(7d) < 2 and not (spend(7d) >= 100 or status != "active")',
    "-(price * 0.9 + cost % 3) / 15% between -1 and 2.5",
    'customer.tier in ["gold", "platinum"] and days_until(points_expire_at) <= 3',
    "coalesce(lower(title), 'x') contains \"新\" and listed_at is null",
]
TEMPLATE_SEEDS = ["暂停 {name}: ROI {roi(7d):.2f}", "{{x}} {a + 1:>8,} {lower('A')}"]
CONFIG_SEED = """\
store: sqlite:///shopctl.db
timezone: Asia/Shanghai
rules: [rules/]
accounts:
  shop: {plugin: demo, seed: 42}
channels:
  sms: {plugin: webhook, url: "https://x", token: "${SHOPCTL_FUZZ_UNSET}"}
alerts: sms
defaults: {limit: 100, quiet_hours: "22:00-08:00", caps: {per_day: 1}}
"""
# Pieces that stress lexers and YAML: quotes, brackets, escapes, tabs, BOM, CRLF,
# anchors, tags, operators, CJK, control characters and lone surrogates.
PIECES = [*'"\'{}[]()\\:,-#&*!%|>=<.\t\n\r ', "\ufeff", "\r\n", "{{", "}}", "&a ", "*a",
          "!!python/object:os.system ", "not ", " and ", " or ", " is null", "__class__",
          "{0.__class__}", "7d", "15%", "1e999", "9" * 30, "新疆", "\x00", "\x1b[31m",
          "\ud800", "\u3000", "rule ", " when ", " do ", "---\n", "? ", "<<: "]  # fmt: skip
CASES = {"expression": 4000, "actions": 1000, "template": 1000, "yaml": 2500, "text": 1500}


def mutate(rng: random.Random, text: str) -> str:
    """Apply one to four random edits."""
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(text))
        choice = rng.random()
        if choice < 0.35:
            text = text[:at] + rng.choice(PIECES) + text[at:]
        elif choice < 0.55:
            text = text[:at] + text[at + rng.randint(1, 8) :]
        elif choice < 0.7:
            text = text[:at] + chr(rng.randint(1, 0x2FFFF)) + text[at + 1 :]
        elif choice < 0.8:
            end = min(len(text), at + rng.randint(1, 40))
            text = text[:at] + text[at:end] * rng.randint(2, 5) + text[at:]
        elif choice < 0.9:
            text = text[:at]
        else:
            text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
    return text


def extremes() -> Iterator[str]:
    """Deep nesting, huge literals and friends, as expressions."""
    yield "(" * 1000 + "a" + ")" * 1000
    yield "(" * 1000 + "a"
    yield "not " * 1000 + "a"
    yield "-" * 1000 + "a"
    yield "[" * 1000 + "]" * 1000
    yield "f(" * 1000 + ")" * 1000
    yield " and ".join(["a"] * 1000)
    yield "9" * 5000
    yield "1." + "9" * 5000
    yield "9" * 400 + "%"
    yield "9" * 400 + "d"
    yield '"' + "长" * 100_000 + '"'
    yield '"' + "x" * 10_000
    yield "a." * 5000 + "b"
    yield "\x00" * 100


def bombs() -> Iterator[str]:
    """YAML documents built to explode or to recurse."""
    laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        laughs.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]")
    yield "\n".join(laughs) + "\n"
    yield "- rule: x\n  when: &w a > 1\n  do: *w\n"
    yield "[" * 5000 + "]" * 5000
    yield "- " * 2000 + "x"
    yield "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 500))
    yield "\ufeff- rule: x\r\n\ton: product\r\n"
    yield "- rule: x\n  when: " + "(" * 1000 + "a" + ")" * 1000 + "\n  on: p\n  do: [t]\n"
    yield "- rule: x\n  limit: " + "9" * 10_000 + "\n"


def assert_positioned(errors: list[SourceError], text: str, path: str) -> None:
    """Every error has a place, and renders with its source line."""
    lines = SourceLines({path: text})
    for error in errors:
        assert isinstance(error, RuleError | ConfigError), error
        assert error.position is not None, error
        assert error.position.line >= 1 and error.position.column >= 1, error
        assert render(error, lines)


def run_case(kind: str, text: str) -> None:
    """Feed one input to the parser of `kind`."""
    path = "<fuzz>"
    parse: dict[str, Callable[[str], Any]] = {
        "expression": parse_expression,
        "actions": parse_actions,
        "template": parse_template,
    }
    if kind in parse:
        try:
            parse[kind](text)
        except RuleError as error:
            assert_positioned([error], text, "<expr>")
        return
    reader = parse_yaml_rules if kind == "yaml" else parse_text_rules
    rules, errors = reader(text, path)
    assert_positioned([*errors, *(e for r in rules for e in r.errors)], text, path)


def checked(kind: str, text: str) -> float:
    """Run one case; any failure names the input. Returns the CPU seconds it took
    (CPU time, so other processes on a busy machine do not count)."""
    started = time.process_time()
    try:
        run_case(kind, text)
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(f"{kind} input {text[:300]!r} raised {exc!r}") from exc
    return time.process_time() - started


def test_ten_thousand_random_and_mutated_inputs_give_only_positioned_errors() -> None:
    rng = random.Random(20260329)
    seeds = {
        "expression": EXPRESSION_SEEDS,
        "actions": ["pause, notify(ops, 'x {name}'), send(a=1, b=[1, 2])"],
        "template": TEMPLATE_SEEDS,
        "yaml": YAML_SEEDS,
        "text": TEXT_SEEDS,
    }
    count, slowest = 0, 0.0
    for kind, total in CASES.items():
        for _ in range(total):
            slowest = max(slowest, checked(kind, mutate(rng, rng.choice(seeds[kind]))))
            count += 1
    for text in extremes():
        for kind in ("expression", "actions", "template"):
            slowest = max(slowest, checked(kind, text))
            count += 1
    for text in bombs():
        for kind in ("yaml", "text"):
            slowest = max(slowest, checked(kind, text))
            count += 1
    assert count >= 10_000
    assert slowest < 2.0  # no input makes the front end crawl


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_plugins(allowed=set()).registry


def test_mutated_files_through_the_loader_and_checker(tmp_path: Path, registry: Registry) -> None:
    """Whole files through loading, checking and compiling: errors only, with places."""
    rng = random.Random(7)
    count = 0
    for i in range(400):
        suffix, seed = rng.choice([(".yaml", s) for s in YAML_SEEDS] + [(".rules", TEXT_SEEDS[0])])
        path = tmp_path / f"r{i}{suffix}"
        data = mutate(rng, seed).encode("utf-8", "surrogatepass")
        if i % 4 == 0:  # raw bytes, often not UTF-8 at all
            at = rng.randint(0, len(data))
            data = data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]
        path.write_bytes(data)
        result = load_rules([path], registry, {"ops"})
        assert_positioned(list(result.errors), path.read_text("utf-8", "replace"), str(path))
        count += 1
    assert count == 400


def test_mutated_configs_give_only_positioned_config_errors(tmp_path: Path) -> None:
    rng = random.Random(11)
    path = tmp_path / "shopctl.yaml"
    for _ in range(300):
        path.write_bytes(mutate(rng, CONFIG_SEED).encode("utf-8", "surrogatepass"))
        try:
            load_config(path)
        except ConfigErrors as exc:
            assert_positioned(list(exc.errors), "", str(path))
        except ConfigError as exc:
            assert_positioned([exc], "", str(path))
