"""Declarations merge across plugins, and conflicts name who declared what."""

import pytest

from shopctl.registry import (
    ActionSpec,
    DeclarationError,
    EntityType,
    Field,
    FunctionSpec,
    Metric,
    Param,
    Registry,
)
from shopctl.types import Type


def test_a_plugin_extends_a_canonical_type_with_new_fields() -> None:
    registry = Registry()
    registry.add_entity_type(EntityType("product", (Field("id", Type.TEXT),)), "core")
    registry.add_entity_type(
        EntityType("product", (Field("brand", Type.TEXT),), metrics=(Metric("favs"),)), "shop"
    )
    product = registry.entity_type("product")
    assert [f.name for f in product.fields] == ["id", "brand"]
    assert product.metric("favs") is not None


def test_redeclaring_a_field_with_another_type_is_an_error() -> None:
    registry = Registry()
    registry.add_entity_type(EntityType("product", (Field("stock", Type.INTEGER),)), "core")
    with pytest.raises(
        DeclarationError, match=r"product\.stock is declared as integer and as text"
    ):
        registry.add_entity_type(EntityType("product", (Field("stock", Type.TEXT),)), "csv")


def test_the_same_action_serves_several_entity_types() -> None:
    registry = Registry()
    registry.add_action(ActionSpec("pause", on=("ad_group",)), "demo")
    registry.add_action(ActionSpec("pause", on=("product",)), "shopify")
    assert set(registry.actions_for("product")) == {"pause"}
    assert set(registry.actions_for("ad_group")) == {"pause"}
    assert registry.actions_for("customer") == {}


def test_an_action_redeclared_with_other_parameters_names_both_plugins() -> None:
    registry = Registry()
    registry.add_action(ActionSpec("set_bid", ("ad_group",), (Param("bid", Type.NUMBER),)), "demo")
    with pytest.raises(DeclarationError, match=r"from other.*the one from demo"):
        registry.add_action(ActionSpec("set_bid", ("ad_group",), ()), "other")


def test_function_names_are_unique() -> None:
    registry = Registry()
    spec = FunctionSpec("double", (Param("x", Type.NUMBER),), Type.NUMBER, python=lambda x: 2 * x)
    registry.add_function(spec, "a")
    with pytest.raises(DeclarationError, match="already declared by a"):
        registry.add_function(spec, "b")


def test_return_type_may_depend_on_the_arguments() -> None:
    same_as_first = FunctionSpec("first", (), returns=lambda args: args[0], variadic=True)
    assert same_as_first.return_type([Type.TEXT, Type.NUMBER]) is Type.TEXT


def test_types_accept_integers_where_numbers_are_expected_but_not_text() -> None:
    assert Type.NUMBER.accepts(Type.INTEGER)
    assert not Type.INTEGER.accepts(Type.NUMBER)
    assert not Type.NUMBER.accepts(Type.TEXT)
    assert Type.TEXT.accepts(Type.NULL)


def test_platforms_may_word_the_help_of_a_shared_action_differently() -> None:
    registry = Registry()
    registry.add_action(
        ActionSpec("set_price", ("product",), (Param("price", Type.NUMBER, "New price"),)), "demo"
    )
    registry.add_action(
        ActionSpec("set_price", ("product",), (Param("price", Type.NUMBER, "售价"),)), "shop"
    )
    assert registry.actions["set_price"].params[0].help == "New price"
