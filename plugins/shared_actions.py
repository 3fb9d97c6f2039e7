"""What the built-in platforms' same-named actions share (`set_bid`, `set_price`…).

The registry merges same-named actions only when their parameters agree, so the demo and
csv platforms declare them from this one place; undo and key lookups read back what
they recorded through the same helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopctl import ActionRequest, ActionResult, Param, PermanentError, Type

BID = Param("bid", Type.NUMBER, "New bid per click (出价), greater than 0")
BUDGET = Param("amount", Type.NUMBER, "New daily budget (日预算), greater than 0")
PRICE = Param("price", Type.NUMBER, "New selling price, greater than 0")

# The field each reversible action changes, so undo writes back exactly that field.
CHANGED_FIELD = {
    "pause": "status",
    "resume": "status",
    "set_bid": "bid",
    "set_budget": "daily_budget",
    "set_price": "price",
    "refresh_title": "title",
}


def undo_field(platform: str, request: ActionRequest, before: Mapping[str, Any]) -> str:
    """The field `request`'s action changed; PermanentError when `before` lacks it."""
    changed = CHANGED_FIELD.get(request.action)
    if changed is None or changed not in before:
        raise PermanentError(f"{platform} cannot undo {request.action!r} with {dict(before)}")
    return changed


def recorded_result(row: Mapping[str, Any]) -> ActionResult:
    """The ActionResult a platform recorded under an idempotency key, read back."""
    return ActionResult(
        before=row.get("before"),
        after=row.get("after"),
        reference=row.get("reference"),
        detail=row.get("detail") or "",
    )
