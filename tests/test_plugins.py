"""The plugin manager: built-ins through entry points, isolation, the allow-list."""

from types import SimpleNamespace

from shopctl import EntityType, Field, Type, hookimpl
from shopctl.plugins import allow_list, load_plugins


def test_the_core_declares_the_canonical_types_and_actions() -> None:
    registry = load_plugins(allowed=set()).registry
    assert {"product", "customer", "order", "ad_group", "review"} <= set(registry.entity_types)
    assert {"notify", "message", "tag"} <= set(registry.actions)
    assert registry.origins["action:notify"] == "shopctl.builtins"


def test_the_allow_list_restricts_entry_point_plugins() -> None:
    assert allow_list("demo, console") == {"demo", "console"}
    assert allow_list("") is None
    plugins = load_plugins(allowed={"console"})
    assert [p.name for p in plugins.loaded] == ["console"]


def test_a_plugin_whose_declarations_raise_is_reported_and_others_still_declare() -> None:
    @hookimpl
    def shopctl_entity_types() -> list[EntityType]:
        raise ValueError("schema file missing")

    @hookimpl
    def good_types() -> list[EntityType]:
        return [EntityType("coupon", (Field("id", Type.TEXT),))]

    broken = SimpleNamespace(shopctl_entity_types=shopctl_entity_types)
    good = SimpleNamespace(shopctl_entity_types=good_types)
    plugins = load_plugins(allowed=set(), extra={"broken": broken, "good": good})
    assert plugins.failed == {"broken": "ValueError: schema file missing"}
    assert "coupon" in plugins.registry.entity_types
    assert [p.name for p in plugins.loaded] == ["good"]
