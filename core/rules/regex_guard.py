"""Bounded regular expressions for `matches`: limited in size, and in time per match.

Patterns are compiled with the `regex` package, whose matcher takes a timeout, so a
catastrophic pattern such as `(a+)+$` stops with a clear error instead of hanging.
"""

from __future__ import annotations

import regex

from shopctl.errors import RuleError

MAX_PATTERN = 200  # characters
MATCH_TIMEOUT = 0.05  # seconds per match


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
