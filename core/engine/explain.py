"""Why a rule does or does not select one entity: every sub-expression's value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopctl.engine.evaluate import Match, RuleQuery, read_only
from shopctl.errors import ShopctlError
from shopctl.rules.compiled import CompiledRule, EvalContext, TraceItem

if TYPE_CHECKING:
    from shopctl.project import Project

VERDICTS = {True: "true", False: "false", None: "unknown"}


@dataclass(frozen=True)
class Explanation:
    """One entity's values under a rule's condition, and the verdict."""

    rule: str
    entity: Match
    verdict: str  # "true", "false" or "unknown" (a rule matches only where true)
    trace: list[TraceItem]


def explain(
    project: Project,
    compiled: CompiledRule,
    entity_id: str,
    ctx: EvalContext,
    *,
    account: str | None = None,
) -> Explanation:
    """Fetch the entity's values (whatever the condition says) and trace the condition."""
    query = RuleQuery(
        project.engine, project.registry, compiled, ctx, account=account, ids=[entity_id]
    )
    with read_only(project.engine) as conn:
        found = query.fetch(conn)
    type_name = compiled.entity_type.name
    if not found:
        where = f" in account {account!r}" if account else ""
        raise ShopctlError(f"no {type_name} {entity_id!r}{where} in the store")
    if len(found) > 1:
        accounts = ", ".join(sorted(m.account for m in found))
        raise ShopctlError(
            f"{type_name} {entity_id!r} exists in several accounts ({accounts}): "
            "choose one with --account"
        )
    entity = found[0]
    verdict = VERDICTS[compiled.condition(entity.row, ctx)]
    return Explanation(compiled.rule.name, entity, verdict, compiled.explain(entity.row, ctx))
