"""The base class of platform plugins (shops, ad accounts) and the `@action` decorator."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from shopctl.clock import Clock
from shopctl.registry import ActionSpec, EntityType, Param, Setting

Record = Mapping[str, Any]
"""One entity as a platform reports it: field name -> value, with at least `id`."""


@dataclass(frozen=True)
class Rejected:
    """A record the platform could not read, yielded in its place so sync reports it
    (with where it came from and why) and counts it rejected (SPEC §4.5)."""

    source: str  # where it was read: "products_export.csv:17"
    reason: str  # what is wrong: "column Variant Price: expected money, got 'abc'"
    id: str | None = None


@dataclass(frozen=True)
class PluginContext:
    """What the core hands a platform or channel when it creates one."""

    clock: Clock
    state_dir: Path  # a folder the plugin may keep files in (next to the store)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("shopctl"))
    # What `Platform.learn` returned at the latest sync of this account ({} before one).
    learned: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionRequest:
    """One action to perform on one entity."""

    action: str
    entity_type: str
    entity_id: str
    entity: Mapping[str, Any]  # the entity's stored fields when the rule matched
    args: Mapping[str, Any]
    key: str  # idempotency key: the same key must never take effect twice
    dry_run: bool = False


@dataclass(frozen=True)
class ActionResult:
    """What an action did: field values before and after (for undo), a reference."""

    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reference: str | None = None  # the platform's id for the effect (a coupon code…)
    detail: str = ""


ActionMethod = Callable[[Any, ActionRequest], ActionResult]


def action(
    on: str | Sequence[str],
    *,
    params: Sequence[Param] = (),
    name: str | None = None,
    help: str | None = None,
    customer_facing: bool = False,
    reversible: bool = False,
    honours_keys: bool = False,
    idempotent: bool = False,
    example: str = "",
) -> Callable[[ActionMethod], ActionMethod]:
    """Declare a platform method as an action rules may call.

    The method takes an `ActionRequest` and returns an `ActionResult`; its docstring's
    first line is the help text unless `help` is given.
    """

    def decorate(method: ActionMethod) -> ActionMethod:
        doc = (method.__doc__ or "").strip().splitlines()
        method.__shopctl_action__ = ActionSpec(  # type: ignore[attr-defined]
            name=name or method.__name__,
            on=(on,) if isinstance(on, str) else tuple(on),
            params=tuple(params),
            help=help if help is not None else (doc[0] if doc else ""),
            customer_facing=customer_facing,
            reversible=reversible,
            honours_keys=honours_keys,
            idempotent=idempotent,
            example=example,
        )
        return method

    return decorate


class Platform:
    """A platform account: syncs entities into the store and performs actions.

    Subclasses set `name`, `settings` and `provides`, implement `fetch` (and
    `fetch_metrics` for types with daily metrics), and declare actions with `@action`.
    """

    name: ClassVar[str]
    version: ClassVar[str] = "0"
    settings: ClassVar[tuple[Setting, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()  # entity types this platform syncs

    def __init__(self, account: str, settings: Mapping[str, Any], context: PluginContext):
        self.account = account
        self.config = dict(settings)
        self.context = context

    @classmethod
    def action_specs(cls) -> list[ActionSpec]:
        """The actions declared on this class with `@action`."""
        return [spec for _, spec in cls._action_methods()]

    @classmethod
    def _action_methods(cls) -> list[tuple[str, ActionSpec]]:
        found = []
        for attr in dir(cls):
            spec = getattr(getattr(cls, attr, None), "__shopctl_action__", None)
            if isinstance(spec, ActionSpec):
                found.append((attr, spec))
        return found

    def perform(self, request: ActionRequest) -> ActionResult:
        """Run the declared action `request.action` on one entity."""
        for attr, spec in self._action_methods():
            if spec.name == request.action and spec.applies_to(request.entity_type):
                return getattr(self, attr)(request)
        raise NotImplementedError(f"{self.name} has no action {request.action!r}")

    def entity_types(self) -> Sequence[EntityType]:
        """Entity types or extra fields this account adds, known only from its settings.

        A CSV folder's extra columns are an example: the project merges them into the
        registry before the store and the rules are checked.
        """
        return ()

    def learn(self) -> Mapping[str, Any] | None:
        """Read what this account's data looks like; sync calls it before fetching.

        A platform whose entity types depend on its data (a CSV folder's columns) returns
        a JSON-able description. The core keeps it in the store and hands it back as
        `context.learned` to every later command, so only `sync` reads the data; the
        platform's `entity_types()` and `provides` are then derived from it.
        """
        return None

    @classmethod
    def learns(cls) -> bool:
        """True when this platform overrides `learn` (its schema is kept in the store)."""
        return cls.learn is not Platform.learn

    def fetch(self, entity_type: str, since: datetime | None) -> Iterable[Record]:
        """Yield the records of `entity_type` changed since `since` (all when None)."""
        raise NotImplementedError

    def fetch_metrics(self, entity_type: str, since: date | None) -> Iterable[Record]:
        """Yield daily metric rows `{id, date, <metric>…}` from `since` on (all when None)."""
        return ()

    def restore(self, request: ActionRequest, before: Mapping[str, Any]) -> ActionResult:
        """Put back the field values a reversible action recorded as `before`."""
        raise NotImplementedError(f"{self.name} cannot undo {request.action!r}")

    def lookup(self, request: ActionRequest) -> ActionResult | None:
        """Whether the effect of `request.key` already happened: its result, or None.

        Platforms that can look an effect up override this so an interrupted action is
        reconciled instead of being marked `unknown`.
        """
        return None

    @classmethod
    def can_lookup(cls) -> bool:
        """True when this platform overrides `lookup` (reconciliation is possible)."""
        return cls.lookup is not Platform.lookup

    def close(self) -> None:
        """Release connections and flush state; called once when the core is done."""
