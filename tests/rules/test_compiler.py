"""check_and_compile: a whole rule compiled once, with everything the engine needs."""

from __future__ import annotations

from datetime import UTC, datetime

from shopctl.registry import FunctionSpec, Param, Registry
from shopctl.rules.compiled import EvalContext
from shopctl.rules.compiler import check_and_compile, compile_expression
from shopctl.rules.model import Rule
from shopctl.rules.parser import parse_action, parse_expression, parse_template
from shopctl.types import Type

CHANNELS = {"ops", "sms"}


def rule(when: str, *do: str) -> Rule:
    """A rule on items, written as the text form writes it."""
    return Rule("r", "item", parse_expression(when), tuple(parse_action(a) for a in do))


def test_a_rule_lists_every_field_and_window_it_reads_including_its_actions(
    registry: Registry,
) -> None:
    compiled = check_and_compile(
        rule(
            'roi(7d) < 2 and owner.tier == "gold"',
            'notify(ops, "{name}: {sum(spend, 30d):.2f} {days_since(at):.0f}")',
            "set_price(x * 0.9)",
        ),
        registry,
        CHANNELS,
    )
    assert compiled.fields == (("owner", "tier"), ("name",), ("at",), ("x",))
    assert [w.key for w in compiled.windows] == ["sum:revenue:7", "sum:spend:7", "sum:spend:30"]
    assert compiled.entity_type.name == "item"
    assert compiled.rule.name == "r"


def test_action_arguments_evaluate_per_entity(registry: Registry, ctx: EvalContext) -> None:
    compiled = check_and_compile(
        rule(
            "x > 1",
            'notify(ops, "降价 {name}: {x:.2f} -> {x * 0.9:.2f}, 最后更新 {at}")',
            "set_price(x * 0.9)",
            'set_price(reason="slow", price=1)',
            'tag("slow-seller")',
        ),
        registry,
        CHANNELS,
    )
    row = {"x": 20.0, "name": "新疆棉T恤", "at": datetime(2026, 3, 28, 17, 5, tzinfo=UTC)}
    notify, set_price, by_name, tag = compiled.actions
    assert notify.spec.name == "notify"
    assert {k: f(row, ctx) for k, f in notify.args.items()} == {
        "channel": "ops",
        "text": "降价 新疆棉T恤: 20.00 -> 18.00, 最后更新 2026-03-29 01:05",
    }
    assert {k: f(row, ctx) for k, f in set_price.args.items()} == {"price": 18.0, "reason": "rule"}
    assert {k: f(row, ctx) for k, f in by_name.args.items()} == {"price": 1, "reason": "slow"}
    assert tag.args["name"](row, ctx) == "slow-seller"


def test_the_condition_is_compiled_three_ways(registry: Registry, ctx: EvalContext) -> None:
    compiled = check_and_compile(
        rule('n > 1 and name matches "^a"', 'tag("x")'), registry, CHANNELS
    )
    assert compiled.sql is not None and compiled.residual is not None
    assert compiled.residual({"n": 5, "name": "ab"}, ctx) is True
    assert compiled.residual({"n": 5, "name": None}, ctx) is False
    assert compiled.condition({"n": None, "name": "ab"}, ctx) is None
    assert [item.path for item in compiled.explain({"n": 2, "name": "ab"}, ctx)] == [
        "when",
        "when/0",
        "when/0/0",
        "when/0/1",
        "when/1",
        "when/1/0",
        "when/1/1",
    ]


def test_a_query_expression_compiles_without_actions(registry: Registry, ctx: EvalContext) -> None:
    compiled = compile_expression(parse_expression("n > 1"), "item", registry)
    assert compiled.actions == ()
    assert compiled.residual is None
    assert compiled.condition({"n": 2}, ctx) is True


def test_a_template_renders_only_through_format(registry: Registry, ctx: EvalContext) -> None:
    compiled = check_and_compile(
        rule("x > 1", 'notify(ops, "{{literal}} {name} {{0.__class__}}")'), registry, CHANNELS
    )
    text = compiled.actions[0].args["text"]({"name": "{0.__class__}"}, ctx)
    assert text == "{literal} {0.__class__} {0.__class__}"
    assert parse_template("{{0.__class__}}").parts == ("{0.__class__}",)


def test_plugin_functions_run_in_sql_only_when_they_say_how(
    registry: Registry, ctx: EvalContext
) -> None:
    def margin(price: float | None, cost: float | None) -> float | None:
        return None if price is None or cost is None else price - cost

    registry.add_function(
        FunctionSpec(
            "margin",
            (Param("price", Type.NUMBER), Param("cost", Type.NUMBER)),
            Type.NUMBER,
            "Price minus cost.",
            python=margin,
        ),
        "shop-plugin",
    )
    registry.add_function(
        FunctionSpec(
            "twice",
            (Param("x", Type.NUMBER),),
            Type.NUMBER,
            "Doubled.",
            python=lambda x: None if x is None else 2 * x,
            sql=lambda x: x * 2,
        ),
        "shop-plugin",
    )
    python_only = compile_expression(parse_expression("margin(x, y) > 1"), "item", registry)
    assert python_only.sql(None) is None  # type: ignore[arg-type]
    assert python_only.condition({"x": 5.0, "y": 3.0}, ctx) is True
    assert python_only.condition({"x": 5.0, "y": None}, ctx) is None
    pushed = compile_expression(parse_expression("twice(x) > 1"), "item", registry)
    assert pushed.residual is None
