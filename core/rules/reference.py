"""The generated part of docs/rules.md: functions, core actions and canonical entity
types, read from their declarations so the reference never drifts from the code.

`python -m shopctl.rules.reference` prints it; a test compares it with the docs.
"""

from __future__ import annotations

from collections.abc import Iterable

from shopctl.plugins import load_plugins
from shopctl.registry import ActionSpec, EntityType, FunctionSpec, Param, Registry

BEGIN = "<!-- BEGIN GENERATED: python -m shopctl.rules.reference -->"
END = "<!-- END GENERATED -->"


def core_registry() -> Registry:
    """The core's own declarations, without any installed plugin."""
    return load_plugins(allowed=set()).registry


def reference(registry: Registry) -> str:
    """The generated section, markers included."""
    parts = [BEGIN, "", "### Functions", "", *_functions(registry.functions.values())]
    parts += ["", "### Core actions", "", *_actions(registry.actions.values())]
    parts += ["", "### Entity types", ""]
    for entity_type in registry.entity_types.values():
        parts += _entity_type(entity_type)
    return "\n".join([*parts, END]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else ""


def _params(params: Iterable[Param], variadic: bool = False) -> str:
    shown = [p.name if p.required else f"{p.name}={p.default!r}" for p in params]
    return ", ".join(shown + (["…"] if variadic else []))


def _functions(functions: Iterable[FunctionSpec]) -> list[str]:
    rows = ["| function | returns | what it gives | example |", "|---|---|---|---|"]
    for spec in sorted(functions, key=lambda f: f.name):
        returns = "depends on the arguments" if callable(spec.returns) else str(spec.returns)
        signature = f"{spec.name}({_params(spec.params, spec.variadic)})"
        rows.append(
            f"| {_code(signature)} | {returns} | {_cell(spec.help)} | {_code(spec.example)} |"
        )
    return rows


def _actions(actions: Iterable[ActionSpec]) -> list[str]:
    rows = ["| action | parameters | what it does | example |", "|---|---|---|---|"]
    for spec in sorted(actions, key=lambda a: a.name):
        params = ", ".join(f"{p.name} ({p.type})" for p in spec.params)
        rows.append(f"| `{spec.name}` | {params} | {_cell(spec.help)} | {_code(spec.example)} |")
    return rows


def _entity_type(entity_type: EntityType) -> list[str]:
    lines = [f"#### `{entity_type.name}` — {_cell(entity_type.help)}", ""]
    lines += ["| field | type | meaning |", "|---|---|---|"]
    lines += [f"| `{f.name}` | {f.type} | {_cell(f.help)} |" for f in entity_type.fields]
    if entity_type.relations:
        related = ", ".join(f"`{r.name}.…` ({r.target})" for r in entity_type.relations)
        lines += ["", f"Related: {related}."]
    if entity_type.metrics:
        metrics = ", ".join(f"`{m.name}` ({_cell(m.help)})" for m in entity_type.metrics)
        lines += ["", f"Daily metrics: {metrics}."]
    if entity_type.derived:
        derived = ", ".join(f"`{d.name}(w)` = `{_cell(d.formula)}`" for d in entity_type.derived)
        lines += ["", f"Derived over a window `w`: {derived}."]
    return [*lines, ""]


if __name__ == "__main__":
    print(reference(core_registry()), end="")
