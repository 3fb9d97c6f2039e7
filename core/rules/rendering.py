"""Message templates rendered safely: values formatted with `format(value, spec)` only.

A template's text is never handed to `str.format`, so `{0.__class__}` and the like
can reach nothing: each hole is an expression of the rule language evaluated by its
closure, and its format spec is a plain Python spec checked when the rule loads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shopctl.rules.ast import Hole
from shopctl.rules.compiled import EvalContext, Row
from shopctl.rules.printer import duration_text
from shopctl.types import Type

NULL_TEXT = "-"
MAX_WIDTH = 200
MAX_PRECISION = 50
# fill, align, sign, z, #, 0, width, grouping, .precision, type: nothing else.
FORMAT_SPEC = re.compile(
    r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?[bcdeEfFgGnosxX%]?",
    re.DOTALL,
)
SAMPLES: dict[Type, Any] = {Type.INTEGER: 1, Type.NUMBER: 1.5}


def format_problem(spec: str, kind: Type) -> str | None:
    """Why `spec` cannot format a value of type `kind`, or None when it can."""
    if not spec:
        return None
    if "{" in spec or "}" in spec:
        return f"format `{spec}` may not contain braces"
    if kind is Type.TIMESTAMP:
        return None if len(spec) <= 40 else f"format `{spec}` is too long"
    match = FORMAT_SPEC.fullmatch(spec)
    if match is None:
        return f"`{spec}` is not a format; write e.g. `.2f`, `>8` or `,`"
    if int(match["width"] or 0) > MAX_WIDTH or int(match["precision"] or 0) > MAX_PRECISION:
        return f"format `{spec}` asks for more than {MAX_WIDTH} characters"
    try:
        format(SAMPLES.get(kind, "text"), spec)
    except (ValueError, TypeError):
        return f"format `{spec}` does not apply to {kind}"
    return None


def format_value(value: Any, spec: str, ctx: EvalContext) -> str:
    """One hole's text: null as "-", instants in the configured zone, numbers by spec."""
    if value is None:
        return NULL_TEXT
    if isinstance(value, datetime):
        local = value.astimezone(ctx.zone)
        return local.strftime(spec) if spec else local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, timedelta):
        value = duration_text(value)
    elif isinstance(value, list):
        value = ", ".join(NULL_TEXT if v is None else str(v) for v in value)
    elif isinstance(value, float) and not spec:
        return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else str(value)
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        return str(value)


def compile_template(
    parts: tuple[str | Hole, ...], holes: list[Callable[[Row, EvalContext], Any]]
) -> Callable[[Row, EvalContext], str]:
    """A closure rendering the template; `holes` are the holes' closures, in order."""
    pieces: list[tuple[str, Callable[[Row, EvalContext], Any] | None]] = []
    index = 0
    for part in parts:
        if isinstance(part, str):
            pieces.append((part, None))
        else:
            pieces.append((part.format_spec, holes[index]))
            index += 1

    def render(row: Row, ctx: EvalContext) -> str:
        return "".join(
            text if hole is None else format_value(hole(row, ctx), text, ctx)
            for text, hole in pieces
        )

    return render
