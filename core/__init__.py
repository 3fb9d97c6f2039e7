"""shopctl: operating rules for online shops, run by a small core and its plugins.

This module is the public API plugin authors import; it is kept small and stable.
"""

from shopctl.channel import Channel, Delivery, Message
from shopctl.clock import Clock, FrozenClock
from shopctl.engine.redact import redact
from shopctl.entities import CANONICAL as CANONICAL_ENTITY_TYPES
from shopctl.errors import AmbiguousError, PermanentError, TransientError
from shopctl.hookspecs import hookimpl
from shopctl.platform import (
    ActionRequest,
    ActionResult,
    Platform,
    PluginContext,
    Record,
    Rejected,
    action,
)
from shopctl.registry import (
    ActionSpec,
    DerivedMetric,
    EntityType,
    Field,
    FunctionSpec,
    Metric,
    Param,
    Relation,
    Setting,
)
from shopctl.types import Type

__version__ = "0.1.0"

__all__ = [
    "CANONICAL_ENTITY_TYPES",
    "ActionRequest",
    "ActionResult",
    "ActionSpec",
    "AmbiguousError",
    "Channel",
    "Clock",
    "Delivery",
    "DerivedMetric",
    "EntityType",
    "Field",
    "FrozenClock",
    "FunctionSpec",
    "Message",
    "Metric",
    "Param",
    "PermanentError",
    "Platform",
    "PluginContext",
    "Record",
    "Rejected",
    "Relation",
    "Setting",
    "TransientError",
    "Type",
    "action",
    "hookimpl",
    "redact",
]
