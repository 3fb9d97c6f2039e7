"""docs/plugins.md documents every hook with its exact signature (like datasette's)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
HOOKSPECS = ROOT / "core" / "hookspecs.py"
DOCS = ROOT / "docs" / "plugins.md"


def hook_signatures() -> dict[str, str]:
    """Each hook declared with @hookspec, as `def name(args) -> returns`, from the source."""
    found = {}
    for node in ast.parse(HOOKSPECS.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and any(
            ast.unparse(d).startswith("hookspec") for d in node.decorator_list
        ):
            returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
            found[node.name] = f"def {node.name}({ast.unparse(node.args)}){returns}"
    return found


def test_hooks_are_found() -> None:
    assert "shopctl_platforms" in hook_signatures()


@pytest.mark.parametrize("hook", sorted(hook_signatures()))
def test_every_hook_has_a_section_with_its_exact_signature(hook: str) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    section = re.search(rf"^### {hook}\n(.*?)(?=^##)", docs, re.MULTILINE | re.DOTALL)
    assert section, f"docs/plugins.md has no '### {hook}' section"
    assert hook_signatures()[hook] in section.group(1), "the signature in the docs differs"
    assert "@hookimpl" in section.group(1), f"the {hook} section needs an example"


def test_documented_hooks_exist() -> None:
    documented = re.findall(r"^### (shopctl_\w+)$", DOCS.read_text(encoding="utf-8"), re.M)
    assert set(documented) == set(hook_signatures())
