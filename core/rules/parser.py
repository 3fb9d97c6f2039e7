"""The Lark parser of the rule language: text in, syntax tree (shopctl.rules.ast) out.

One LALR parser is built once from grammar/shopctl.lark. Every node carries a Span in
the file; every failure is a RuleError at the exact character, worded for an operator.
"""

from __future__ import annotations

import math
from functools import cache
from importlib.resources import files
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError
from lark.visitors import Transformer_NonRecursive

from shopctl.errors import Position, RuleError
from shopctl.rules.ast import (
    ActionCall,
    Between,
    Binary,
    Call,
    Compare,
    Expr,
    IsNull,
    ListLiteral,
    Literal,
    Name,
    Span,
    Template,
    Unary,
)
from shopctl.rules.durations import parse_duration
from shopctl.rules.source_text import SourceText
from shopctl.rules.syntax_errors import describe_unexpected
from shopctl.rules.templates import parse_template_text

# Deeper trees are refused: the checker and compilers walk trees recursively, and no
# sensible rule nests a hundred levels.
MAX_DEPTH = 100
MAX_INTEGER = 2**63 - 1  # what the store's BigInteger columns can compare against
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}


@cache
def lark_parser() -> Lark:
    """The LALR parser, built once."""
    grammar = (files("shopctl.grammar") / "shopctl.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        start=["expression", "action", "actions", "rules_file"],
        propagate_positions=True,
        maybe_placeholders=True,
    )


def _source(source: SourceText | str) -> SourceText:
    return SourceText(source) if isinstance(source, str) else source


def parse_tree(source: SourceText, start: str) -> Tree:
    """The Lark tree of `source` from the start symbol `start`; RuleError if invalid."""
    try:
        tree = lark_parser().parse(source.text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None
    _check_depth(tree, source)
    return tree


def build(tree: Tree, source: SourceText) -> Any:
    """The syntax tree (ast nodes) of a Lark tree parsed from `source`."""
    try:
        return _ToAst(source).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, RuleError):
            raise exc.orig_exc from None
        raise


def parse_expression(source: SourceText | str) -> Expr:
    """Parse a condition or any other expression."""
    source = _source(source)
    return build(parse_tree(source, "expression"), source)


def parse_action(source: SourceText | str) -> ActionCall:
    """Parse one action call: `pause`, `set_bid(bid * 0.9)`, `notify(ops, "…")`."""
    source = _source(source)
    return build(parse_tree(source, "action"), source)


def parse_actions(source: SourceText | str) -> tuple[ActionCall, ...]:
    """Parse a comma-separated list of action calls (the text form's `do`)."""
    source = _source(source)
    return build(parse_tree(source, "actions"), source)


def parse_template(source: SourceText | str) -> Template:
    """Parse a message template: text with `{expression}` / `{expression:format}`."""
    return parse_template_text(_source(source), parse_expression)


def _syntax_error(exc: UnexpectedInput, source: SourceText) -> RuleError:
    text = source.text
    if isinstance(exc, UnexpectedEOF):
        offset = len(text)
    elif isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream
    else:
        token = exc.token  # type: ignore[attr-defined]
        offset = len(text) if token.type == "$END" else token.start_pos
    offset = len(text) if offset is None else offset
    message, offset, length = describe_unexpected(exc, text, offset, lark_parser())
    return RuleError(message, source.position(offset), length)


def _check_depth(tree: Tree, source: SourceText) -> None:
    """Refuse trees deeper than MAX_DEPTH, without recursion."""
    stack: list[tuple[Tree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise RuleError(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels); "
                "split it up or use `in [...]`",
                source.position(getattr(node.meta, "start_pos", 0)),
            )
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))


def decode_string(token: Token, source: SourceText) -> tuple[str, list[int]]:
    """A quoted text literal's value, and for each of its characters (plus one past the
    end) the offset in `source` it was written at."""
    raw, start = str(token), token.start_pos or 0
    chars: list[str] = []
    offsets: list[int] = []
    i = 1
    while i < len(raw) - 1:
        char = raw[i]
        offsets.append(start + i)
        if char != "\\":
            chars.append(char)
            i += 1
            continue
        code = raw[i + 1]
        if code in _ESCAPES:
            chars.append(_ESCAPES[code])
            i += 2
        elif code == "u" and _is_hex(raw[i + 2 : i + 6]):
            chars.append(chr(int(raw[i + 2 : i + 6], 16)))
            i += 6
        else:
            raise RuleError(
                f"unknown escape '\\{code}' in text; use \\\\ \\\" \\' \\n \\t or \\uXXXX",
                source.position(start + i),
                2,
            )
    offsets.append(start + len(raw) - 1)
    return "".join(chars), offsets


def _is_hex(text: str) -> bool:
    return len(text) == 4 and all(c in "0123456789abcdefABCDEF" for c in text)


_COMPARE = {
    "compare_eq": "eq",
    "compare_ne": "ne",
    "compare_lt": "lt",
    "compare_le": "le",
    "compare_gt": "gt",
    "compare_ge": "ge",
    "compare_in": "in",
    "compare_not_in": "not_in",
    "compare_contains": "contains",
    "compare_matches": "matches",
}
_BINARY = {"or_expr": "or", "and_expr": "and", "add": "add", "sub": "sub", "mul": "mul",
           "div": "div", "mod": "mod"}  # fmt: skip


class _ToAst(Transformer_NonRecursive):
    """Lark tree -> ast nodes, each with its Span in the file."""

    def __init__(self, source: SourceText):
        super().__init__()
        self.source = source
        # Text literals that may be message templates, by where they start.
        self._braced: dict[Position, SourceText] = {}

    def _span(self, item: Tree | Token) -> Span:
        if isinstance(item, Token):
            start, end = item.start_pos or 0, item.end_pos or 0
        else:
            start, end = item.meta.start_pos, item.meta.end_pos
        return Span(self.source.position(start), max(1, end - start))

    def _ident(self, token: Token) -> str:
        if token.startswith("__"):
            raise RuleError(
                f"names starting with '__' are not allowed: '{token}'",
                self.source.position(token.start_pos or 0),
                len(token),
            )
        return str(token)

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Any:
        tree = Tree(data, children, meta)
        name = str(data)
        if name in _COMPARE:
            return Compare(_COMPARE[name], children[0], children[1], span=self._span(tree))
        if name in _BINARY:
            return Binary(_BINARY[name], children[0], children[1], span=self._span(tree))
        return getattr(self, "_" + name)(children, tree)

    # Literals -------------------------------------------------------------------------
    def _number(self, value: float, token: Token) -> Literal:
        if (isinstance(value, int) and abs(value) > MAX_INTEGER) or not math.isfinite(value):
            raise RuleError(
                f"the number {token[:20]}{'…' if len(token) > 20 else ''} is too large",
                self.source.position(token.start_pos or 0),
                len(token),
            )
        return Literal(value, "number", span=self._span(token))

    def _integer(self, children: list[Any], tree: Tree) -> Literal:
        token = children[0]
        value = int(token) if len(token) <= 19 else MAX_INTEGER + 1
        return self._number(value, token)

    def _decimal(self, children: list[Any], tree: Tree) -> Literal:
        return self._number(float(children[0]), children[0])

    def _percent(self, children: list[Any], tree: Tree) -> Literal:
        return self._number(float(children[0][:-1]) / 100, children[0])

    def _duration(self, children: list[Any], tree: Tree) -> Literal:
        token = children[0]
        try:
            value = parse_duration(token)
        except ValueError as exc:
            raise RuleError(
                str(exc), self.source.position(token.start_pos or 0), len(token)
            ) from None
        return Literal(value, "duration", span=self._span(token))

    def _string(self, children: list[Any], tree: Tree) -> Literal:
        value, offsets = decode_string(children[0], self.source)
        span = self._span(children[0])
        if "{" in value or "}" in value:
            self._braced[span.start] = self.source.mapped(value, offsets)
        return Literal(value, "text", span=span)

    def _true(self, children: list[Any], tree: Tree) -> Literal:
        return Literal(True, "boolean", span=self._span(tree))

    def _false(self, children: list[Any], tree: Tree) -> Literal:
        return Literal(False, "boolean", span=self._span(tree))

    def _null(self, children: list[Any], tree: Tree) -> Literal:
        return Literal(None, "null", span=self._span(tree))

    def _list(self, children: list[Any], tree: Tree) -> ListLiteral:
        return ListLiteral(tuple(c for c in children if c is not None), span=self._span(tree))

    # Names, calls and operators -------------------------------------------------------
    def _name(self, children: list[Any], tree: Tree) -> Name:
        return Name(tuple(self._ident(t) for t in children), span=self._span(tree))

    def _call(self, children: list[Any], tree: Tree) -> Call:
        args = tuple(c for c in children[1:] if c is not None)
        return Call(self._ident(children[0]), args, span=self._span(tree))

    def _not_expr(self, children: list[Any], tree: Tree) -> Unary:
        return Unary("not", children[0], span=self._span(tree))

    def _neg(self, children: list[Any], tree: Tree) -> Unary:
        return Unary("neg", children[0], span=self._span(tree))

    def _is_null(self, children: list[Any], tree: Tree) -> IsNull:
        return IsNull(children[0], span=self._span(tree))

    def _is_not_null(self, children: list[Any], tree: Tree) -> IsNull:
        return IsNull(children[0], negated=True, span=self._span(tree))

    def _between(self, children: list[Any], tree: Tree) -> Between:
        return Between(children[0], children[1], children[2], span=self._span(tree))

    # Actions --------------------------------------------------------------------------
    def _keyword_arg(self, children: list[Any], tree: Tree) -> tuple[str, Expr, Token]:
        return (self._ident(children[0]), children[1], children[0])

    def _action_args(self, children: list[Any], tree: Tree) -> list[Any]:
        return children

    def _action(self, children: list[Any], tree: Tree) -> ActionCall:
        args: list[Expr] = []
        kwargs: dict[str, Expr] = {}
        for arg in children[1] or ():
            if isinstance(arg, tuple):
                name, value, token = arg
                if name in kwargs:
                    raise self._arg_error(f"`{name}` is given twice", token)
                kwargs[name] = value
            elif kwargs:
                raise self._arg_error("a positional argument cannot follow name=value", arg)
            else:
                args.append(arg)
        return ActionCall(
            self._ident(children[0]),
            tuple(self._template_or_text(a) for a in args),
            tuple((k, self._template_or_text(v)) for k, v in kwargs.items()),
            span=self._span(tree),
        )

    def _actions(self, children: list[Any], tree: Tree) -> tuple[ActionCall, ...]:
        return tuple(children)

    def _arg_error(self, message: str, where: Token | Expr) -> RuleError:
        if isinstance(where, Token):
            return RuleError(message, self.source.position(where.start_pos or 0), len(where))
        return RuleError(message, where.span.start, where.span.length)

    def _template_or_text(self, arg: Expr) -> Expr:
        """A text argument with braces is a message template; its holes are parsed now,
        while the characters' places in the file are known."""
        if isinstance(arg, Literal) and arg.span.start in self._braced:
            return parse_template(self._braced[arg.span.start])
        return arg
