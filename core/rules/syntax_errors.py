"""Lark's parse failures retold in an operator's words: what was found, what was expected."""

from __future__ import annotations

import re

from lark import Lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput
from lark.lexer import PatternStr

from shopctl.rules.suggest import did_you_mean

# Terminals whose pattern is a regular expression, named for a person.
_DESCRIBED = {
    "NAME": "a name",
    "RULE_NAME": "a rule name",
    "INT": "a number",
    "DECIMAL": "a number",
    "PERCENT": "a percentage",
    "DURATION": "a duration such as 7d",
    "STRING": "a text in quotes",
}
# Terminals that can start a value: when any is expected, "a value" is missing.
_VALUE_START = {"INT", "STRING"}
CLAUSES = ("on", "every", "cron", "at", "when", "do", "limit", "max_percent", "cooldown",
           "quiet_hours", "enabled", "tags")  # fmt: skip
_LAST_TOKEN = re.compile(r"""("[^"]*"|'[^']*'|[\w.%]+|==|!=|<=|>=|\S)\s*$""")


def describe_unexpected(
    exc: UnexpectedInput, text: str, offset: int, parser: Lark
) -> tuple[str, int, int]:
    """The message for a parse failure at `offset`, where it is, and how many
    characters it spans."""
    before, before_at = _previous_token(text, offset)
    after = f" after '{before}'" if before else ""
    if isinstance(exc, UnexpectedCharacters):
        return _bad_character(exc.char, after), offset, 1
    token = exc.token  # type: ignore[attr-defined]
    expected = set(exc.expected)  # type: ignore[attr-defined]
    found = None if token.type == "$END" else str(token)
    if before in CLAUSES and before != "tags" and "OR" in expected:
        # `when a and` followed by the next clause: its keyword was read as a name.
        earlier, _ = _previous_token(text, before_at)
        return f"expected a value after '{earlier}', before '{before}'", before_at, len(before)
    message, length = _describe_token(found, token.type, expected, after, parser)
    return message, offset, length


def _describe_token(
    found: str | None, kind: str, expected: set[str], after: str, parser: Lark
) -> tuple[str, int]:
    if found is None:
        if expected >= _VALUE_START:
            return f"expected a value{after}", 1
        return f"the text ends too early: expected {_expected(expected, parser)}{after}", 1
    quoted = _shorten(found)
    if found == "=":
        return "'=' is not a comparison; use '==' to compare", 1
    if expected >= _VALUE_START:
        return f"expected a value{after}, found '{quoted}'", len(found)
    if found == ".":
        return "only field names can be dotted (customer.tier)", 1
    if "OR" in expected:
        return f"unexpected '{quoted}'{after}; expected an operator (==, <, and, or, …)", len(found)
    if kind == "NAME" and expected & {c.upper() for c in CLAUSES}:
        hint = did_you_mean(found, CLAUSES) or f"; clauses are: {', '.join(CLAUSES)}"
        return f"unknown clause `{quoted}`{hint}", len(found)
    return f"unexpected '{quoted}'; expected {_expected(expected, parser)}", len(found)


def _bad_character(char: str, after: str) -> str:
    if char in "\"'":
        return f"unclosed text: add the closing {char} on the same line"
    if char == "!":
        return "'!' is not an operator; use 'not' or '!='"
    if char == "&" or char == "|":
        return f"'{char}' is not an operator; use 'and' / 'or'"
    shown = char if char.isprintable() else repr(char)[1:-1]
    return f"unexpected character '{shown}'{after}"


def _expected(names: set[str], parser: Lark) -> str:
    shown = sorted({_terminal(n, parser) for n in names if n != "$END"})
    if "$END" in names:
        shown.append("the end")
    if len(shown) > 8:
        shown = [*shown[:8], "…"]
    return " or ".join(", ".join(shown).rsplit(", ", 1)) if shown else "nothing more"


def _terminal(name: str, parser: Lark) -> str:
    if name in _DESCRIBED:
        return _DESCRIBED[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"'{pattern.value}'" if isinstance(pattern, PatternStr) else name.lower()


def _previous_token(text: str, offset: int) -> tuple[str, int]:
    """The token before `offset` and where it starts."""
    match = _LAST_TOKEN.search(text[:offset])
    return (_shorten(match.group(1)), match.start(1)) if match else ("", 0)


def _shorten(text: str) -> str:
    return text if len(text) <= 30 else text[:29] + "…"
