"""The expression and action parser: every operator and literal, with positions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shopctl.errors import Position, RuleError
from shopctl.rules.ast import (
    ActionCall,
    Between,
    Binary,
    Call,
    Compare,
    Hole,
    IsNull,
    ListLiteral,
    Literal,
    Name,
    Template,
    Unary,
)
from shopctl.rules.parser import (
    MAX_DEPTH,
    lark_parser,
    parse_action,
    parse_actions,
    parse_expression,
    parse_template,
)
from shopctl.rules.source_text import SourceText

A, B = Name(("a",)), Name(("b",))


def num(value: float) -> Literal:
    return Literal(value, "number")


def where(text: str) -> tuple[int, int]:
    """(column, length) of the expression's root node."""
    span = parse_expression(text).span
    return span.start.column, span.length


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a or b", Binary("or", A, B)),
        ("a and b", Binary("and", A, B)),
        ("not a", Unary("not", A)),
        ("a == b", Compare("eq", A, B)),
        ("a != b", Compare("ne", A, B)),
        ("a < b", Compare("lt", A, B)),
        ("a <= b", Compare("le", A, B)),
        ("a > b", Compare("gt", A, B)),
        ("a >= b", Compare("ge", A, B)),
        ("a in b", Compare("in", A, B)),
        ("a not in b", Compare("not_in", A, B)),
        ("a contains b", Compare("contains", A, B)),
        ("a matches b", Compare("matches", A, B)),
        ("a is null", IsNull(A)),
        ("a is not null", IsNull(A, negated=True)),
        ("a between 1 and 2", Between(A, num(1), num(2))),
        ("a + b", Binary("add", A, B)),
        ("a - b", Binary("sub", A, B)),
        ("a * b", Binary("mul", A, B)),
        ("a / b", Binary("div", A, B)),
        ("a % b", Binary("mod", A, B)),
        ("-a", Unary("neg", A)),
    ],
)
def test_every_operator_parses_to_its_node(text: str, expected: object) -> None:
    assert parse_expression(text) == expected
    assert where(text) == (1, len(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100", Literal(100, "number")),
        ("2.5", Literal(2.5, "number")),
        ("15%", Literal(0.15, "number")),
        ('"新疆"', Literal("新疆", "text")),
        ("'it\\'s'", Literal("it's", "text")),
        ('"a\\"b\\\\c\\n\\u4e2d"', Literal('a"b\\c\n中', "text")),
        ("true", Literal(True, "boolean")),
        ("false", Literal(False, "boolean")),
        ("null", Literal(None, "null")),
        ("15m", Literal(timedelta(minutes=15), "duration")),
        ("12h", Literal(timedelta(hours=12), "duration")),
        ("30d", Literal(timedelta(days=30), "duration")),
        ("2w", Literal(timedelta(weeks=2), "duration")),
        ("1h30m", Literal(timedelta(minutes=90), "duration")),
        ('["新疆", "西藏"]', ListLiteral((Literal("新疆", "text"), Literal("西藏", "text")))),
        ("[1, 2,]", ListLiteral((num(1), num(2)))),
        ("[]", ListLiteral(())),
    ],
)
def test_every_literal_form(text: str, expected: Literal) -> None:
    assert parse_expression(text) == expected
    assert where(text) == (1, len(text))


def test_names_dotted_paths_cjk_and_calls() -> None:
    assert parse_expression("customer.tier") == Name(("customer", "tier"))
    assert parse_expression("投产比 > 2") == Compare("gt", Name(("投产比",)), num(2))
    assert parse_expression("roi(7d)") == Call("roi", (Literal(timedelta(days=7), "duration"),))
    assert parse_expression("now()") == Call("now", ())
    assert parse_expression("coalesce(a, b, 0)") == Call("coalesce", (A, B, num(0)))


def test_precedence_loosest_first() -> None:
    tree = parse_expression("not a == 1 or b and -c * 2 + 3 > 4")
    assert tree == Binary(
        "or",
        Unary("not", Compare("eq", A, num(1))),
        Binary(
            "and",
            B,
            Compare(
                "gt",
                Binary("add", Binary("mul", Unary("neg", Name(("c",))), num(2)), num(3)),
                num(4),
            ),
        ),
    )


def test_between_binds_tighter_than_and() -> None:
    assert parse_expression("a between 1 and 2 and b") == Binary(
        "and", Between(A, num(1), num(2)), B
    )


def test_spans_point_at_each_sub_expression() -> None:
    tree = parse_expression('roi(7d) < 2 and status == "active"')
    assert isinstance(tree, Binary)
    right = tree.right
    assert isinstance(right, Compare)
    assert (right.span.start.column, right.span.length) == (17, 18)
    assert (right.right.span.start.column, right.right.span.length) == (27, 8)


def test_positions_follow_the_source_into_the_file() -> None:
    source = SourceText("a and\n  bb > 1", "rules/x.rules", line=4, column=8)
    tree = parse_expression(source)
    assert isinstance(tree, Binary)
    assert tree.span.start == Position("rules/x.rules", 4, 8)
    assert tree.right.span.start == Position("rules/x.rules", 5, 3)


def test_comments_and_newlines_are_insignificant() -> None:
    assert parse_expression("a  # first\n  and\n b") == Binary("and", A, B)


def test_actions_positional_keyword_and_bare() -> None:
    assert parse_action("pause") == ActionCall("pause")
    assert parse_action("set_bid(bid * 0.9)") == ActionCall(
        "set_bid", (Binary("mul", Name(("bid",)), num(0.9)),)
    )
    call = parse_action("send_coupon(amount=50, expires=7d, via=sms)")
    assert call.kwargs == (
        ("amount", num(50)),
        ("expires", Literal(timedelta(days=7), "duration")),
        ("via", Name(("sms",))),
    )
    assert parse_actions("pause, tag('x')") == (
        ActionCall("pause"),
        ActionCall("tag", (Literal("x", "text"),)),
    )


def test_a_message_argument_becomes_a_template_with_positions() -> None:
    call = parse_action('notify(ops, "暂停 {name}: ROI {roi(7d):.2f} {{x}}")')
    template = call.args[1]
    assert isinstance(template, Template)
    assert template.parts == (
        "暂停 ",
        Hole(Name(("name",))),
        ": ROI ",
        Hole(Call("roi", (Literal(timedelta(days=7), "duration"),)), ".2f"),
        " {x}",
    )
    hole = template.parts[1]
    assert isinstance(hole, Hole)
    assert hole.expr.span.start.column == 18  # after `notify(ops, "暂停 {`


def test_template_errors_point_into_the_file_past_escapes() -> None:
    with pytest.raises(RuleError) as caught:
        parse_action('notify(ops, "\\"q\\" {bad name}")')
    assert "unexpected 'name'" in caught.value.message
    assert caught.value.position.column == 25  # `name`, counted in the file as written


def test_plain_text_arguments_stay_text() -> None:
    assert parse_action('tag("slow-seller")').args == (Literal("slow-seller", "text"),)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("roi(7d) < 2 and", "expected a value after 'and'", 16),
        ("a == ", "expected a value after '=='", 6),
        ('status == "active', "unclosed text", 11),
        ("a = 1", "use '==' to compare", 3),
        ("(a", "expected ')'", 3),
        ("a b", "unexpected 'b' after 'a'", 3),
        ("a ! b", "'!' is not an operator", 3),
        ("__import__('os')", "names starting with '__' are not allowed", 1),
        ("a.__class__", "names starting with '__' are not allowed", 3),
        ("1.__class__", "only field names can be dotted", 2),
        ("a[0]", "unexpected '['", 2),
        ("lambda: 1", "unexpected character ':'", 7),
        ("9" * 30, "is too large", 1),
        ('"\\q"', "unknown escape", 2),
        ("", "expected a value", 1),
    ],
)
def test_syntax_errors_say_what_was_expected_where(text: str, message: str, column: int) -> None:
    with pytest.raises(RuleError) as caught:
        parse_expression(text)
    assert message in caught.value.message
    assert caught.value.position == Position("<expr>", 1, column)


def test_action_argument_errors() -> None:
    with pytest.raises(RuleError, match="positional argument cannot follow"):
        parse_action("send(a=1, 2)")
    with pytest.raises(RuleError, match="`a` is given twice"):
        parse_action("send(a=1, a=2)")


@pytest.mark.parametrize(
    ("template", "message", "column"),
    [
        ("{0.__class__}", "only field names can be dotted", 3),
        ("{name.__class__}", "names starting with '__'", 7),
        ("{x:{y}}", "holes cannot nest", 4),
        ("{x!r}", "'!' is not an operator", 3),
        ("{x:.2f;}", "is not a number format", 4),
        ("{x:999999}", "is not a number format", 4),
        ("{}", "an empty {}", 1),
        ("a {", "unclosed '{'", 3),
        ("a } b", "a single '}'", 3),
    ],
)
def test_template_errors_and_format_specs_are_strict(
    template: str, message: str, column: int
) -> None:
    with pytest.raises(RuleError) as caught:
        parse_template(template)
    assert message in caught.value.message
    assert caught.value.position.column == column


def test_format_specs_python_allows() -> None:
    for spec in (".2f", ",d", ">8", "*^10", "+.1%", "08.3f", "_", "x"):
        hole = parse_template("{a:" + spec + "}").parts[0]
        assert isinstance(hole, Hole) and hole.format_spec == spec


def test_deep_nesting_is_refused_clearly_not_by_recursion_error() -> None:
    with pytest.raises(RuleError, match=f"more than {MAX_DEPTH} levels"):
        parse_expression("not " * 1000 + "a")
    with pytest.raises(RuleError, match="nested too deeply"):
        parse_expression("-" * 1000 + "a")
    assert parse_expression("(" * 1000 + "a" + ")" * 1000) == A


def test_the_parser_is_built_once() -> None:
    assert lark_parser() is lark_parser()
