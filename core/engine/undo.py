"""`shopctl undo RUN`: reverse what a run changed, newest change first.

Each done intent of a reversible action is handed back to its platform with the
`before` values it recorded (`Platform.restore`), or untagged for the core's `tag`,
and marked `undone`; undoing the same run again finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from shopctl.engine import ledger
from shopctl.engine.core_actions import untag
from shopctl.engine.keys import decode_args
from shopctl.errors import ShopctlError
from shopctl.platform import ActionRequest
from shopctl.store.engine import READ_ONLY
from shopctl.store.tables import runs

if TYPE_CHECKING:
    from shopctl.project import Project


@dataclass
class UndoReport:
    """What undoing a run did, intent by intent."""

    run_id: int
    undone: list[int] = field(default_factory=list)  # intent ids restored
    irreversible: list[int] = field(default_factory=list)  # done, but cannot be undone
    failed: dict[int, str] = field(default_factory=dict)  # intent id -> why restoring failed

    def to_json(self) -> dict[str, Any]:
        """Stable keys for `undo --json`."""
        return {
            "run": self.run_id,
            "undone": self.undone,
            "irreversible": self.irreversible,
            "failed": [{"intent": k, "error": v} for k, v in self.failed.items()],
        }


def undo_run(project: Project, run_id: int) -> UndoReport:
    """Restore every reversible change run `run_id` made; ShopctlError for unknown runs."""
    engine = project.engine
    with engine.connect().execution_options(**READ_ONLY) as conn:
        if conn.scalar(select(runs.c.id).where(runs.c.id == run_id)) is None:
            raise ShopctlError(f"there is no run {run_id} (see `shopctl history`)")
    report = UndoReport(run_id)
    for intent in reversed(ledger.run_intents(engine, run_id)):
        if intent.status != "done":
            continue
        spec = project.registry.actions.get(intent.action)
        if spec is None or not spec.reversible:
            report.irreversible.append(intent.id)
            continue
        request = ActionRequest(
            action=intent.action,
            entity_type=intent.entity_type,
            entity_id=intent.entity_id,
            entity={"id": intent.entity_id},
            args=decode_args(spec, intent.args),
            key=intent.key,
        )
        try:
            if intent.action == "tag":
                untag(project, intent.account, request)
            else:
                project.platform(intent.account).restore(request, intent.before or {})
        except Exception as exc:  # one entity that cannot be restored must not stop the rest
            report.failed[intent.id] = f"{type(exc).__name__}: {exc}"
            continue
        ledger.set_status(engine, intent.id, "undone", project.clock.now())
        report.undone.append(intent.id)
    return report
