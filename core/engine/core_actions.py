"""The core's own actions: `notify` the team, `message` a customer, `tag` an entity.

They take the same `ActionRequest` and give the same `ActionResult` as a platform's
actions, so the executor treats every action alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from shopctl.channel import Message
from shopctl.engine.contacts import contacts_of
from shopctl.errors import PermanentError
from shopctl.platform import ActionRequest, ActionResult
from shopctl.store.engine import READ_ONLY
from shopctl.store.entities import LABELS, EntityTables

if TYPE_CHECKING:
    from shopctl.project import Project

log = logging.getLogger("shopctl.engine")


def notify(project: Project, account: str, request: ActionRequest) -> ActionResult:
    """Send the text to the channel's configured recipients (the team)."""
    channel = project.channel(request.args["channel"])
    delivery = channel.send(
        Message(recipients=channel.recipients(), text=request.args["text"], key=request.key)
    )
    return ActionResult(reference=delivery.reference, detail=delivery.detail)


def message(project: Project, account: str, request: ActionRequest) -> ActionResult:
    """Send the text to the entity's customer, at the address the channel uses."""
    name = request.args["channel"]
    channel = project.channel(name)
    if channel.address is None:
        raise PermanentError(f"channel {name!r} cannot reach customers")
    entity_type = project.registry.entity_type(request.entity_type)
    with project.engine.connect().execution_options(**READ_ONLY) as conn:
        found = contacts_of(conn, project.registry, entity_type, account, [request.entity_id])
    contact = found.get(request.entity_id)
    address = contact.fields.get(channel.address) if contact else None
    if not address:
        raise PermanentError(
            f"{request.entity_type} {request.entity_id} has no customer {channel.address}"
        )
    delivery = channel.send(
        Message(
            recipients=(str(address),),
            text=request.args["text"],
            key=request.key,
            customer_facing=True,
        )
    )
    return ActionResult(reference=delivery.reference, detail=delivery.detail)


def tag(project: Project, account: str, request: ActionRequest) -> ActionResult:
    """Add a label to the entity's `labels` in the store (once)."""
    return _relabel(
        project,
        account,
        request,
        lambda labels, name: [*labels, name] if name not in labels else labels,
    )


def untag(project: Project, account: str, request: ActionRequest) -> ActionResult:
    """Remove the label `tag` added; other labels stay."""
    return _relabel(
        project, account, request, lambda labels, name: [x for x in labels if x != name]
    )


CORE_ACTIONS: dict[str, Callable[[Project, str, ActionRequest], ActionResult]] = {
    "notify": notify,
    "message": message,
    "tag": tag,
}


def send_alert(project: Project, text: str) -> None:
    """Tell the configured `alerts` channel; a failure to alert is logged, not raised."""
    name = project.config.alerts
    if not name:
        log.warning("alert (no alerts channel configured): %s", text)
        return
    try:
        channel = project.channel(name)
        channel.send(Message(recipients=channel.recipients(), text=text, subject="shopctl alert"))
    except Exception as exc:  # the alert must never take the executor down
        log.error("cannot alert channel %s: %s; alert was: %s", name, type(exc).__name__, text)


def _relabel(
    project: Project,
    account: str,
    request: ActionRequest,
    change: Callable[[list[str], str], list[str]],
) -> ActionResult:
    table = EntityTables(project.registry).entity(request.entity_type)
    where = (table.c._account == account, table.c.id == request.entity_id)
    with project.engine.begin() as conn:
        found = conn.execute(select(table.c[LABELS]).where(*where)).first()
        if found is None:
            raise PermanentError(f"{request.entity_type} {request.entity_id} is not in the store")
        before = list(found[0] or [])
        after = change(before, str(request.args["name"]))
        conn.execute(update(table).where(*where).values({LABELS: after}))
    return ActionResult(before={LABELS: before}, after={LABELS: after})
