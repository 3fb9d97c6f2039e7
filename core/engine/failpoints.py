"""Named points where tests can crash the process, to prove recovery (SPEC §9).

`SHOPCTL_FAILPOINT=intents_written:3` makes the third pass through
`failpoint("intents_written")` end the process at once, as `kill -9` would: no
cleanup, no flush. Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
from collections import Counter

ENV = "SHOPCTL_FAILPOINT"
POINTS = ("run_inserted", "intents_written", "claimed", "plugin_called", "result_recorded")
_passes: Counter[str] = Counter()


def failpoint(name: str) -> None:
    """End the process abruptly here if $SHOPCTL_FAILPOINT names this point."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _passes[name] += 1
    if _passes[name] >= int(nth or 1):
        os._exit(137)
