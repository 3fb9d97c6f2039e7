"""The syntax tree of expressions, action calls and message templates.

The parser builds these nodes; the checker annotates types; the compilers turn them
into SQL and Python. `span` is where the node stands in its source text and takes no
part in equality, so the same rule written in YAML and in text form compares equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shopctl.errors import Position


@dataclass(frozen=True)
class Span:
    """Where a node stands: start position in the file and length in characters."""

    start: Position
    length: int = 1


NO_SPAN = Span(Position("<expr>", 1, 1))


@dataclass(frozen=True)
class Node:
    """Base of every syntax node."""

    span: Span = field(default=NO_SPAN, compare=False, repr=False, kw_only=True)


class Expr(Node):
    """Base of expression nodes."""


@dataclass(frozen=True)
class Literal(Expr):
    """A constant. `kind` is number, text, boolean, null or duration; `15%` is the
    number 0.15; durations hold a timedelta."""

    value: Any
    kind: str


@dataclass(frozen=True)
class ListLiteral(Expr):
    """`["新疆", "西藏"]`."""

    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Name(Expr):
    """A field, or a dotted path through relations: `roi`, `customer.tier`."""

    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        """The name as written: `customer.tier`."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Unary(Expr):
    """`op` is "not" or "neg"."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    """`op` is one of: or, and, add, sub, mul, div, mod."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare(Expr):
    """`op` is one of: eq, ne, lt, le, gt, ge, in, not_in, contains, matches."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IsNull(Expr):
    """`x is null` (negated=False) or `x is not null` (negated=True)."""

    operand: Expr
    negated: bool = False


@dataclass(frozen=True)
class Between(Expr):
    """`x between low and high`, both ends included."""

    operand: Expr
    low: Expr
    high: Expr


@dataclass(frozen=True)
class Call(Expr):
    """A function or derived-metric call: `days_since(last_order_at)`, `roi(7d)`."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Hole(Node):
    """`{expression}` or `{expression:format}` inside a message template."""

    expr: Expr
    format_spec: str = ""


@dataclass(frozen=True)
class Template(Expr):
    """A message: literal text and holes, in order."""

    parts: tuple[str | Hole, ...]


@dataclass(frozen=True)
class ActionCall(Node):
    """One item of `do`: `set_bid(bid * 0.9)`, `send_coupon(amount=50, via=sms)`.

    Argument values are expressions; a string argument of a template parameter is
    parsed as a Template by the checker.
    """

    name: str
    args: tuple[Expr, ...] = ()
    kwargs: tuple[tuple[str, Expr], ...] = ()


def duration(days: float = 0, hours: float = 0, minutes: float = 0) -> Literal:
    """A duration literal, for building trees in code and tests."""
    return Literal(timedelta(days=days, hours=hours, minutes=minutes), "duration")
