"""Why a store cannot be opened, in one line: a missing folder, a path that cannot be
written, a driver that is not installed, a server or database that is not there."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from shopctl.errors import ShopctlError
from shopctl.store.existence import sqlite_file

POSTGRES_EXTRA = "pip install 'shopctl[postgres]'"


class StoreUnreachable(ShopctlError):
    """The configured store cannot be opened; the message says why and what to do."""


def shown(url: str) -> str:
    """The store URL as it may be shown: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the configured store URL"


def unreachable(url: str, exc: BaseException) -> StoreUnreachable:
    """The one-line error for `exc`, raised while opening the store at `url`."""
    where = shown(url)
    if isinstance(exc, ImportError):
        if "psycopg" in str(exc) or url.startswith("postgresql"):
            return StoreUnreachable(
                f"the store {where} needs the PostgreSQL driver psycopg, which is not "
                f"installed: {POSTGRES_EXTRA}"
            )
        return StoreUnreachable(f"the store {where} needs a driver that is not installed: {exc}")
    if isinstance(exc, ArgumentError):
        return StoreUnreachable(f"store: {exc}; e.g. sqlite:///shopctl.db")
    path = sqlite_file(url)
    if path is not None:
        problem = sqlite_problem(path)
        if problem is not None:
            return StoreUnreachable(f"the store {path} {problem}")
    detail = getattr(exc, "orig", None) or exc
    first = next((ln.strip() for ln in str(detail).splitlines() if ln.strip()), type(exc).__name__)
    first = first.removeprefix("connection failed: ")
    return StoreUnreachable(f"cannot open the store {where}: {first}")


def sqlite_problem(path: Path) -> str | None:
    """Why a SQLite file at `path` could not be opened or created, if the file system
    says; None when it looks fine."""
    folder = path.parent
    if not folder.exists():
        return f"is in a folder that does not exist ({folder}); create the folder or fix `store`"
    if not folder.is_dir():
        return f"is under {folder}, which is not a folder; fix `store`"
    if path.exists():
        return None if os.access(path, os.R_OK) else "cannot be read (permission denied)"
    try:  # os.access says yes to root even where nothing can be written (/proc)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot be created in {folder}: {exc.strerror or exc}"
    return None


def check_reachable(url: str) -> None:
    """Raise StoreUnreachable when the store cannot be connected to; creates nothing."""
    path = sqlite_file(url)
    if path is not None:
        problem = sqlite_problem(path)
        if problem is not None:
            raise StoreUnreachable(f"the store {path} {problem}")
        return
    from shopctl.store.engine import create_store_engine

    try:
        engine = create_store_engine(url, create=False)
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except (ImportError, SQLAlchemyError) as exc:
        raise unreachable(url, exc) from None
