"""Where each character of a YAML scalar's value was written in the file.

YAML moves characters about: quotes and escapes disappear, line breaks fold into
spaces, block scalars lose their indentation. Redoing that decoding while keeping
each character's offset lets an error in a `when:` expression point at the right
place in the file. When the redone decoding disagrees with PyYAML's (an exotic form),
the caller falls back to positions counted from the scalar's start.
"""

from __future__ import annotations

from yaml.nodes import ScalarNode
from yaml.scanner import Scanner

_Pairs = list[tuple[str, int]]
_BLANK = " \t"


def scalar_points(text: str, node: ScalarNode) -> list[int] | None:
    """Offsets into `text` of each character of `node.value`, plus one past the end;
    None when they cannot be worked out."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("|", ">"):
        pairs = _block(text, start, end, folded=node.style == ">")
    elif node.style in ("'", '"'):
        pairs = _flow(text, start + 1, end - 1, node.style)
    else:
        pairs = _flow(text, start, end, None)
    if pairs is None:
        return None
    decoded = "".join(c for c, _ in pairs)
    value = node.value
    if decoded != value:
        # Chomping and the final line break are the block scalar's own business.
        if decoded.rstrip("\n") != value.rstrip("\n") or not pairs:
            return None
        last = pairs[-1][1]
        pairs = (pairs + [("\n", last)] * len(value))[: len(value)]
    return [offset for _, offset in pairs] + [end if node.style is None else end - 1]


def _lines(text: str, start: int, end: int) -> list[tuple[str, int]]:
    """The lines of text[start:end] with the offset each begins at."""
    result, offset = [], start
    for line in text[start:end].split("\n"):
        result.append((line, offset))
        offset += len(line) + 1
    return result


def _flow(text: str, start: int, end: int, style: str | None) -> _Pairs | None:
    """Plain and quoted scalars: fold line breaks, decode quotes and escapes."""
    lines = _lines(text, start, end)
    pairs: _Pairs = []
    pending_break: int | None = None  # offset of a line break not yet folded
    empty_lines = 0
    for number, (line, offset) in enumerate(lines):
        first, last = number == 0, number == len(lines) - 1
        body_start = 0 if first else len(line) - len(line.lstrip(_BLANK))
        body_end = len(line) if last else len(line.rstrip(_BLANK))
        if not first and body_start == len(line) and not last:
            empty_lines += 1
            continue
        if pending_break is not None:
            pairs += [("\n", pending_break)] * empty_lines or [(" ", pending_break)]
        empty_lines = 0
        body = line[body_start:body_end]
        decoded = _decode(body, offset + body_start, style)
        if decoded is None:
            return None
        chars, joined = decoded
        pairs += chars
        # An escaped line break: the next line continues without a space.
        pending_break = None if joined else offset + len(line)
    return pairs


def _decode(body: str, offset: int, style: str | None) -> tuple[_Pairs, bool] | None:
    """Characters of one line of a flow scalar, and whether it ends with an escaped
    line break (double quotes only)."""
    pairs: _Pairs = []
    i = 0
    while i < len(body):
        char = body[i]
        if style == "'" and char == "'" and body[i + 1 : i + 2] == "'":
            pairs.append(("'", offset + i))
            i += 2
        elif style == '"' and char == "\\":
            if i + 1 == len(body):
                return pairs, True
            code = body[i + 1]
            if code in Scanner.ESCAPE_REPLACEMENTS:
                pairs.append((Scanner.ESCAPE_REPLACEMENTS[code], offset + i))
                i += 2
            elif code in Scanner.ESCAPE_CODES:
                size = Scanner.ESCAPE_CODES[code]
                try:
                    pairs.append((chr(int(body[i + 2 : i + 2 + size], 16)), offset + i))
                except ValueError:
                    return None
                i += 2 + size
            else:
                return None
        else:
            pairs.append((char, offset + i))
            i += 1
    return pairs, False


def _block(text: str, start: int, end: int, folded: bool) -> _Pairs:
    """Literal (|) and folded (>) block scalars."""
    header_end = text.find("\n", start, end)
    if header_end < 0:
        return []
    lines = _lines(text, header_end + 1, end)
    indent = next((len(ln) - len(ln.lstrip(" ")) for ln, _ in lines if ln.strip()), 0)
    pairs: _Pairs = []
    previous: str | None = None  # the last non-empty line: "text" or "more" indented
    line_break = 0  # offset of the line break after the last non-empty line
    empty: list[int] = []  # line breaks of the empty lines since then
    for line, offset in lines:
        if not line.strip():
            empty.append(offset + len(line))
            continue
        body = line[indent:]
        kind = "more" if body[:1] in _BLANK else "text"
        if previous is None:
            pairs += [("\n", b) for b in empty]
        elif folded and previous == kind == "text":
            pairs += [("\n", b) for b in empty] or [(" ", line_break)]
        else:
            pairs += [("\n", line_break)] + [("\n", b) for b in empty]
        pairs += [(c, offset + indent + k) for k, c in enumerate(body)]
        previous, line_break, empty = kind, offset + len(line), []
    return pairs
