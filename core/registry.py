"""Declarations: entity types, fields, metrics, actions, functions, settings.

Everything a rule can name is declared here once, with its type and help text; the
checker, the compiler, `shopctl plugins`, the JSON output and `docs/` all read these
declarations instead of restating them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from shopctl.types import Type

if TYPE_CHECKING:
    from shopctl.channel import Channel
    from shopctl.platform import Platform


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a parameter or setting that must be given."""


class DeclarationError(Exception):
    """Two plugins declare the same name incompatibly, or a declaration is malformed."""


@dataclass(frozen=True)
class Field:
    """A field of an entity type: `roi`, `title`, `last_order_at`."""

    name: str
    type: Type
    help: str = ""


@dataclass(frozen=True)
class Metric:
    """A daily metric stored per entity and day: `spend`, `clicks`, `units_sold`."""

    name: str
    help: str = ""
    type: Type = Type.NUMBER


@dataclass(frozen=True)
class DerivedMetric:
    """A metric over a window, written in the rule language with `w` for the window.

    `DerivedMetric("roi", "sum(revenue, w) / sum(spend, w)", "Return on ad spend")`
    lets a rule say `roi(7d)`.
    """

    name: str
    formula: str
    help: str = ""
    type: Type = Type.NUMBER


@dataclass(frozen=True)
class Relation:
    """A path from an entity to a related one: an order's `customer` via `customer_id`."""

    name: str
    field: str
    target: str


@dataclass(frozen=True)
class EntityType:
    """A kind of thing a shop has; canonical ones live in `shopctl.entities`."""

    name: str
    fields: tuple[Field, ...]
    metrics: tuple[Metric, ...] = ()
    derived: tuple[DerivedMetric, ...] = ()
    relations: tuple[Relation, ...] = ()
    help: str = ""
    # How `message()` reaches a person: "self" (the entity is the customer), the name
    # of a relation leading to the customer, or None (no contact).
    contact_via: str | None = None

    def field(self, name: str) -> Field | None:
        """The field called `name`, or None."""
        return next((f for f in self.fields if f.name == name), None)

    def metric(self, name: str) -> Metric | None:
        """The daily metric called `name`, or None."""
        return next((m for m in self.metrics if m.name == name), None)

    def derived_metric(self, name: str) -> DerivedMetric | None:
        """The derived metric called `name`, or None."""
        return next((d for d in self.derived if d.name == name), None)

    def relation(self, name: str) -> Relation | None:
        """The relation called `name`, or None."""
        return next((r for r in self.relations if r.name == name), None)

    def extended_by(self, other: EntityType) -> EntityType:
        """This type with the fields, metrics and relations `other` adds."""
        merged = {}
        for kind in ("fields", "metrics", "derived", "relations"):
            mine = {item.name: item for item in getattr(self, kind)}
            for item in getattr(other, kind):
                if item.name in mine and mine[item.name] != item:
                    existing = getattr(mine[item.name], "type", None)
                    if existing is not None and existing != getattr(item, "type", None):
                        raise DeclarationError(
                            f"{self.name}.{item.name} is declared as {existing} and as {item.type}"
                        )
                mine.setdefault(item.name, item)
            merged[kind] = tuple(mine.values())
        return replace(self, **merged, contact_via=self.contact_via or other.contact_via)


@dataclass(frozen=True)
class Param:
    """A typed parameter of an action or function."""

    name: str
    type: Type
    help: str = ""
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        """True when the caller must give a value."""
        return self.default is REQUIRED


@dataclass(frozen=True)
class ActionSpec:
    """An action rules may call on entities of the types in `on` ("*" for any type)."""

    name: str
    on: tuple[str, ...]
    params: tuple[Param, ...] = ()
    help: str = ""
    customer_facing: bool = False
    # `Platform.restore` can put back the `before` values the action recorded.
    reversible: bool = False
    # The platform deduplicates by the idempotency key it is passed.
    honours_keys: bool = False
    # Doing it twice has the effect of doing it once (pausing a paused ad group).
    idempotent: bool = False
    example: str = ""

    def applies_to(self, entity_type: str) -> bool:
        """Whether rules on `entity_type` may call this action."""
        return "*" in self.on or entity_type in self.on

    def param(self, name: str) -> Param | None:
        """The parameter called `name`, or None."""
        return next((p for p in self.params if p.name == name), None)


ReturnType = Type | Callable[[Sequence[Type]], Type]


@dataclass(frozen=True)
class FunctionSpec:
    """A function rules may call: `days_since(t)`, `lower(s)`, a plugin's own.

    `python` computes the value from evaluated arguments (None arguments are passed
    through, so the function decides its null behaviour); `sql`, when given, builds the
    SQLAlchemy expression from compiled arguments so the call runs in the database.
    """

    name: str
    params: tuple[Param, ...]
    returns: ReturnType
    help: str = ""
    python: Callable[..., Any] | None = None
    sql: Callable[..., Any] | None = None
    variadic: bool = False
    example: str = ""
    # Built-in style: `python(ctx, *args)` gets the EvalContext first and `sql(call)`
    # gets a `shopctl.rules.sql.SqlCall` (binding, compiled arguments, their types).
    # In SQL, timestamp and duration arguments are integer microseconds (since 1970 UTC).
    context: bool = False

    def return_type(self, args: Sequence[Type]) -> Type:
        """The result type for arguments of the given types."""
        return self.returns(args) if callable(self.returns) else self.returns


@dataclass(frozen=True)
class Setting:
    """A setting of a platform account or channel in `shopctl.yaml`."""

    name: str
    type: Type
    help: str = ""
    default: Any = REQUIRED
    secret: bool = False

    @property
    def required(self) -> bool:
        """True when the config must give a value."""
        return self.default is REQUIRED


@dataclass
class Registry:
    """Every declaration the loaded plugins made, merged and checked for conflicts."""

    entity_types: dict[str, EntityType] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    platforms: dict[str, type[Platform]] = field(default_factory=dict)
    channels: dict[str, type[Channel]] = field(default_factory=dict)
    # name -> plugin that declared it, for error messages and `shopctl plugins`.
    origins: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Registry:
        """A registry with the same declarations that can be extended on its own."""
        return Registry(
            dict(self.entity_types),
            dict(self.actions),
            dict(self.functions),
            dict(self.platforms),
            dict(self.channels),
            dict(self.origins),
        )

    def add_entity_type(self, entity_type: EntityType, origin: str) -> None:
        """Declare an entity type, or extend one already declared."""
        known = self.entity_types.get(entity_type.name)
        if known is None:
            self.entity_types[entity_type.name] = entity_type
            self.origins[f"type:{entity_type.name}"] = origin
        else:
            self.entity_types[entity_type.name] = known.extended_by(entity_type)

    def add_action(self, spec: ActionSpec, origin: str) -> None:
        """Declare an action; the same name may serve several entity types."""
        known = self.actions.get(spec.name)
        if known is not None and _signature(known.params) != _signature(spec.params):
            raise DeclarationError(
                f"action {spec.name!r} from {origin} has other parameters (names, types or "
                f"defaults) than the one "
                f"from {self.origins.get('action:' + spec.name)}"
            )
        if known is not None:
            spec = replace(known, on=tuple(dict.fromkeys(known.on + spec.on)))
        self.actions[spec.name] = spec
        self.origins.setdefault(f"action:{spec.name}", origin)

    def add_function(self, spec: FunctionSpec, origin: str) -> None:
        """Declare a function; names are unique."""
        if spec.name in self.functions:
            raise DeclarationError(
                f"function {spec.name!r} from {origin} is already declared by "
                f"{self.origins.get('function:' + spec.name)}"
            )
        self.functions[spec.name] = spec
        self.origins[f"function:{spec.name}"] = origin

    def add_platform(self, platform: type[Platform], origin: str) -> None:
        """Declare a platform plugin class and the actions it performs."""
        self._add_unique(self.platforms, platform.name, platform, "platform", origin)
        for spec in platform.action_specs():
            self.add_action(spec, origin)

    def add_channel(self, channel: type[Channel], origin: str) -> None:
        """Declare a channel plugin class."""
        self._add_unique(self.channels, channel.name, channel, "channel", origin)

    def entity_type(self, name: str) -> EntityType:
        """The entity type called `name`; KeyError if none is declared."""
        return self.entity_types[name]

    def actions_for(self, entity_type: str) -> dict[str, ActionSpec]:
        """The actions rules on `entity_type` may call."""
        return {n: a for n, a in self.actions.items() if a.applies_to(entity_type)}

    def _add_unique(
        self, table: dict[str, Any], name: str, value: Any, kind: str, origin: str
    ) -> None:
        if name in table and table[name] is not value:
            raise DeclarationError(
                f"{kind} {name!r} from {origin} is already declared by "
                f"{self.origins.get(kind + ':' + name)}"
            )
        table[name] = value
        self.origins[f"{kind}:{name}"] = origin


def _signature(params: tuple[Param, ...]) -> tuple[tuple[str, Type, Any], ...]:
    """What makes two declarations of an action the same call: help text may differ."""
    return tuple((p.name, p.type, p.default) for p in params)
