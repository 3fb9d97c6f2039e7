"""Bulk-edit files (`out/<type>-<action>.csv`) the platform's own bulk editor uploads.

Each change appends one row (`id` and the changed columns). A journal next to the
files remembers every idempotency key with its result, so performing a key twice adds
no second row and an interrupted action can be looked up. Writers hold a file lock.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock

JOURNAL = ".shopctl-keys.jsonl"
TAIL_BYTES = 64 * 1024


def cell(value: Any) -> str:
    """A value as a bulk editor reads it: 12 not 12.0, no float noise, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        value = round(value, 6)
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


class BulkEdits:
    """The `out/` folder of one csv account."""

    def __init__(self, folder: Path):
        self.out = folder / "out"
        # The journal read so far: other processes only ever append to it.
        self._keys: dict[str, Any] = {}
        self._read_to = 0

    def path(self, entity_type: str, action: str) -> Path:
        """The file an action's rows go to."""
        return self.out / f"{entity_type}-{action}.csv"

    def done(self, key: str) -> dict[str, Any] | None:
        """The result recorded for `key`, or None if it never took effect."""
        return self._journal().get(key)

    def write(
        self, path: Path, entity_id: str, values: Mapping[str, Any], key: str, result: Any
    ) -> dict[str, Any]:
        """Append the row for one change once per key; the recorded result is returned."""
        self.out.mkdir(parents=True, exist_ok=True)
        with self._locked():
            journal = self._journal()
            if key in journal:
                return journal[key]
            header = ["id", *values]
            row = [entity_id, *(cell(v) for v in values.values())]
            # A crash between the row and its journal line leaves that row last:
            # finding it there means the change is already in the file.
            if self._last_row(path) != row:
                self._append(path, header, row)
            self._record(key, result)
            return result

    def _record(self, key: str, result: Any) -> None:
        entry = json.dumps({"key": key, "result": result}, ensure_ascii=False) + "\n"
        with (self.out / JOURNAL).open("a+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    entry = "\n" + entry  # end a line a crash tore, so this one parses
            handle.write(entry.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())

    def _append(self, path: Path, header: list[str], row: list[str]) -> None:
        new = not path.exists() or path.stat().st_size == 0
        if not new:
            existing = self._header(path)
            if existing != header:
                raise ValueError(f"{path.name} has columns {existing}, not {header}")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if new:
            writer.writerow(header)
        writer.writerow(row)
        # A BOM lets spreadsheet programs read the CJK text as UTF-8.
        with path.open("a", encoding="utf-8-sig" if new else "utf-8", newline="") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())

    def _header(self, path: Path) -> list[str]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])

    def _last_row(self, path: Path) -> list[str] | None:
        """The last data row, read from the end of the file (rows are short)."""
        if not path.exists():
            return None
        with path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            lines = handle.read().decode("utf-8-sig", errors="replace").splitlines()
        if size <= TAIL_BYTES and len(lines) < 2:
            return None  # only the header
        return next(csv.reader(lines[-1:]), None)

    def _journal(self) -> dict[str, Any]:
        """Every key recorded so far; only lines appended since the last call are read."""
        path = self.out / JOURNAL
        size = path.stat().st_size if path.exists() else 0
        if size < self._read_to:  # replaced: start over
            self._keys, self._read_to = {}, 0
        if size == self._read_to:
            return self._keys
        with path.open("rb") as handle:
            handle.seek(self._read_to)
            chunk = handle.read(size - self._read_to)
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self._read_to += len(complete)
        for line in complete.decode("utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a crash: its row is found again by _last_row
            if isinstance(entry, dict) and "key" in entry:
                self._keys[entry["key"]] = entry.get("result")
        return self._keys

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # filelock: flock on Unix, LockFileEx on Windows; never a soft marker a crash leaves.
        lock = filelock.FileLock(
            self.out / ".lock", thread_local=False, fallback_to_soft=False, preserve_lock_file=True
        )
        with lock:
            yield
