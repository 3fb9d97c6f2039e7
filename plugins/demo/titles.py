"""Rewriting a slow seller's title with long-tail keywords (`refresh_title`)."""

from __future__ import annotations

import unicodedata

from shopctl_plugins.demo.vocabulary import Category

TITLE_LIMIT = 60
"""Title length limit in display columns: a CJK character counts as 2 (Taobao's rule)."""


def title_width(text: str) -> int:
    """Length of `text` as marketplaces count it: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def refresh_title(
    title: str, category: Category, limit: int = TITLE_LIMIT, replace: int = 2
) -> str:
    """Replace the `replace` lowest-traffic words of `title` with better keywords.

    Keywords are tried best first (search volume over competition); a keyword replaces
    a word only when it scores higher, is not in the title yet and keeps the title
    within `limit`. Head words (the product noun) stay. Duplicated words are dropped
    and an over-long title is shortened from its weakest words. Deterministic.
    """
    words = list(dict.fromkeys(title.split()))
    protected = set(category.head)
    scores = {k.text: k.score for k in category.keywords}

    def weakest_first() -> list[int]:
        free = [i for i, w in enumerate(words) if w not in protected]
        return sorted(free, key=lambda i: (scores.get(words[i], 0.0), i))

    while title_width(" ".join(words)) > limit and weakest_first():
        del words[weakest_first()[0]]
    candidates = sorted(
        (k for k in category.keywords if k.text not in words), key=lambda k: (-k.score, k.text)
    )
    for index in weakest_first()[:replace]:
        current = scores.get(words[index], 0.0)
        for keyword in candidates:
            if keyword.score <= current:
                break
            trial = [*words[:index], keyword.text, *words[index + 1 :]]
            if title_width(" ".join(trial)) <= limit:
                words = trial
                candidates.remove(keyword)
                break
    return " ".join(words)
