"""Whether a SQLite store may be created, and whether the one in use is still there.

A project records each SQLite store it created in `.shopctl/stores.json` next to its
config. A recorded store that is missing was deleted or moved: opening it is an error,
never a new empty store (which would forget every cooldown and run). A running daemon
compares the file's identity (device and inode) and write bits with those it started
with, so a store deleted, replaced or made read-only under it is noticed. A SQLite file
with hard links is refused: its write-ahead log is kept by name, so every name would be
a database of its own.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from shopctl.errors import ShopctlError

RECORD = "stores.json"
CREATE_HINT = "shopctl store create"


class StoreMissing(ShopctlError):
    """A store this project created before is gone."""


class StoreLinked(ShopctlError):
    """A SQLite store file has more than one name (hard links)."""


def single_name(path: Path) -> None:
    """Refuse a SQLite file with hard links: SQLite keeps its write-ahead log beside the
    name it was opened by, so each name would read and write a diverging database."""
    links = path.stat().st_nlink
    if links > 1:
        raise StoreLinked(
            f"store {path} has {links} names (hard links); SQLite keeps a separate log per "
            "name, so each would be a different database — remove the other links "
            "(a symlink is fine)"
        )


def sqlite_file(url: str) -> Path | None:
    """The database file of a file-based SQLite URL (absolute); None for anything else."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("uri") or parsed.database.startswith("file:"):
        return None  # the operator chose SQLite's own URI options; leave them alone
    return Path(parsed.database).absolute()


def sqlite_uri(path: Path, create: bool) -> str:
    """The SQLite URI filename that opens `path`, never creating it unless `create`."""
    return f"{path.absolute().as_uri()}?mode={'rwc' if create else 'rw'}"


def recorded(records: Path) -> dict[str, str]:
    """The stores the project created: resolved path -> when (ISO 8601)."""
    try:
        data = json.loads((records / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ShopctlError(f"{records / RECORD}: unreadable ({exc}); fix or remove it") from exc
    stores = data.get("stores") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in stores.items()} if isinstance(stores, dict) else {}


def record_created(path: Path, records: Path) -> None:
    """Note in the project that it created the store at `path` (best effort: a project
    folder the process may not write keeps working, unprotected, with a warning)."""
    stores = recorded(records)
    stores[str(path.resolve())] = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        _write(records, stores)
    except OSError as exc:
        logging.getLogger("shopctl.store").warning(
            "cannot record the store in %s (%s): a later loss of %s will not be noticed",
            records / RECORD,
            exc.strerror or exc,
            path,
        )


def _write(records: Path, stores: dict[str, str]) -> None:
    records.mkdir(parents=True, exist_ok=True)
    temporary = records / (RECORD + ".tmp")
    temporary.write_text(json.dumps({"stores": stores}, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, records / RECORD)


def may_create(path: Path, records: Path | None) -> bool:
    """Whether opening the store at `path` may create it: True when it does not exist and
    the project never created it; raises StoreMissing when it existed before."""
    stores = recorded(records) if records is not None else {}
    if path.exists():
        single_name(path)
        if records is not None and str(path.resolve()) not in stores:
            record_created(path, records)  # a store made before projects kept this record
        return False
    if records is not None:
        created = stores.get(str(path.resolve()))
        if created is not None:
            raise StoreMissing(
                f"store {path} is missing; this project created it on {created[:10]} — "
                f"restore it from a backup, or run `{CREATE_HINT}` to start an empty one"
            )
    return True


@dataclass(frozen=True)
class StoreFile:
    """A SQLite store file as it was when a daemon started on it."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> StoreFile:
        """The identity of the file at `path` now."""
        info = path.stat()
        return cls(path, info.st_dev, info.st_ino)

    def problem(self) -> str | None:
        """Why the store can no longer be used, or None while it is the same writable file."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return f"store {self.path} was deleted"
        except OSError as exc:
            return f"store {self.path} cannot be reached: {exc.strerror or exc}"
        if (info.st_dev, info.st_ino) != (self.device, self.inode):
            return f"store {self.path} was replaced by another file"
        if info.st_nlink > 1:
            # Another name would be another database (see single_name); stopping is
            # safer than going on while a second name may be in use.
            return f"store {self.path} got a second name (a hard link)"
        for place in (self.path, self.path.parent):
            if _read_only(place):
                return f"store {self.path} turned read-only ({place} cannot be written)"
        return None


def _read_only(path: Path) -> bool:
    # The write bits say it even to root, whom access() lets write anything not immutable.
    try:
        mode = path.stat().st_mode
    except OSError:
        return True
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK)


def forget_created(path: Path, records: Path) -> None:
    """Drop `path` from the project's record, so the next open may create it afresh."""
    stores = recorded(records)
    if stores.pop(str(path.resolve()), None) is not None:
        _write(records, stores)
