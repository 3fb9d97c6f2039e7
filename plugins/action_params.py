"""Parameters of the actions several built-in platforms declare (`set_bid`, `set_price`…).

The registry merges same-named actions only when their parameters are identical, so the
demo and csv platforms declare them from this one place.
"""

from __future__ import annotations

from shopctl import Param, Type

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
