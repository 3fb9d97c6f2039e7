"""Loading rule files: every error in one pass, and a broken file disables only its rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopctl.errors import Position
from shopctl.plugins import load_plugins
from shopctl.registry import ActionSpec, Registry
from shopctl.rules.loader import load_rules, rule_files

FIVE_MISTAKES = """\
- rule: pause-low-roi
  on: ad_group
  every: 1h
  when: roi(7d) < 2 and stauts == "active"
  do: [pause]

- rule: slow-sellers
  on: product
  whn: sales(7d) == 0
  do: [tag("slow")]

- rule: big-spenders
  on: customer
  when: total_spent >= and tier != "platinum"
  do: [tag("vip")]

- rule: restock
  on: product
  every: 30s
  when: stock < 5
  do: [tag("restock")]

- rule: bad-reviews
  on: review
  when: rating <= 2
  do:
    - notify(opps, "差评 {text}")
"""

GOOD = """\
rule low-stock "库存预警" on product every 1h
  when stock < 5 and status == "active"
  do notify(ops, "库存不足 {title}: {stock}")

rule quiet on customer when tier == "gold" do tag("gold") enabled false
"""


@pytest.fixture
def registry() -> Registry:
    """The core's declarations plus an ad platform's `pause`."""
    registry = load_plugins(allowed=set()).registry
    registry.add_action(ActionSpec("pause", on=("ad_group",), idempotent=True), "test")
    return registry


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_five_mistakes_reports_five_errors_in_place(
    tmp_path: Path, registry: Registry
) -> None:
    path = write(tmp_path, "ops.yaml", FIVE_MISTAKES)
    result = load_rules([path], registry, {"ops"})
    found = [(e.position.line, e.position.column, e.message) for e in result.errors]  # type: ignore[union-attr]
    assert len(found) == 5
    assert found[0][:2] == (4, 25) and "`stauts`" in found[0][2]
    assert found[1] == (9, 3, "unknown key `whn`; did you mean `when`?")
    assert found[2] == (14, 24, "expected a value after '>=', found 'and'")
    assert found[3][:2] == (19, 10) and "'30s' is not a duration" in found[3][2]
    assert found[4][:2] == (27, 14) and "`opps`" in found[4][2]
    assert all(e.position.path == str(path) for e in result.errors)  # type: ignore[union-attr]


def test_a_broken_file_disables_only_its_own_rules_each_with_its_reason(
    tmp_path: Path, registry: Registry
) -> None:
    write(tmp_path, "a/ads.yaml", FIVE_MISTAKES.replace("every: 30s", "every: 30m"))
    write(tmp_path, "b/stock.rules", GOOD)
    result = load_rules([tmp_path], registry, {"ops"})
    assert len(result.errors) == 4
    assert set(result.compiled) == {"low-stock"}
    assert "`stauts`" in result.disabled["pause-low-roi"]
    assert result.disabled["pause-low-roi"].startswith(f"{tmp_path / 'a/ads.yaml'}:4:25: error:")
    assert (
        result.disabled["restock"]
        == f"{tmp_path / 'a/ads.yaml'} has errors; its rules wait until it is fixed"
    )
    assert result.disabled["quiet"] == "enabled: false"
    assert set(result.rules) == {"pause-low-roi", "restock", "bad-reviews", "low-stock", "quiet"}
    assert result.compiled["low-stock"].rule.description == "库存预警"


def test_duplicate_rule_names_across_files_are_errors(tmp_path: Path, registry: Registry) -> None:
    first = write(tmp_path, "1.rules", GOOD)
    second = write(
        tmp_path,
        "2.yaml",
        "- rule: low-stock\n  on: product\n  when: stock < 1\n  do: [tag('x')]\n",
    )
    result = load_rules([first, second], registry, {"ops"})
    (error,) = result.errors
    assert error.message == f"a rule named `low-stock` is already defined at {first}:1:1"
    assert error.position == Position(str(second), 1, 3)
    assert set(result.compiled) == {"low-stock"}
    assert result.compiled["low-stock"].rule.source == Position(str(first), 1, 1)


def test_rule_files_walks_folders_in_order_and_reports_missing_paths(tmp_path: Path) -> None:
    for name in ("b.yml", "a.yaml", "sub/c.rules", "notes.txt", ".hidden/d.yaml"):
        write(tmp_path, name, "")
    files, errors = rule_files([tmp_path, tmp_path / "nope"])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.yaml", "b.yml", "sub/c.rules"]
    assert errors[0].message == "no such rule file or folder"
    assert errors[0].position == Position(str(tmp_path / "nope"), 1, 1)


def test_unreadable_and_empty_files(tmp_path: Path, registry: Registry) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"- rule: caf\xe9\n")
    write(tmp_path, "empty.yaml", "# nothing yet\n")
    result = load_rules([tmp_path], registry, set())
    (error,) = result.errors
    assert error.message == "this file is not UTF-8 text; save it as UTF-8"
    assert error.position == Position(str(tmp_path / "latin1.yaml"), 1, 12)
    assert result.rules == {} and len(result.files) == 2


def test_a_rule_with_a_bad_clause_still_has_its_condition_checked(
    tmp_path: Path, registry: Registry
) -> None:
    path = write(
        tmp_path,
        "r.yaml",
        "- rule: r\n  on: customer\n  when: tier != 3\n  do: [pause]\n  limit: -5\n",
    )
    result = load_rules([path], registry, {"ops"})
    found = [(e.position.line, e.message) for e in result.errors]  # type: ignore[union-attr]
    assert found[0] == (3, "cannot compare text with integer")
    assert found[1][0] == 4 and "pause" in found[1][1]  # no pause on customers
    assert found[2] == (5, "'-5' is not a whole number of at least 1")
    assert "r" not in result.compiled and result.disabled["r"].endswith(found[0][1])


def test_a_file_that_cannot_be_read_as_rules_disables_the_rules_it_names(
    tmp_path: Path, registry: Registry
) -> None:
    # A tab breaks the whole YAML document: no rule of it parses, yet `run --all`,
    # `plan` and `status` must say which rules wait and why.
    tabbed = FIVE_MISTAKES.replace("  do: [pause]", "  do:\t[pause]", 1)
    write(tmp_path, "ads.yaml", tabbed)
    write(tmp_path, "stock.rules", GOOD.replace("rule low-stock", "rule low-stock\t", 1) + "\t@")
    write(tmp_path, "blank.yaml", "\t\n")
    result = load_rules([tmp_path], registry, {"ops"})
    names = ["pause-low-roi", "slow-sellers", "big-spenders", "restock", "bad-reviews"]
    reason = result.disabled["pause-low-roi"]
    assert reason.startswith(f"{tmp_path / 'ads.yaml'}:5:") and "tab" in reason
    assert all(result.disabled[name] == reason for name in names)
    assert result.disabled[str(tmp_path / "blank.yaml")].startswith(f"{tmp_path / 'blank.yaml'}:1:")
    assert "low-stock" in result.disabled and result.compiled == {}
