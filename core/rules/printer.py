"""Expressions printed back as rule-language text, with only the parentheses needed.

Traces and `explain` show each sub-expression as text; printing it from the tree
gives the same text however the rule was laid out in its file.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from shopctl.rules.ast import (
    Between,
    Binary,
    Call,
    Compare,
    Expr,
    Hole,
    IsNull,
    ListLiteral,
    Literal,
    Name,
    Template,
    Unary,
)

BINARY = {"or": ("or", 1), "and": ("and", 2), "add": ("+", 5), "sub": ("-", 5)}
BINARY |= {"mul": ("*", 6), "div": ("/", 6), "mod": ("%", 6)}
COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
COMPARE |= {"in": "in", "not_in": "not in", "contains": "contains", "matches": "matches"}
# No weeks: windows read as days (`roi(7d)`, `sum(spend, 14d)`).
UNITS = (("d", timedelta(days=1)), ("h", timedelta(hours=1)))
UNITS += (("m", timedelta(minutes=1)), ("s", timedelta(seconds=1)))
ATOM = 8


def print_expr(expr: Expr) -> str:
    """`expr` as the rule language writes it."""
    return _print(expr)[0]


def quote(text: str) -> str:
    """A text literal: double quotes, with backslash escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r").replace("\t", "\\t") + '"'


def duration_text(value: timedelta) -> str:
    """`7d`, `12h`, `15m`; mixed durations as a sum of units, largest first: `1d12h`."""
    if not value:
        return "0m"
    sign, rest, parts = ("-" if value < timedelta(0) else ""), abs(value), []
    for unit, size in UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


def _print(expr: Expr) -> tuple[str, int]:
    """Text and precedence (1 loosest … 8 atom)."""
    if isinstance(expr, Literal):
        return _literal(expr), ATOM
    if isinstance(expr, Name):
        return expr.dotted, ATOM
    if isinstance(expr, ListLiteral):
        return "[" + ", ".join(print_expr(i) for i in expr.items) + "]", ATOM
    if isinstance(expr, Call):
        return f"{expr.name}(" + ", ".join(print_expr(a) for a in expr.args) + ")", ATOM
    if isinstance(expr, Unary):
        if expr.op == "not":
            # `not (x >= 2)` reads better than the equivalent `not x >= 2`.
            return "not " + _wrap(expr.operand, 5), 3
        return "-" + _wrap(expr.operand, 7), 7
    if isinstance(expr, Binary):
        sign, level = BINARY[expr.op]
        return f"{_wrap(expr.left, level)} {sign} {_wrap(expr.right, level + 1)}", level
    if isinstance(expr, Compare):
        return f"{_wrap(expr.left, 5)} {COMPARE[expr.op]} {_wrap(expr.right, 5)}", 4
    if isinstance(expr, IsNull):
        return _wrap(expr.operand, 5) + (" is not null" if expr.negated else " is null"), 4
    if isinstance(expr, Between):
        parts = (_wrap(expr.operand, 5), _wrap(expr.low, 5), _wrap(expr.high, 5))
        return "{} between {} and {}".format(*parts), 4
    if isinstance(expr, Template):
        return quote("".join(_template_part(p) for p in expr.parts)), ATOM
    raise TypeError(f"cannot print {type(expr).__name__}")


def _wrap(expr: Expr, level: int) -> str:
    text, own = _print(expr)
    return f"({text})" if own < level else text


def _literal(expr: Literal) -> str:
    if expr.kind == "text":
        return quote(expr.value)
    if expr.kind == "boolean":
        return "true" if expr.value else "false"
    if expr.kind == "null":
        return "null"
    if expr.kind == "duration":
        return duration_text(expr.value)
    if isinstance(expr.value, float):
        # Positional notation: the language has no exponents (1e-09 -> 0.000000001).
        text = format(Decimal(repr(expr.value)), "f")
        return text if "." in text else text + ".0"
    return repr(expr.value)


def _template_part(part: str | Hole) -> str:
    if isinstance(part, str):
        return part.replace("{", "{{").replace("}", "}}")
    spec = f":{part.format_spec}" if part.format_spec else ""
    return "{" + print_expr(part.expr) + spec + "}"
