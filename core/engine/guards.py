"""The guards a run applies before acting, in SPEC §4.4 order.

max_percent → cooldown → consent → contact frequency caps → quiet hours → limit.
Guards only read (the ledger, the store); every entity they hold back is reported
with its reason, never silently dropped. `limit` counts entities acted on: an entity
with `pause` and `notify` is one of the rule's `limit 20`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from shopctl.engine.contacts import Contact, contacts_of
from shopctl.engine.keys import encode_args, intent_key, period_of
from shopctl.engine.ledger import contact_history, cooling, known_keys
from shopctl.rules.model import QuietHours

if TYPE_CHECKING:
    from shopctl.engine.evaluate import Evaluation, Match
    from shopctl.project import Project
    from shopctl.rules.compiled import CompiledRule, EvalContext

DAY = timedelta(days=1)
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class PlannedAction:
    """One action a run will take: an intent-to-be with its key."""

    account: str
    entity_id: str
    action: str
    args: dict[str, Any]  # JSON values (keys.encode_args)
    key: str
    status: str = "planned"  # "deferred" while quiet hours last
    not_before: datetime | None = None


@dataclass(frozen=True)
class Skip:
    """An entity (or one of its actions) a guard held back, and why."""

    account: str
    entity_id: str
    reason: str


@dataclass
class Guarded:
    """What the guards let through: planned actions, and everything skipped."""

    planned: list[PlannedAction] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    limit_exceeded: str | None = None  # why nothing at all happens


def apply_guards(
    project: Project,
    conn: Connection,
    compiled: CompiledRule,
    evaluation: Evaluation,
    ctx: EvalContext,
    slot: str | None = None,
) -> Guarded:
    """Run the guards over the matches of one rule evaluation."""
    rule, defaults = compiled.rule, project.config.defaults
    result = Guarded()
    matched = evaluation.matched
    share = rule.max_percent if rule.max_percent is not None else defaults.max_percent
    if evaluation.total and len(matched) / evaluation.total > share:
        result.limit_exceeded = (
            f"matched {len(matched)} of {evaluation.total} "
            f"({len(matched) / evaluation.total:.0%}), over max_percent {share:.0%}"
        )
        result.skipped = [Skip(m.account, m.id, result.limit_exceeded) for m in matched]
        return result
    zone = project.config.timezone
    now = ctx.now
    cooldown = rule.cooldown or defaults.cooldown
    cooled = cooling(conn, rule.name, rule.on, now - cooldown) if cooldown else {}
    facing = any(a.spec.customer_facing for a in compiled.actions)
    contacts = _contacts(project, conn, compiled, matched) if facing else {}
    caps = ContactCaps(project, conn, now) if facing else None
    quiet = rule.quiet_hours or defaults.quiet_hours
    quiet_end = quiet_until(quiet, now, zone) if quiet and facing else None
    limit = rule.limit if rule.limit is not None else defaults.limit
    period = period_of(cooldown, now, slot)
    acted = 0
    for match in matched:
        last = cooled.get((match.account, match.id))
        if last is not None:
            until = (last + cooldown).astimezone(zone)  # type: ignore[operator]
            result.skipped.append(
                Skip(match.account, match.id, f"cooldown until {until:%Y-%m-%d %H:%M}")
            )
            continue
        contact = contacts.get((match.account, match.id))
        planned, reasons = _entity_actions(compiled, match, ctx, contact, caps, period, quiet_end)
        if planned and acted >= limit:
            reasons = [f"over limit {limit}"]
            planned = []
        if planned:
            acted += 1
            if caps is not None and contact is not None:
                caps.count(contact, _reaching(compiled, planned))
        result.planned += planned
        result.skipped += [Skip(match.account, match.id, r) for r in dict.fromkeys(reasons)]
    return _without_known_keys(conn, result)


def quiet_until(quiet: QuietHours, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the quiet window `now` falls in (aware), or None outside it."""
    local = now.astimezone(zone)
    start, end, moment = quiet.start, quiet.end, local.time().replace(tzinfo=None)
    if start == end:
        return None
    day = local.date()
    if start < end:
        inside = start <= moment < end
    else:  # the window wraps midnight: "22:00-08:00"
        inside = moment >= start or moment < end
        if moment >= start:
            day += DAY
    if not inside:
        return None
    return datetime.combine(day, end, tzinfo=zone)


class ContactCaps:
    """Messages per customer in the last 24 hours and 30 days, across rules and channels."""

    def __init__(self, project: Project, conn: Connection, now: datetime):
        self.limits = project.config.defaults.caps
        registry = project.registry
        facing = [a.name for a in registry.actions.values() if a.customer_facing]
        self.day: Counter[tuple[str, str]] = Counter()
        self.month: Counter[tuple[str, str]] = Counter()
        history = contact_history(conn, facing, now - MONTH)
        by_type: dict[tuple[str, str], list[tuple[str, datetime]]] = {}
        for account, entity_type, entity_id, created in history:
            by_type.setdefault((account, entity_type), []).append((entity_id, created))
        for (account, type_name), items in by_type.items():
            if type_name not in registry.entity_types:
                continue
            found = contacts_of(
                conn, registry, registry.entity_type(type_name), account, [i for i, _ in items]
            )
            for entity_id, created in items:
                if entity_id in found:
                    who = (account, found[entity_id].customer_id)
                    self.month[who] += 1
                    self.day[who] += created > now - DAY

    def refusal(self, contact: Contact) -> str | None:
        """Why one more message to this customer would break a cap, or None."""
        who = (contact.account, contact.customer_id)
        if self.day[who] >= self.limits.per_day:
            return f"frequency cap: {self.limits.per_day} per 24h"
        if self.month[who] >= self.limits.per_30_days:
            return f"frequency cap: {self.limits.per_30_days} per 30 days"
        return None

    def count(self, contact: Contact, messages: int) -> None:
        """Count the messages this run plans for the customer."""
        who = (contact.account, contact.customer_id)
        self.day[who] += messages
        self.month[who] += messages


def _entity_actions(
    compiled: CompiledRule,
    match: Match,
    ctx: EvalContext,
    contact: Contact | None,
    caps: ContactCaps | None,
    period: str,
    quiet_end: datetime | None,
) -> tuple[list[PlannedAction], list[str]]:
    rule = compiled.rule
    planned: list[PlannedAction] = []
    reasons: list[str] = []
    for item in compiled.actions:
        spec = item.spec
        if spec.customer_facing:
            refusal = _facing_refusal(contact, caps)
            if refusal:
                reasons.append(refusal)
                continue
        try:
            args = encode_args({name: fn(match.row, ctx) for name, fn in item.args.items()})
        except Exception as exc:  # one entity's bad value must not stop the run
            reasons.append(f"{spec.name}: cannot compute its arguments ({exc})")
            continue
        key = intent_key(rule.name, rule.on, match.account, match.id, spec.name, args, period)
        deferred = spec.customer_facing and quiet_end is not None
        planned.append(
            PlannedAction(
                match.account,
                match.id,
                spec.name,
                args,
                key,
                "deferred" if deferred else "planned",
                quiet_end if deferred else None,
            )
        )
    return planned, reasons


def _facing_refusal(contact: Contact | None, caps: ContactCaps | None) -> str | None:
    if contact is None:
        return "no customer to contact"
    if not contact.consents:
        return "no marketing consent"
    return caps.refusal(contact) if caps is not None else None


def _reaching(compiled: CompiledRule, planned: list[PlannedAction]) -> int:
    facing = {a.spec.name for a in compiled.actions if a.spec.customer_facing}
    return sum(1 for p in planned if p.action in facing)


def _contacts(
    project: Project, conn: Connection, compiled: CompiledRule, matched: list[Match]
) -> dict[tuple[str, str], Contact]:
    by_account: dict[str, list[str]] = {}
    for match in matched:
        by_account.setdefault(match.account, []).append(match.id)
    found = {}
    for account, ids in by_account.items():
        for entity_id, contact in contacts_of(
            conn, project.registry, compiled.entity_type, account, ids
        ).items():
            found[(account, entity_id)] = contact
    return found


def _without_known_keys(conn: Connection, result: Guarded) -> Guarded:
    """Leave out actions whose key the ledger already holds: they were taken this period."""
    unique = list({p.key: p for p in result.planned}.values())
    known = known_keys(conn, [p.key for p in unique])
    result.planned = [p for p in unique if p.key not in known]
    result.skipped += [
        Skip(p.account, p.entity_id, f"{p.action}: already in the ledger ({known[p.key]})")
        for p in unique
        if p.key in known
    ]
    return result
