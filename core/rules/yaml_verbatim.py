"""The `do:` items of a YAML rule file, kept from YAML so the grammar reads them as written.

An action call is not YAML: `notify(ops, "差评 {rating}星: {text}")` holds `: `, braces
and quotes, and `[notify(ops, "hi")]` is not a YAML flow list. Before the file is
composed, each `do:` item (and a one-line `do:` value) is masked with a plain scalar of
the same length and shape; the builder gives the scalar found there the file's own text
back. Every other character stays where it was, so positions are unchanged.
"""

from __future__ import annotations

import re

_DO_KEY = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)do:(?=[ ]|$)")
_ITEM = re.compile(r"^(?P<lead>[ ]*)-(?:[ ]+|$)")
# A value that YAML reads well, or that is not an action call: left to YAML.
_LEFT_TO_YAML = ("'", '"', "|", ">", "&", "*", "!", "{", "#")

Span = tuple[int, int]  # [start, end) offsets of an item in the text


def verbatim_spans(text: str) -> list[Span]:
    """The [start, end) stretches of `text` that are `do:` items, to be read as written."""
    lines = _lines(text)
    spans: list[Span] = []
    number = 0
    while number < len(lines):
        line = lines[number][0]
        match = _DO_KEY.match(line)
        number += 1
        if match is None:
            continue
        column = len(match.group("lead"))
        start = match.end()
        rest = line[start:]
        if rest.strip() and not rest.strip().startswith("#"):
            value_start = start + len(rest) - len(rest.lstrip(" "))
            span = _item(lines, number - 1, value_start, column)
            if span is not None:
                spans.append(span)
            continue
        number = _block_items(lines, number, column, spans)
    return spans


def mask(text: str, spans: list[Span]) -> str:
    """`text` with each span's characters (but line breaks and spaces) made `_`."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for index in range(start, end):
            if chars[index] not in " \n":
                chars[index] = "_"
    return "".join(chars)


def _lines(text: str) -> list[tuple[str, int]]:
    result, offset = [], 0
    for line in text.split("\n"):
        result.append((line, offset))
        offset += len(line) + 1
    return result


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_items(lines: list[tuple[str, int]], number: int, column: int, spans: list[Span]) -> int:
    """Mask the `- item` lines under a `do:` at `column`; the number of the line after."""
    while number < len(lines):
        line, _ = lines[number]
        if not line.strip() or line.lstrip(" ").startswith("#"):
            number += 1
            continue
        item = _ITEM.match(line)
        if item is None or len(item.group("lead")) < column:
            return number
        span = _item(lines, number, item.end(), _indent(line))
        if span is not None:
            spans.append(span)
        number += 1
    return number


def _item(lines: list[tuple[str, int]], number: int, start: int, column: int) -> Span | None:
    """The span of one item whose text begins at `start` on line `number`: to the end of
    its line (before a comment), and on through lines indented deeper than `column`."""
    line, offset = lines[number]
    if line[start : start + 1] in _LEFT_TO_YAML:
        return None
    quote_state: list[str | None] = [None]
    end = offset + _content_end(line, start, quote_state)
    while number + 1 < len(lines):
        following, following_offset = lines[number + 1]
        stripped = following.strip()
        if not stripped or _indent(following) <= column or stripped.startswith("#"):
            break
        number += 1
        end = following_offset + _content_end(following, _indent(following), quote_state)
    start_offset = offset + start
    return (start_offset, end) if end > start_offset else None


def _content_end(line: str, start: int, quote_state: list[str | None]) -> int:
    """Where the item's text on `line` ends: before a ` #` comment outside quotes and
    before trailing spaces. `quote_state` carries an open quote across lines."""
    quote = quote_state[0]
    end = len(line)
    index = start
    while index < len(line):
        char = line[index]
        if quote is not None:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and index > start and line[index - 1] == " ":
            end = index
            break
        index += 1
    quote_state[0] = quote
    return len(line[:end].rstrip(" "))
