"""do: items are read by the grammar as written; YAML errors say what to quote, where."""

from __future__ import annotations

import pytest

from shopctl.rules.yaml_form import parse_yaml_rules
from shopctl.rules.yaml_verbatim import mask, verbatim_spans

HEAD = "- rule: r\n  on: product\n  when: stock < 5\n"


def parse(text: str):
    return parse_yaml_rules(text, "r.yaml")


def only_rule(text: str):
    (parsed,), file_errors = parse(text)
    assert file_errors == []
    assert parsed.errors == []
    return parsed.rule


def test_a_block_item_holding_colon_braces_and_cjk_is_one_call() -> None:
    rule = only_rule(HEAD + '  do:\n    - notify(ops, "差评 {rating}星: {text}")\n')
    (call,) = rule.do
    assert call.name == "notify"
    assert "差评" in repr(call.args[1]) and "星: " in repr(call.args[1])


def test_a_flow_list_with_a_quoted_argument_is_read_by_the_grammar() -> None:
    rule = only_rule(HEAD + '  do: [notify(ops, "hi"), pause]\n')
    assert [c.name for c in rule.do] == ["notify", "pause"]


def test_one_line_calls_with_commas_and_a_trailing_comment() -> None:
    rule = only_rule(HEAD + "  do: tag('a: b'), send_coupon(amount=5, expires=7d)  # note\n")
    assert [c.name for c in rule.do] == ["tag", "send_coupon"]


def test_a_call_over_two_lines_and_a_hash_inside_quotes() -> None:
    text = HEAD + '  do:\n    - notify(ops,\n        "#1: {title}")  # c\n    - tag("x")\n'
    rule = only_rule(text)
    assert [c.name for c in rule.do] == ["notify", "tag"]
    assert "#1: " in repr(rule.do[0].args[1])


def test_compact_list_at_the_key_column_and_the_next_key_still_yaml() -> None:
    rule = only_rule(HEAD + "  do:\n  - tag('x: y')\n  cooldown: 7d\n")
    assert rule.do == (rule.do[0],) and rule.do[0].name == "tag"
    assert rule.cooldown is not None and rule.cooldown.days == 7


def test_quoted_items_are_still_read_by_yaml() -> None:
    rule = only_rule(HEAD + "  do:\n    - \"tag('q')\"\n")
    assert rule.do[0].name == "tag"


def test_masking_keeps_every_other_character_in_place() -> None:
    text = HEAD + '  do:\n    - notify(ops, "a: b")\n  cooldown: 7d\n'
    spans = verbatim_spans(text)
    assert [text[s:e] for s, e in spans] == ['notify(ops, "a: b")']
    masked = mask(text, spans)
    assert len(masked) == len(text) and masked.endswith("  cooldown: 7d\n")


def test_an_error_inside_a_verbatim_call_points_into_the_file() -> None:
    (parsed,), _ = parse(HEAD + '  do:\n    - notify(ops, "差评: x" ;)\n')
    (error,) = parsed.errors
    assert (error.position.line, error.position.column) == (5, 27)  # the `;`


def test_an_empty_flow_list_is_still_refused() -> None:
    (parsed,), _ = parse(HEAD + "  do: []\n")
    assert any("`do` is a list of actions" in e.message for e in parsed.errors)


def test_a_mapping_under_do_is_refused_as_no_call() -> None:
    (parsed,), _ = parse(HEAD + "  do:\n    - {a: b}\n")
    assert parsed.errors


@pytest.mark.parametrize(
    ("value", "shown", "column"),
    [
        ('"a" == name', "when: '\"a\" == name'", 9),
        ('name == "a": b', "when: 'name == \"a\": b'", 9),
        ("@x", "when: '@x'", 9),
    ],
)
def test_unreadable_yaml_names_the_key_and_shows_it_quoted(
    value: str, shown: str, column: int
) -> None:
    _, errors = parse(f"- rule: r\n  on: product\n  when: {value}\n  do: pause\n")
    (error,) = errors
    assert error.message.startswith("invalid YAML: the value of `when`")
    assert error.message.endswith(f"put the whole value in quotes: {shown}")
    assert (error.position.line, error.position.column) == (3, column)
    assert error.length == len(value)
    assert "<block end>" not in error.message and "<scalar>" not in error.message
