"""Hot reload: changes are seen by content, and broken files keep their last good rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from shopctl.daemon.reload import Watcher, merge
from shopctl.errors import Position, RuleError
from tests.daemon.conftest import make_rule


@dataclass
class FakeRuleSet:
    """The two parts of a loader RuleSet that merging reads."""

    compiled: dict[str, object]
    errors: list[RuleError] = field(default_factory=list)


def test_an_edit_is_seen_even_within_the_same_mtime_tick(rules_dir: Path) -> None:
    path = rules_dir / "a.yaml"
    path.write_text("one", encoding="utf-8")
    watcher = Watcher(lambda: [path])
    assert not watcher.changed()
    path.write_text("two", encoding="utf-8")
    assert watcher.changed()
    assert not watcher.changed()
    path.unlink()
    assert watcher.changed()


def test_a_broken_file_keeps_its_last_good_rules_and_others_update(rules_dir: Path) -> None:
    a, b = str(rules_dir / "a.yaml"), str(rules_dir / "b.yaml")
    old_a = make_rule("a1", every=timedelta(hours=1), path=a)
    old_b = make_rule("b1", every=timedelta(hours=1), path=b)
    new_b = make_rule("b1", every=timedelta(hours=2), path=b)
    broken = RuleError("unknown field 'roii'", Position(a, 3, 9))
    active = merge({"a1": old_a, "b1": old_b}, FakeRuleSet({"b1": new_b}, [broken]))
    assert active.rules == {"a1": old_a, "b1": new_b}
    assert list(active.broken) == [str(Path(a).resolve())]
    assert "unknown field 'roii'" in active.broken[str(Path(a).resolve())][0]


def test_fixing_a_file_takes_its_new_rules_and_drops_removed_ones(rules_dir: Path) -> None:
    a = str(rules_dir / "a.yaml")
    old = make_rule("a1", every=timedelta(hours=1), path=a)
    fixed = make_rule("a2", every=timedelta(hours=1), path=a)
    active = merge({"a1": old}, FakeRuleSet({"a2": fixed}))
    assert active.rules == {"a2": fixed} and active.broken == {}
