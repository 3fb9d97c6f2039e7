"""The checked tree: each expression node with its type and what it resolved to.

The checker builds it; both compilers (SQL and closures) read only this tree, so
anything that compiles has been type-checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shopctl.errors import RuleError
from shopctl.rules.ast import Node
from shopctl.types import Type


@dataclass(frozen=True, eq=False)
class Checked:
    """A type-checked expression node.

    `kind` says what it is: literal, list, field, window, derived, not, neg, binary,
    compare, is_null, between, call. `op` is the operator or function name; `value`
    the literal value, field path, `Window`, `FunctionSpec` or compiled regex.
    """

    kind: str
    type: Type
    node: Node
    args: tuple[Checked, ...] = ()
    op: str = ""
    value: Any = None

    def walk(self) -> list[Checked]:
        """This node and every node below it, parents first."""
        found = [self]
        for arg in self.args:
            found.extend(arg.walk())
        return found


def error_at(node: Node, message: str) -> RuleError:
    """A rule error pointing at `node`'s span."""
    return RuleError(message, node.span.start, node.span.length)
