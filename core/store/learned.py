"""The schemas platforms learn at sync, kept in the store for every later command."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Engine

from shopctl.store.tables import learned_schemas
from shopctl.store.upsert import upsert


class Learned(NamedTuple):
    """What one account's platform learned: the plugin that learned it and its body."""

    plugin: str
    body: Mapping[str, Any]


def read_learned(engine: Engine) -> dict[str, Learned]:
    """Every account's learned schema."""
    with engine.connect() as conn:
        rows = conn.execute(select(learned_schemas)).all()
    return {row.account: Learned(row.plugin, row.body) for row in rows}


def save_learned(
    engine: Engine, account: str, plugin: str, body: Mapping[str, Any], at: datetime
) -> None:
    """Keep what `account`'s platform learned, replacing what it learned before."""
    values = {"account": account, "plugin": plugin, "body": dict(body), "learned_at": at}
    with engine.begin() as conn:
        conn.execute(upsert(learned_schemas, conn.dialect), [values])
