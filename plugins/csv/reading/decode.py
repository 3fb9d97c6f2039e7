"""Text files as operators have them: which encoding and delimiter, and decoded lines.

The encoding is told from the first `SAMPLE_BYTES` (BOMs, UTF-16's NULs, valid UTF-8,
valid GB18030, else charset-normalizer's guess); the delimiter from the header area.
`decoded_lines` streams the file in chunks and names the line of any byte that does not
decode and of any NUL character, so the csv module never sees either.
"""

from __future__ import annotations

import codecs
import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from shopctl_plugins.csv.reading.errors import ReadError

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
LONGEST_LINE_CHARS = 64 * 1024 * 1024  # read before the csv module sees the line
DELIMITERS = (",", "\t", ";")  # in order of preference when counts tie
HEADER_AREA_LINES = 30
# Bytes a character may span at the end of a sample cut mid-character.
_CUT_SLACK = {"utf-8": 3, "gb18030": 3}


def detect_encoding(sample: bytes, truncated: bool = False) -> str:
    """The codec to read a file whose first bytes are `sample` (`truncated`: more follow)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    for encoding in ("utf-8", "gb18030"):
        if _decodes(sample, encoding, truncated):
            return encoding
    from charset_normalizer import from_bytes  # imported only for the rare file that needs it

    best = from_bytes(sample).best()
    if best is None:
        raise ValueError("not text in any encoding charset-normalizer knows")
    return best.encoding


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a NUL in every other byte."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd >= pairs * 0.3 and even <= pairs * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd <= pairs * 0.05:
        return "utf-16-be"
    return None


def _decodes(sample: bytes, encoding: str, truncated: bool) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError as exc:
        # A character cut by the end of the sample is no evidence against the encoding.
        cut = truncated and exc.start >= len(sample) - _CUT_SLACK[encoding]
        if not cut:
            return False
        try:
            sample[: exc.start].decode(encoding)
        except UnicodeDecodeError:
            return False
    return True


def sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: the one most lines of the header area hold equally many of.

    Counted outside double quotes over the first `HEADER_AREA_LINES` lines, so title
    lines above the header and commas inside cells (`1,234.50` in a tab file) do not
    decide: each candidate scores (lines sharing its most common non-zero count, count).
    """
    lines: list[dict[str, int]] = []
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in counts:
            counts[char] += 1
        elif char == "\n":
            lines.append(counts)
            counts = dict.fromkeys(DELIMITERS, 0)
            if len(lines) >= HEADER_AREA_LINES:
                break
    lines.append(counts)
    return max(DELIMITERS, key=lambda d: _consistency([c[d] for c in lines]))


def _consistency(counts: list[int]) -> tuple[int, int]:
    found = Counter(n for n in counts if n)
    if not found:
        return (0, 0)
    count, lines = max(found.items(), key=lambda item: (item[1], item[0]))
    return (lines, count)


def decoded_lines(path: Path, encoding: str) -> Iterator[str]:
    """The file's lines, decoded, with their endings (as `open(newline="")` gives them).

    Raises ReadError naming the line of a byte that is not `encoding` text or of a NUL.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1  # the line the next chunk starts on
    pending = ""
    with path.open("rb") as handle:
        while True:
            data = handle.read(CHUNK_BYTES)
            final = not data
            text = _decode(decoder, data, final, path, encoding, line, pending)
            if "\x00" in text:
                at = pending + text
                raise ReadError(
                    f"{path.name}:{line + at[: at.index(chr(0))].count(chr(10))}",
                    "a NUL character is not text; re-export the file as CSV text",
                )
            text = pending + text
            cut = len(text) if final else text.rfind("\n") + 1
            if not cut:  # old Mac endings: a `\r` that is not last ends a whole line
                cut = text.rfind("\r", 0, len(text) - 1) + 1
            if len(text) - cut > LONGEST_LINE_CHARS:
                raise ReadError(
                    f"{path.name}:{line}",
                    f"a line longer than {LONGEST_LINE_CHARS // 2**20} MB; not an export",
                )
            if cut:
                whole = text[:cut]
                yield from io.StringIO(whole, newline="")
                line += whole.count("\n")
            pending = text[cut:]
            if final:
                return


def _decode(
    decoder: codecs.IncrementalDecoder,
    data: bytes,
    final: bool,
    path: Path,
    encoding: str,
    line: int,
    pending: str,
) -> str:
    try:
        return decoder.decode(data, final)
    except UnicodeDecodeError as exc:
        before = pending + exc.object[: exc.start].decode(encoding, errors="replace")
        byte = exc.object[exc.start : exc.start + 1]
        what = f"byte 0x{byte.hex()}" if byte else "cut at the end of the file"
        name = encoding.removesuffix("-sig")
        raise ReadError(
            f"{path.name}:{line + before.count(chr(10))}",
            f"not {name} text ({what}); re-export the file as UTF-8 (Excel: Save As, CSV UTF-8)",
        ) from None
