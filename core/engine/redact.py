"""Keep secrets out of what the ledger, the runs, alerts and logs record.

One masker for every path that stores or prints error text. Errors quote what a server
sent back, and servers echo secrets in many spellings: the exact value, JSON-escaped
(`sk\\/…`, `\\u00e9`), URL-encoded (`%2F`, `+`). Each is replaced by ***. Text is masked
before it is cut to a length, and what remains at the cut is checked again: the first
six or more characters of a secret left at the end are masked too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
PARTIAL = 6  # the shortest piece of a secret at a cut that is still masked


def spellings(secret: str) -> set[str]:
    """The forms a secret takes when a server echoes it: exact, JSON, URL-encoded."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    forms |= {form.replace("/", "\\/") for form in list(forms)}
    return {form for form in forms if form}


def redact(text: str, secrets: Iterable[str], limit: int | None = None) -> str:
    """`text` with every spelling of every secret replaced by ***, then cut to `limit`."""
    forms = sorted({f for s in secrets if s for f in spellings(s)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, MASK)
    if limit is None or len(text) <= limit:
        return text
    text = text[:limit]
    for form in forms:
        for size in range(len(form) - 1, PARTIAL - 1, -1):
            if text.endswith(form[:size]):
                return text[:-size] + MASK
    return text
