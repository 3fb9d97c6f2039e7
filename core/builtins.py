"""The core's own declarations, registered as a plugin like any other.

Canonical entity types, the three core actions and the built-in functions.
"""

from __future__ import annotations

from shopctl.entities import CANONICAL
from shopctl.hookspecs import hookimpl
from shopctl.registry import ActionSpec, EntityType, FunctionSpec, Param
from shopctl.rules.functions import BUILTIN_FUNCTIONS
from shopctl.types import Type

CORE_ACTIONS = (
    ActionSpec(
        "notify",
        on=("*",),
        params=(
            Param("channel", Type.CHANNEL, "A channel from shopctl.yaml, e.g. ops"),
            Param("text", Type.TEMPLATE, "The message; {expression} holes are filled in"),
        ),
        help="Tell the team: send text to the channel's configured recipients.",
        idempotent=False,
        example='notify(ops, "暂停 {name}: ROI {roi(7d):.2f}")',
    ),
    ActionSpec(
        "message",
        on=("*",),
        params=(
            Param("channel", Type.CHANNEL, "A channel that reaches customers, e.g. sms"),
            Param("text", Type.TEMPLATE, "The message; {expression} holes are filled in"),
        ),
        help="Write to the entity's own contact (the customer, or the order's or "
        "review's customer). Customer-facing: consent, caps and quiet hours apply.",
        customer_facing=True,
        example='message(sms, "亲，您的积分将于3天后过期")',
    ),
    ActionSpec(
        "tag",
        on=("*",),
        params=(Param("name", Type.TEXT, "The label to add"),),
        help='Label the entity in the store; rules can test `labels contains "x"`.',
        reversible=True,
        idempotent=True,
        example='tag("churn-risk")',
    ),
)


@hookimpl
def shopctl_entity_types() -> list[EntityType]:
    """The canonical entity types of SPEC §5."""
    return list(CANONICAL)


@hookimpl
def shopctl_actions() -> list[ActionSpec]:
    """notify, message and tag."""
    return list(CORE_ACTIONS)


@hookimpl
def shopctl_functions() -> list[FunctionSpec]:
    """now(), days_since(), lower(), sum(metric, 7d)…"""
    return list(BUILTIN_FUNCTIONS)
