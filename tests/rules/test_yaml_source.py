"""The positional YAML loader: places of keys and values, and what it refuses."""

from __future__ import annotations

import pytest

from shopctl.errors import Position, RuleError
from shopctl.rules.yaml_source import MAX_DEPTH, YamlValue, load_yaml


def load(text: str) -> YamlValue:
    document, errors = load_yaml(text, "f.yaml", RuleError)
    assert errors == []
    assert document is not None
    return document


def error_of(text: str) -> RuleError:
    _, errors = load_yaml(text, "f.yaml", RuleError)
    assert len(errors) == 1, errors
    assert isinstance(errors[0], RuleError)
    return errors[0]


def char_at(value: YamlValue, char: str, nth: int = 0) -> tuple[int, int]:
    """(line, column) in the file of the nth `char` of a scalar's value."""
    assert value.source is not None
    index = [i for i, c in enumerate(value.text) if c == char][nth]
    where = value.source.position(index)
    return where.line, where.column


def test_keys_and_values_keep_their_place() -> None:
    doc = load("- rule: a\n  when: x > 1\n")
    rule = doc.value[0]
    assert rule.keys["when"] == Position("f.yaml", 2, 3)
    assert rule.value["when"].position == Position("f.yaml", 2, 9)
    assert rule.value["when"].text == "x > 1"


def test_scalars_keep_text_as_written_beside_the_yaml_value() -> None:
    doc = load("at: 10:30\non: yes\nlimit: 20\n")
    assert doc.value["at"].text == "10:30"  # YAML 1.1 would read 630
    assert doc.value["on"].value is True and doc.value["on"].text == "yes"
    assert doc.value["limit"].value == 20


def test_plain_multi_line_scalar_maps_each_character() -> None:
    doc = load("when: a and\n   bcd > 1\n")
    assert doc.value["when"].text == "a and bcd > 1"
    assert char_at(doc.value["when"], "b") == (2, 4)
    assert char_at(doc.value["when"], " ", 1) == (1, 12)  # the folded line break


def test_double_quoted_escapes_and_folding() -> None:
    doc = load('w: "x \\u4e2d y\\\n   z == \\"q\\""\n')
    value = doc.value["w"]
    assert value.text == 'x 中 yz == "q"'
    assert char_at(value, "中") == (1, 7)
    assert char_at(value, "z") == (2, 4)
    assert char_at(value, "q") == (2, 11)


def test_single_quoted_doubled_quote() -> None:
    value = load("w: 'it''s b'\n").value["w"]
    assert value.text == "it's b"
    assert char_at(value, "b") == (1, 11)


@pytest.mark.parametrize(("style", "text"), [("|", "a > 1\nand b\n"), (">", "a > 1 and b\n")])
def test_block_scalars(style: str, text: str) -> None:
    value = load(f"w: {style}\n    a > 1\n    and b\n").value["w"]
    assert value.text == text
    assert char_at(value, "b") == (3, 9)


def test_bom_and_crlf_do_not_move_positions() -> None:
    doc = load("\ufeffa: 1\r\nwhen: x y\r\n")
    assert doc.value["when"].position == Position("f.yaml", 2, 7)
    assert char_at(doc.value["when"], "y") == (2, 9)


def test_tabs_get_a_clear_error() -> None:
    error = error_of("a:\n\tb: 1\n")
    assert "tab" in error.message
    assert error.position == Position("f.yaml", 2, 1)


def test_duplicate_keys_are_errors_at_the_second() -> None:
    error = error_of("a: 1\nb: 2\na: 3\n")
    assert error.message == "`a` is given twice (first on line 1)"
    assert error.position == Position("f.yaml", 3, 1)


def test_aliases_and_anchors_are_refused_so_no_bomb_can_expand() -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
    error = error_of(bomb)
    assert "anchors" in error.message
    assert error.position.line == 1


def test_nesting_is_bounded() -> None:
    error = error_of("a: " + "[" * 100)
    assert f"more than {MAX_DEPTH} levels" in error.message


def test_python_tags_are_not_constructed() -> None:
    error = error_of("a: !!python/object/apply:os.system ['true']\n")
    assert (
        error.message
        == "the YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"
    )


def test_unreadable_values_are_errors_with_a_place() -> None:
    error = error_of("a: 1\nb: 2026-13-45\n")
    assert error.position == Position("f.yaml", 2, 4)


def test_syntax_error_and_control_characters() -> None:
    assert error_of("a: [1, 2\n").message.startswith("invalid YAML")
    assert error_of("a: b\x07\n").position == Position("f.yaml", 1, 5)
    assert "in quotes" in error_of("- notify: x: y\n").message


def test_an_empty_file_is_no_document() -> None:
    assert load_yaml("# nothing\n", "f.yaml", RuleError) == (None, [])
