"""Bounded regular expressions for `matches`: limited in size, and in time per match.

Patterns are compiled with the `regex` package, whose matcher takes a timeout, so a
catastrophic pattern such as `(a+)+$` stops with a clear error instead of hanging.
"""

from __future__ import annotations

import regex

from shopctl.errors import RuleError

MAX_PATTERN = 200  # characters
MATCH_TIMEOUT = 0.05  # seconds per match
MAX_REPEAT = 1000  # product of nested counted repetitions such as (a{10}){100}
COUNT = regex.compile(r"\{(\d+)(?:,(\d*))?\}")


class RegexTimeout(RuleError):
    """A regular expression took too long on one value."""


class BoundedRegex:
    """A compiled pattern whose `search` is bounded in subject size and time."""

    def __init__(self, pattern: str):
        if len(pattern) > MAX_PATTERN:
            raise RuleError(
                f"regular expression is {len(pattern)} characters long; at most "
                f"{MAX_PATTERN} are allowed"
            )
        check_repetition(pattern)
        try:
            self._compiled = regex.compile(pattern, regex.VERSION1)
        except regex.error as error:
            raise RuleError(f"invalid regular expression: {error}") from None
        self.pattern = pattern

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in `text`; RegexTimeout when that takes too long."""
        try:
            return self._compiled.search(text, timeout=MATCH_TIMEOUT) is not None
        except TimeoutError:
            raise RegexTimeout(
                f"regular expression {self.pattern!r} took longer than {MATCH_TIMEOUT} s on "
                f"a value of {len(text)} characters; simplify it (avoid nested repeats "
                "such as (a+)+)"
            ) from None


def check_repetition(pattern: str) -> None:
    """Refuse counted repetitions whose nested product exceeds MAX_REPEAT: compiling
    `(((a{100}){100}){100}){100}` alone would take minutes and gigabytes."""
    inside = [1]  # per open group, the largest repetition product of what it holds
    last = 1  # the product of the atom just read, which a quantifier multiplies
    i = 0
    while i < len(pattern):
        char = pattern[i]
        count = COUNT.match(pattern, i)
        if char == "\\":
            last, i = 1, i + 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            last = 1
            continue
        if char == "(":
            inside.append(1)
        elif char == ")" and len(inside) > 1:
            last = inside.pop()
        elif count is not None:
            low, high = int(count.group(1)), count.group(2)
            last *= max(low, int(high) if high else low)
            if last > MAX_REPEAT:
                raise RuleError(
                    f"regular expression repeats {last:,} times at character {i + 1} "
                    f"(counted repetitions multiply when nested); at most {MAX_REPEAT:,}"
                )
            i = count.end()
            inside[-1] = max(inside[-1], last)
            continue
        else:
            last = 1
        inside[-1] = max(inside[-1], last)
        i += 1


def _class_end(pattern: str, start: int) -> int:
    """The index just after the character class opening at `start`."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1
