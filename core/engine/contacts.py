"""Who a customer-facing action reaches: the customer behind an entity.

A customer is its own contact; an order or a review reaches its customer through the
relation its entity type names in `contact_via`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from shopctl.registry import EntityType, Registry
from shopctl.store.entities import EntityTables

CHUNK = 500


@dataclass(frozen=True)
class Contact:
    """The customer an entity reaches, with the fields a message needs."""

    account: str
    customer_id: str
    fields: Mapping[str, Any]  # the customer's stored fields: email, phone, consent…

    @property
    def consents(self) -> bool:
        """Whether the customer accepts marketing (unknown is no)."""
        return self.fields.get("accepts_marketing") is True


def contacts_of(
    conn: Connection,
    registry: Registry,
    entity_type: EntityType,
    account: str,
    ids: Iterable[str],
) -> dict[str, Contact]:
    """Entity id -> its customer, for entities of `entity_type` in `account`.

    Entities without a customer (none recorded, or a type with no contact) are absent.
    """
    via = entity_type.contact_via
    if via is None:
        return {}
    tables = EntityTables(registry)
    source = tables.entity(entity_type.name)
    if via == "self":
        customer, target = source, source
        joined: Any = source
    else:
        relation = entity_type.relation(via)
        if relation is None:
            return {}
        target = tables.entity(relation.target)
        customer = target
        joined = source.join(
            target,
            and_(target.c._account == source.c._account, target.c.id == source.c[relation.field]),
        )
    found: dict[str, Contact] = {}
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = (
            select(source.c.id.label("_entity"), *customer.c)
            .select_from(joined)
            .where(source.c._account == account, source.c.id.in_(chunk))
        )
        for row in conn.execute(query):
            values = dict(row._mapping)
            entity_id = values.pop("_entity")
            found[entity_id] = Contact(account, values["id"], values)
    return found
