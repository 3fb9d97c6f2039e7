"""A test platform that counts external effects in files, across processes.

Each effect is one line `key<TAB>entity` appended to `effects` (a file shared by every
daemon process of a test), every call one line in `calls`. `bump` honours idempotency
keys the way a real API does: a key already applied is acknowledged, not applied
again. `poke` does not know keys. `hang` names an entity whose calls never return, and
`ambiguous` one whose call takes effect and then times out.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import filelock

from shopctl import (
    ActionRequest,
    ActionResult,
    AmbiguousError,
    Platform,
    Record,
    Setting,
    Type,
    action,
    hookimpl,
)


class CountingPlatform(Platform):
    """`count` products `p001`…; actions leave countable lines in files."""

    name = "counting"
    provides = ("product",)
    settings = (
        Setting("count", Type.INTEGER, "How many products", 5),
        Setting("effects", Type.TEXT, "File of effects, one line each"),
        Setting("delay", Type.NUMBER, "Seconds each action takes", 0.0),
        Setting("hang", Type.TEXT, "Entity whose calls never return", ""),
        Setting("ambiguous", Type.TEXT, "Entity whose call acts, then times out", ""),
    )

    def fetch(self, entity_type: str, since: datetime | None) -> Iterable[Record]:
        """The products, all active."""
        for n in range(1, int(self.config.get("count", 5)) + 1):
            yield {"id": f"p{n:03d}", "title": f"Product {n}", "status": "active", "price": 10.0}

    @action("product", honours_keys=True, example="bump")
    def bump(self, request: ActionRequest) -> ActionResult:
        """Apply once per idempotency key."""
        self._before(request)
        with self._locked() as effects:
            applied = {line.split("\t")[0] for line in effects.read_text().splitlines()}
            if request.key not in applied:
                self._append(effects, request)
                if request.entity_id == self.config.get("ambiguous"):
                    raise AmbiguousError("timed out after the request was accepted")
        return ActionResult(reference=request.key)

    @action("product", example="poke")
    def poke(self, request: ActionRequest) -> ActionResult:
        """Apply every time it is called: this platform knows no keys."""
        self._before(request)
        with self._locked() as effects:
            self._append(effects, request)
        if request.entity_id == self.config.get("ambiguous"):
            raise AmbiguousError("timed out after the request was sent")
        return ActionResult()

    def _before(self, request: ActionRequest) -> None:
        calls = Path(str(self.config["effects"]) + ".calls")
        with calls.open("a", encoding="utf-8") as out:
            out.write(f"{request.key}\t{request.entity_id}\n")
        if request.entity_id == self.config.get("hang"):
            time.sleep(3600)
        time.sleep(float(self.config.get("delay", 0.0)))

    @contextmanager
    def _locked(self) -> Iterator[Path]:
        path = Path(str(self.config["effects"]))
        path.touch()
        with filelock.FileLock(str(path) + ".lock", thread_local=False):
            yield path

    @staticmethod
    def _append(effects: Path, request: ActionRequest) -> None:
        with effects.open("a", encoding="utf-8") as out:
            out.write(f"{request.key}\t{request.entity_id}\t{request.action}\n")
            out.flush()


@hookimpl
def shopctl_platforms() -> list[type[Platform]]:
    """The counting platform."""
    return [CountingPlatform]
