"""The text rule form (SPEC §4.2): `rule NAME "description" on TYPE every 1h when … do …`.

The whole form is parsed by the Lark grammar. The file is first cut where a line
starts with `rule`, so a syntax error stops only its own rule and the others are
still read and reported on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from lark import Token, Tree

from shopctl.errors import Position, RuleError
from shopctl.rules import clauses
from shopctl.rules.ast import ListLiteral, Literal
from shopctl.rules.clauses import ParsedRule, RuleDraft
from shopctl.rules.parser import build, decode_string, parse_tree
from shopctl.rules.source_text import SourceText

_RULE_START = re.compile(r"^[ \t]*rule\b", re.MULTILINE)
_RULE_NAME = re.compile(r"rule\s+(\S+)")


def parse_text_rules(text: str, path: str) -> tuple[list[ParsedRule], list[RuleError]]:
    """The rules of a text-form file, each with its own errors, and the errors of text
    that belongs to no rule."""
    source = SourceText(text, path)
    starts = [m.start() for m in _RULE_START.finditer(text)]
    rules: list[ParsedRule] = []
    errors: list[RuleError] = []
    head_end = starts[0] if starts else len(text)
    stray = _first_code(text[:head_end])
    if stray is not None:
        errors.append(RuleError("expected 'rule NAME' to start a rule", source.position(stray)))
    for start, end in pairwise([*starts, len(text)]):
        chunk = source.slice(start, end)
        try:
            tree = parse_tree(chunk, "rules_file")
        except RuleError as exc:
            found = _RULE_NAME.match(chunk.text.lstrip())
            name = found.group(1) if found else None
            rules.append(ParsedRule(name, chunk.position(0), None, [exc]))
            continue
        rules += [_rule(definition, chunk) for definition in tree.children]
    return rules, errors


def _first_code(text: str) -> int | None:
    """The offset of the first thing in `text` that is not blank or a comment."""
    offset = 0
    for line in text.split("\n"):
        content = line.lstrip()
        if content and not content.startswith("#"):
            return offset + len(line) - len(content)
        offset += len(line) + 1
    return None


def _rule(definition: Tree, source: SourceText) -> ParsedRule:
    name_token, description, *found = definition.children
    draft = RuleDraft(source.position(definition.meta.start_pos))
    where, length = _where(name_token, source)
    draft.set("rule", where, length, clauses.rule_name, str(name_token))
    draft.name = draft.values.get("rule")
    if description is not None:
        draft.set("description", *_where(description, source), _text, description, source)
    when_text = ""
    for clause in found:
        key = clause.data.removesuffix("_clause")
        value = clause.children[0]
        where, length = _where(value, source)
        check, *args = _CLAUSES[key](value, source)
        draft.set(key, where, length, check, *args)
        if key == "when":
            when_text = source.text[_offsets(value)[0] : clause.meta.end_pos]
    return draft.finish(when_text)


def _offsets(item: Token | Tree) -> tuple[int, int]:
    if isinstance(item, Token):
        return item.start_pos or 0, item.end_pos or 0
    return item.meta.start_pos, item.meta.end_pos


def _where(item: Token | Tree, source: SourceText) -> tuple[Position, int]:
    start, end = _offsets(item)
    return source.position(start), max(1, end - start)


def _text(token: Token, source: SourceText) -> str:
    return decode_string(token, source)[0]


def _tags(tree: Tree, source: SourceText) -> tuple[str, ...]:
    tags: ListLiteral = build(tree, source)
    if not all(isinstance(t, Literal) and t.kind == "text" for t in tags.items):
        raise ValueError('tags are a list of texts, e.g. ["ads", "roi"]')
    return tuple(t.value for t in tags.items)  # type: ignore[attr-defined]


def _limit(token: Token) -> int:
    if len(token) > 9:
        raise ValueError(f"limit {token[:12]}… is too large")
    return clauses.positive_int(int(token))


Clause = Callable[[Any, SourceText], tuple[Any, ...]]
# clause -> (check, its arguments) from the clause's value
_CLAUSES: dict[str, Clause] = {
    "on": lambda v, s: (clauses.target, ".".join(str(t) for t in v.children)),
    "every": lambda v, s: (clauses.every, str(v)),
    "cron": lambda v, s: (lambda: clauses.cron(_text(v, s)),),
    "at": lambda v, s: (lambda: clauses.at(_text(v, s)),),
    "when": lambda v, s: (build, v, s),
    "do": lambda v, s: (build, v, s),
    "limit": lambda v, s: (_limit, v),
    "max_percent": lambda v, s: (clauses.percent, str(v)),
    "cooldown": lambda v, s: (clauses.duration, str(v)),
    "quiet_hours": lambda v, s: (lambda: clauses.quiet_hours(_text(v, s)),),
    "enabled": lambda v, s: (lambda: v.type == "TRUE",),
    "tags": lambda v, s: (_tags, v, s),
}
