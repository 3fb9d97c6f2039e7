"""Message templates: text with `{expression}` and `{expression:format}` holes.

Holes are parsed with the expression grammar, at their place in the file. The format
is a plain Python format spec, checked against a strict pattern: nothing in it can
reach an attribute, an index or a nested field (`{0.__class__}` is not a template).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from shopctl.errors import RuleError
from shopctl.rules.ast import Expr, Hole, Span, Template
from shopctl.rules.source_text import SourceText

# [[fill]align][sign][z][#][0][width][grouping][.precision][type]; width and precision
# are capped at three digits so a template cannot ask for a gigabyte of padding.
FORMAT_SPEC = re.compile(
    r"(?:[^{}]?[<>=^])?[+\- ]?z?#?0?(?:\d{1,3})?[,_]?(?:\.\d{1,3})?[bcdeEfFgGnosxX%]?"
)


def parse_template_text(
    source: SourceText, parse_expression: Callable[[SourceText], Expr]
) -> Template:
    """The Template of `source`'s text; RuleError at the exact character if malformed."""
    text = source.text
    parts: list[str | Hole] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "{}" and text[i + 1 : i + 2] == char:
            literal.append(char)
            i += 2
        elif char == "}":
            raise RuleError("a single '}' in a message; write '}}' for a brace", source.position(i))
        elif char == "{":
            end = _hole_end(source, i)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(_hole(source, i, end, parse_expression))
            i = end + 1
        else:
            literal.append(char)
            i += 1
    if literal:
        parts.append("".join(literal))
    return Template(tuple(parts), span=Span(source.position(0), max(1, len(text))))


def _hole_end(source: SourceText, start: int) -> int:
    """The offset of the `}` closing the hole opened at `start`."""
    text, quote, i = source.text, "", start + 1
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            raise RuleError(
                "a '{' inside a {…} hole; holes cannot nest (write '{{' for a brace)",
                source.position(i),
            )
        elif char == "}":
            return i
        i += 1
    raise RuleError(
        "unclosed '{' in a message; close it with '}' or write '{{'", source.position(start)
    )


def _hole(
    source: SourceText, start: int, end: int, parse_expression: Callable[[SourceText], Expr]
) -> Hole:
    text = source.text
    colon = _top_level_colon(text, start + 1, end)
    expr_end = end if colon is None else colon
    if not text[start + 1 : expr_end].strip():
        raise RuleError(
            "an empty {} in a message; put an expression inside, e.g. {name}",
            source.position(start),
            end - start + 1,
        )
    expr = parse_expression(source.slice(start + 1, expr_end))
    spec = "" if colon is None else text[colon + 1 : end]
    if not FORMAT_SPEC.fullmatch(spec):
        raise RuleError(
            f"'{spec}' is not a number format; use one such as .2f, ,d, >8 or .1%",
            source.position(colon + 1 if colon is not None else start),
            max(1, len(spec)),
        )
    return Hole(expr, spec, span=Span(source.position(start), end - start + 1))


def _top_level_colon(text: str, start: int, end: int) -> int | None:
    """The first ':' outside quotes between start and end: it starts the format."""
    quote, i = "", start
    while i < end:
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ":":
            return i
        i += 1
    return None
