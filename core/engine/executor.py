"""The executor: claims intents from the ledger and carries them out (SPEC §9).

Per intent: claim (a lease) → count the attempt → call the plugin with the intent's
key, in a worker thread with a time limit → record done / failed / unknown. Transient
errors are retried with exponential backoff. A call whose effect is uncertain (an
AmbiguousError, a timeout, or a lease that expired after the attempt started because
its executor died) is retried with the same key only when the platform honours keys
or the action is idempotent, reconciled by `Platform.lookup` when it can, and
otherwise marked `unknown` and alerted — never blindly resent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from shopctl.engine import ledger
from shopctl.engine.call_timeout import CallTimeoutError, TimedCaller
from shopctl.engine.core_actions import CORE_ACTIONS, send_alert
from shopctl.engine.failpoints import failpoint
from shopctl.engine.keys import decode_args
from shopctl.engine.ledger import Intent
from shopctl.engine.redact import redact
from shopctl.errors import AmbiguousError, TransientError
from shopctl.platform import ActionRequest, ActionResult, Platform
from shopctl.registry import ActionSpec
from shopctl.store.engine import READ_ONLY
from shopctl.store.entities import ACCOUNT, SYNCED_AT, EntityTables

if TYPE_CHECKING:
    from shopctl.project import Project

log = logging.getLogger("shopctl.engine")

DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_CALL_TIMEOUT = 30.0  # seconds one plugin call may take
MAX_ATTEMPTS = 4
BACKOFF = 1.0  # seconds before the second attempt; doubled each time after


@dataclass
class ExecReport:
    """What one executor pass did: the final status of every intent it handled."""

    statuses: dict[int, str] = field(default_factory=dict)  # intent id -> status
    released: int = 0  # claimed, then given back because `stop` was set
    interrupted: bool = False

    def count(self, status: str) -> int:
        """How many intents ended with `status`."""
        return sum(1 for s in self.statuses.values() if s == status)


def execute_pending(
    project: Project,
    *,
    owner: str,
    run_id: int | None = None,
    stop: threading.Event | None = None,
    lease: timedelta = DEFAULT_LEASE,
    call_timeout: float = DEFAULT_CALL_TIMEOUT,
) -> ExecReport:
    """Claim and execute every intent that is due (only run `run_id`'s when given)."""
    engine, clock = project.engine, project.clock
    report = ExecReport()
    # One connection for the ledger's three writes per action: no checkout (and no
    # pre-ping round trip) per transaction.
    with engine.connect() as conn:
        worker = _Worker(project, conn, owner, call_timeout)
        try:
            last = 0
            while batch := ledger.claimable(engine, clock.now(), run_id=run_id, after=last):
                worker.prefetch(batch)
                for intent in batch:
                    last = intent.id
                    if stop is not None and stop.is_set():
                        report.interrupted = True
                        return report
                    now = clock.now()
                    if not ledger.claim(conn, intent, owner, now, now + lease):
                        continue  # another executor won it
                    failpoint("claimed")
                    if stop is not None and stop.is_set():
                        ledger.release(conn, intent, owner, clock.now())
                        report.released += 1
                        report.interrupted = True
                        return report
                    report.statuses[intent.id] = worker.execute(intent)
        finally:
            worker.caller.close()
    return report


class _Worker:
    """Executes claimed intents one by one for one owner."""

    def __init__(self, project: Project, conn: Connection, owner: str, call_timeout: float):
        self.project = project
        self.conn = conn  # the ledger's writes go through it
        self.owner = owner
        self.call_timeout = call_timeout
        self.tables = EntityTables(project.registry)
        self.caller = TimedCaller()
        self.entities: dict[tuple[str, str, str], dict[str, Any]] = {}

    def prefetch(self, batch: list[Intent]) -> None:
        """Read the stored entities of a batch of intents in one query per type and account."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for intent in batch:
            wanted.setdefault((intent.entity_type, intent.account), []).append(intent.entity_id)
        self.entities = {}
        with self.project.engine.connect().execution_options(**READ_ONLY) as conn:
            for (type_name, account), ids in wanted.items():
                table = self.tables.entity(type_name)
                query = select(table).where(table.c[ACCOUNT] == account, table.c.id.in_(ids))
                for row in conn.execute(query):
                    values = {
                        k: v for k, v in row._mapping.items() if k not in (ACCOUNT, SYNCED_AT)
                    }
                    self.entities[(type_name, account, row.id)] = values

    def execute(self, intent: Intent) -> str:
        """Carry out one claimed intent and record its outcome; the final status."""
        spec = self.project.registry.actions.get(intent.action)
        if spec is None:
            return self._record(intent, "failed", error=f"no plugin declares {intent.action!r}")
        request = ActionRequest(
            action=intent.action,
            entity_type=intent.entity_type,
            entity_id=intent.entity_id,
            entity=self._entity(intent),
            args=decode_args(spec, intent.args),
            key=intent.key,
        )
        try:
            platform = (
                None if intent.action in CORE_ACTIONS else self.project.platform(intent.account)
            )
        except Exception as exc:
            return self._record(intent, "failed", error=_describe(exc))
        safe_to_repeat = spec.honours_keys or spec.idempotent
        if intent.status == "claimed" and intent.attempts > 0 and not safe_to_repeat:
            # Its executor died after the call started: the effect may have happened.
            told, found = self._lookup(platform, request)
            if found is not None:
                return self._done(intent, found)
            if not told:
                return self._unknown(intent, "interrupted during the call; not resent")
        return self._attempts(intent, spec, request, platform)

    def _attempts(
        self, intent: Intent, spec: ActionSpec, request: ActionRequest, platform: Platform | None
    ) -> str:
        clock, delay = self.project.clock, BACKOFF
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if not ledger.start_attempt(self.conn, intent.id, self.owner, clock.now()):
                return "lost"
            last = attempt == MAX_ATTEMPTS
            try:
                result = self.caller.call(self._call(intent, request, platform), self.call_timeout)
            except TransientError as exc:
                if last:
                    return self._record(intent, "failed", error=_describe(exc))
            except (AmbiguousError, CallTimeoutError) as exc:
                if not (spec.honours_keys or spec.idempotent):
                    told, found = self._lookup(platform, request)
                    if found is not None:
                        return self._done(intent, found)
                    if not told:
                        return self._unknown(intent, _describe(exc))
                if last:
                    return self._unknown(intent, _describe(exc))
            except Exception as exc:  # PermanentError, or a plugin bug: this entity only
                return self._record(intent, "failed", error=_describe(exc))
            else:
                failpoint("plugin_called")
                return self._done(intent, result)
            log.info("intent %s: attempt %d failed, retrying in %gs", intent.id, attempt, delay)
            clock.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable: the last attempt always records")

    def _call(
        self, intent: Intent, request: ActionRequest, platform: Platform | None
    ) -> Callable[[], ActionResult]:
        if platform is None:
            handler = CORE_ACTIONS[intent.action]
            return lambda: handler(self.project, intent.account, request)
        return lambda: platform.perform(request)

    def _lookup(
        self, platform: Platform | None, request: ActionRequest
    ) -> tuple[bool, ActionResult | None]:
        """Whether the platform could tell if the key took effect, and its effect if so."""
        if platform is None or not platform.can_lookup():
            return False, None
        try:
            return True, self.caller.call(lambda: platform.lookup(request), self.call_timeout)
        except Exception as exc:  # cannot tell: the caller must not resend
            why = redact(_describe(exc), self.project.config.secrets())
            log.warning("lookup of %s failed: %s", request.key, why)
            return False, None

    def _entity(self, intent: Intent) -> dict[str, Any]:
        found = self.entities.get((intent.entity_type, intent.account, intent.entity_id))
        return found if found is not None else {"id": intent.entity_id}

    def _done(self, intent: Intent, result: ActionResult) -> str:
        return self._record(
            intent,
            "done",
            before=result.before,
            after=result.after,
            reference=result.reference,
        )

    def _unknown(self, intent: Intent, why: str) -> str:
        status = self._record(intent, "unknown", error=why)
        why = redact(why, self.project.config.secrets())
        send_alert(
            self.project,
            f"shopctl: {intent.action} on {intent.entity_type} {intent.entity_id} "
            f"(rule {intent.rule}, run {intent.run_id}) may or may not have happened: {why}. "
            "Check it on the platform; it will not be resent.",
        )
        return status

    def _record(self, intent: Intent, status: str, **values: Any) -> str:
        project = self.project
        if values.get("error"):
            values["error"] = redact(values["error"], project.config.secrets())
        if not ledger.record(
            self.conn, intent.id, self.owner, project.clock.now(), status=status, **values
        ):
            log.warning("intent %s: lease lost before recording %s", intent.id, status)
            return "lost"
        failpoint("result_recorded")
        return status


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
