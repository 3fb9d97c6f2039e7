"""Named points where tests can crash the process, to prove recovery (SPEC §9).

`SHOPCTL_FAILPOINT=intents_written:3` makes the third pass through
`failpoint("intents_written")` end the process at once, as `kill -9` would: no
cleanup, no flush. Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

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


BARRIER_ENV = "SHOPCTL_BARRIER"
BARRIER_WAIT = 30.0


def barrier(name: str) -> None:
    """Wait here until N processes arrived, if $SHOPCTL_BARRIER is `name:folder:N`.

    Each arrival leaves a file in the folder; tests line up concurrent runs with it.
    Unset, a barrier costs one dictionary lookup.
    """
    spec = os.environ.get(BARRIER_ENV)
    if not spec:
        return
    point, folder, count = spec.split(":")
    if point != name:
        return
    path = Path(folder)
    (path / str(os.getpid())).touch()
    deadline = time.monotonic() + BARRIER_WAIT
    while len(list(path.iterdir())) < int(count) and time.monotonic() < deadline:
        time.sleep(0.005)
