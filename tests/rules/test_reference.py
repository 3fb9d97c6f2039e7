"""docs/rules.md: its generated reference matches the declarations, its examples are valid."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from shopctl.plugins import load_plugins
from shopctl.rules.loader import load_rules
from shopctl.rules.reference import BEGIN, END, core_registry, reference

DOCS = Path(__file__).parents[2] / "docs" / "rules.md"


def test_the_generated_section_of_the_docs_is_current() -> None:
    text = DOCS.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    assert text[start:end] == reference(core_registry()), (
        "docs/rules.md is out of date: replace its generated section with the output of "
        "`python -m shopctl.rules.reference`"
    )


def test_the_reference_lists_every_declared_function_and_core_action() -> None:
    registry = core_registry()
    generated = reference(registry)
    for name in [*registry.functions, *registry.actions, *registry.entity_types]:
        assert f"`{name}" in generated
    assert "| `days_since(t)` | number |" in generated
    assert "Derived over a window `w`: `roi(w)` = `sum(revenue, w) / sum(spend, w)`" in generated


def test_the_module_prints_it() -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "shopctl.rules.reference"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == reference(core_registry())


def test_every_example_rule_in_the_docs_is_valid(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```(yaml|rules)\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 4
    registry = load_plugins(allowed={"demo"}).registry
    names = []
    for number, (form, body) in enumerate(blocks):
        path = tmp_path / f"example{number}.{'yaml' if form == 'yaml' else 'rules'}"
        path.write_text(body, encoding="utf-8")
        result = load_rules([path], registry, {"ops", "sms"})
        assert result.errors == [], path.read_text()
        names += list(result.compiled)
    assert names == [
        "pause-low-roi",
        "pause-low-roi",  # the same rule in the other form
        "points-expiry-reminder",
        "unshipped-orders",
        "low-stock-alert",
        "win-back",
    ]
