"""Compiler-style rendering of errors: header, source line, a caret as wide as the mistake."""

from __future__ import annotations

from pathlib import Path

from shopctl.diagnostics import (
    SourceLines,
    display_width,
    error_json,
    printable,
    render,
    render_all,
    render_error,
)
from shopctl.errors import ConfigError, ConfigErrors, Position, RuleError, ShopctlError


def test_header_line_and_caret_under_the_mistake(tmp_path: Path) -> None:
    path = tmp_path / "ads.yaml"
    path.write_text("- rule: a\n  when: roii(7d) < 2\n", encoding="utf-8")
    error = RuleError("unknown function `roii`", Position(str(path), 2, 9), 4)
    assert render(error) == (
        f"{path}:2:9: error: unknown function `roii`\n      when: roii(7d) < 2\n            ^^^^"
    )


def test_cjk_characters_take_two_columns_before_and_under_the_caret() -> None:
    lines = SourceLines({"r.rules": 'when 状态 == "新疆" and x'})
    error = RuleError("bad", Position("r.rules", 1, 13), 4)  # "新疆" with its quotes
    text = render(error, lines).split("\n")
    assert text[1] == '    when 状态 == "新疆" and x'
    assert text[2] == "    " + " " * 14 + "^" * 6
    assert display_width("状态a") == 5


def test_tabs_are_kept_so_the_caret_lines_up() -> None:
    lines = SourceLines({"r.rules": "\twhen x"})
    assert render(RuleError("m", Position("r.rules", 1, 7)), lines).endswith("\n    \t     ^")


def test_a_span_past_the_end_of_the_line_is_cut_at_the_line() -> None:
    lines = SourceLines({"f": "ab"})
    assert render(RuleError("m", Position("f", 1, 2), 50), lines).endswith("\n     ^")
    assert render(RuleError("m", Position("f", 1, 3)), lines).endswith("\n      ^")


def test_without_a_source_line_only_the_header() -> None:
    assert render(RuleError("m", Position("<gone>", 3, 1))) == "<gone>:3:1: error: m"
    assert render(RuleError("m")) == "error: m"


def test_control_characters_never_reach_the_terminal() -> None:
    lines = SourceLines({"f": "a\x1b[31mb"})
    text = render(RuleError("bad \x1b[0m", Position("f", 1, 3)), lines)
    assert "\x1b" not in text
    assert printable("a\x1bb") == "a\\x1bb"


def test_several_errors_and_any_shopctl_error() -> None:
    lines = SourceLines({"f": "x"})
    errors = [RuleError("one", Position("f", 1, 1)), RuleError("two", Position("f", 1, 1))]
    assert render_all(errors, lines).count("error:") == 2
    grouped = render_error(ConfigErrors([ConfigError("bad key", Position("<none>", 1, 1))]))
    assert grouped == "<none>:1:1: error: bad key"
    assert render_error(ShopctlError("plain")) == "error: plain"


def test_json_shape() -> None:
    error = RuleError("m", Position("a.yaml", 3, 7), 2)
    assert error_json(error) == {"path": "a.yaml", "line": 3, "column": 7, "message": "m"}
    assert error_json(RuleError("m")) == {"path": "", "line": 0, "column": 0, "message": "m"}
