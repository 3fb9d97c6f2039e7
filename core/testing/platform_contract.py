"""The contract every platform plugin runs against itself: `PlatformContract`."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from shopctl.clock import FrozenClock
from shopctl.platform import ActionRequest, ActionResult, Platform, PluginContext, Record
from shopctl.plugins import load_plugins
from shopctl.registry import ActionSpec, EntityType, Param, Registry
from shopctl.store.coerce import CONVERTERS
from shopctl.types import Type

FIELD_TYPES = frozenset(CONVERTERS)
CONTRACT_TIME = datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


class PlatformContract:
    """Subclass as `TestMyPlatform(PlatformContract)` and set `platform_class`.

    Override the `platform_settings` fixture to point the platform at a test server,
    and `action_args` where the made-up arguments of an action would not do.
    """

    platform_class: ClassVar[type[Platform]]
    settings: ClassVar[Mapping[str, Any]] = {}
    account: ClassVar[str] = "contract"
    # action name -> arguments used when the contract performs it on a sample entity
    action_args: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    # actions the contract must not perform (e.g. ones that cost money even in tests)
    skip_actions: ClassVar[tuple[str, ...]] = ()

    @pytest.fixture
    def platform_settings(self) -> dict[str, Any]:
        """The account settings; override to point at your test server."""
        return dict(self.settings)

    @pytest.fixture
    def contract_clock(self) -> FrozenClock:
        """The instant the contract runs at."""
        return FrozenClock(CONTRACT_TIME)

    @pytest.fixture
    def platform(
        self, platform_settings: dict[str, Any], contract_clock: FrozenClock, tmp_path: Path
    ) -> Iterator[Platform]:
        """The platform under test, closed afterwards."""
        state = tmp_path / "state"
        state.mkdir()
        created = self.platform_class(
            self.account, platform_settings, PluginContext(contract_clock, state)
        )
        yield created
        created.close()

    @pytest.fixture
    def registry(self, platform: Platform) -> Registry:
        """The core's declarations plus the plugin's own, as the project would merge them."""
        module = self.platform_class.__module__
        package = module.rpartition(".")[0] or module
        plugins = load_plugins(allowed=set(), extra={"contract": importlib.import_module(package)})
        assert not plugins.failed, f"the plugin failed to declare: {plugins.failed}"
        registry = plugins.registry
        if self.platform_class.name not in registry.platforms:
            registry.add_platform(self.platform_class, "contract")
        for entity_type in platform.entity_types():
            registry.add_entity_type(entity_type, "contract")
        return registry

    def test_declared_schemas_are_valid(self, platform: Platform, registry: Registry) -> None:
        """Every provided type is declared, with storable field and metric types."""
        cls = self.platform_class
        assert cls.name and cls.name.isidentifier(), "set `name` to an identifier"
        assert platform.provides, "declare the entity types the platform syncs in `provides`"
        for name in platform.provides:
            assert name in registry.entity_types, f"{name} is provided but never declared"
            entity_type = registry.entity_type(name)
            assert entity_type.field("id") is not None, f"{name} has no `id` field"
            for field in entity_type.fields:
                assert field.type in FIELD_TYPES, (
                    f"{name}.{field.name}: {field.type} is not storable"
                )
            for metric in entity_type.metrics:
                assert metric.type.is_numeric, f"{name}.{metric.name}: metrics are numbers"
        for spec in cls.action_specs():
            for target in spec.on:
                assert target == "*" or target in registry.entity_types, f"{spec.name} on {target}?"
            if spec.reversible:
                assert cls.restore is not Platform.restore, (
                    f"{spec.name} is reversible: implement restore"
                )
        for setting in cls.settings:
            if any(word in setting.name for word in ("password", "secret", "token", "api_key")):
                assert setting.secret, f"setting {setting.name} looks secret: declare secret=True"

    def test_fetch_yields_records_of_the_declared_types(
        self, platform: Platform, registry: Registry
    ) -> None:
        """Each record has an id and values that read as their fields' types."""
        for name in platform.provides:
            entity_type = registry.entity_type(name)
            records = list(platform.fetch(name, None))
            assert records, f"fetch({name!r}) yielded nothing; give the test server some data"
            for record in records:
                _check_record(entity_type, record)

    def test_fetch_metrics_yields_declared_daily_metrics(
        self, platform: Platform, registry: Registry
    ) -> None:
        """Metric rows carry id, date and declared metrics only."""
        for name in platform.provides:
            entity_type = registry.entity_type(name)
            for row in platform.fetch_metrics(name, None):
                assert row.get("id"), f"{name} metric row without id: {dict(row)}"
                assert row.get("date") is not None, f"{name} metric row without date"
                unknown = set(row) - {"id", "date"} - {m.name for m in entity_type.metrics}
                assert not {u for u in unknown if not u.startswith("_")}, (
                    f"undeclared metrics {unknown}"
                )

    def test_each_action_performs_and_reverses(
        self, platform: Platform, registry: Registry
    ) -> None:
        """Every declared action works on a sample entity; restore() puts it back."""
        for spec, request in self._requests(platform, registry, "perform"):
            before = _current(platform, request)
            result = platform.perform(request)
            assert isinstance(result, ActionResult), f"{spec.name} must return an ActionResult"
            if spec.reversible:
                assert result.before, f"{spec.name} is reversible but recorded no `before`"
                platform.restore(request, result.before)
                after = _current(platform, request)
                for field in result.before:
                    assert after.get(field) == before.get(field), (
                        f"undo of {spec.name} left {field}"
                    )

    def test_actions_that_honour_keys_take_effect_once(
        self, platform: Platform, registry: Registry
    ) -> None:
        """The same idempotency key performed twice has one effect."""
        for spec, request in self._requests(platform, registry, "twice"):
            if not spec.honours_keys:
                continue
            first = platform.perform(request)
            state = _current(platform, request)
            second = platform.perform(request)
            assert _current(platform, request) == state, f"{spec.name} acted twice for one key"
            assert second.reference == first.reference

    def test_lookup_agrees_with_perform(self, platform: Platform, registry: Registry) -> None:
        """lookup() finds a performed key and nothing for a key never used."""
        if not self.platform_class.can_lookup():
            pytest.skip(f"{self.platform_class.name} does not implement lookup()")
        for spec, request in self._requests(platform, registry, "lookup"):
            never = replace(request, key=request.key + ":never")
            assert platform.lookup(never) is None, f"lookup found {spec.name} never performed"
            done = platform.perform(request)
            found = platform.lookup(request)
            assert found is not None, f"lookup cannot find {spec.name} it just performed"
            assert found.reference == done.reference

    def _requests(
        self, platform: Platform, registry: Registry, purpose: str
    ) -> Iterator[tuple[ActionSpec, ActionRequest]]:
        for spec in self.platform_class.action_specs():
            if spec.name in self.skip_actions:
                continue
            targets = [t for t in platform.provides if spec.applies_to(t)]
            for target in targets[:1]:
                entity = next(iter(platform.fetch(target, None)))
                args = dict(self.action_args.get(spec.name) or _made_up_args(spec, entity))
                yield (
                    spec,
                    ActionRequest(
                        action=spec.name,
                        entity_type=target,
                        entity_id=str(entity["id"]),
                        entity=dict(entity),
                        args=args,
                        key=f"contract:{purpose}:{spec.name}:{target}:{entity['id']}",
                    ),
                )


def _check_record(entity_type: EntityType, record: Record) -> None:
    assert record.get("id") not in (None, ""), f"{entity_type.name} record without id"
    for key, value in record.items():
        if key.startswith("_"):  # plugin-private keys, e.g. `_source`
            continue
        field = entity_type.field(key)
        assert field is not None, f"{entity_type.name} record has undeclared field {key!r}"
        try:
            CONVERTERS[field.type](value)
        except (TypeError, ValueError, OverflowError):
            pytest.fail(f"{entity_type.name}.{key}: {value!r} does not read as {field.type}")


def _current(platform: Platform, request: ActionRequest) -> dict[str, Any]:
    for record in platform.fetch(request.entity_type, None):
        if str(record["id"]) == request.entity_id:
            return dict(record)
    pytest.fail(f"{request.entity_type} {request.entity_id} disappeared")


def _made_up_args(spec: ActionSpec, entity: Mapping[str, Any]) -> dict[str, Any]:
    """Plausible arguments: a field's own value nudged up, else a value of the type."""
    return {p.name: _made_up(p, entity.get(p.name)) for p in spec.params if p.required}


def _made_up(param: Param, current: Any) -> Any:
    if param.type.is_numeric and isinstance(current, int | float) and current:
        return round(current * 1.1, 2) if param.type is Type.NUMBER else int(current) + 1
    return {
        Type.INTEGER: 1,
        Type.NUMBER: 10.0,
        Type.TEXT: "契约测试 contract",
        Type.BOOLEAN: True,
        Type.TIMESTAMP: CONTRACT_TIME + timedelta(days=7),
        Type.DURATION: timedelta(days=7),
        Type.TEXT_LIST: ["contract"],
        Type.NUMBER_LIST: [1.0],
    }.get(param.type, "contract")
