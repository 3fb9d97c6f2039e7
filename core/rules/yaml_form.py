"""The YAML rule form (SPEC §4.1): a list of mappings, one per rule."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from shopctl.errors import Position, RuleError
from shopctl.rules import clauses
from shopctl.rules.ast import ActionCall
from shopctl.rules.clauses import ParsedRule, RuleDraft
from shopctl.rules.parser import parse_action, parse_actions, parse_expression
from shopctl.rules.source_text import SourceText
from shopctl.rules.yaml_source import YamlValue, load_yaml
from shopctl.rules.yaml_verbatim import verbatim_spans

# Keys whose value is text as written, and the check each is given.
_TEXT_KEYS: dict[str, Callable[[str], Any]] = {
    "on": clauses.target,
    "every": clauses.every,
    "cron": clauses.cron,
    "at": clauses.at,
    "cooldown": clauses.duration,
    "quiet_hours": clauses.quiet_hours,
    "description": str,
}


def parse_yaml_rules(text: str, path: str) -> tuple[list[ParsedRule], list[RuleError]]:
    """The rules of a YAML rule file, each with its own errors, and the errors of the
    file itself (YAML syntax, a document that is not a list of rules)."""
    document, errors = load_yaml(text, path, RuleError, verbatim_spans)
    file_errors = list(errors)
    if document is None:
        return [], file_errors
    if document.kind != "list":
        file_errors.append(
            RuleError(
                "a rule file is a list of rules, each starting with '- rule: NAME'",
                document.position,
            )
        )
        return [], file_errors
    return [_rule(item) for item in document.value], file_errors


def _rule(item: YamlValue) -> ParsedRule:
    draft = RuleDraft(item.position)
    if item.kind != "mapping":
        draft.fail("each rule is a mapping starting with 'rule: NAME'", item.position)
        return draft.finish()
    fields: dict[str, YamlValue] = item.value
    name = fields.get("rule")
    if name is None:
        draft.fail("this rule has no `rule: NAME`", item.position)
    else:
        draft.set("rule", name.position, name.length, clauses.rule_name, name.text)
        draft.name = draft.values.get("rule")
    for key, value in fields.items():
        _key(draft, key, value, item.keys[key])
    when = fields.get("when")
    return draft.finish(when.text if when is not None and when.kind == "scalar" else "")


def _key(draft: RuleDraft, key: str, value: YamlValue, key_where: Position) -> None:
    where, length = value.position, value.length
    if key == "rule":
        return
    if key not in clauses.RULE_KEYS:
        draft.fail(clauses.unknown_key(key, clauses.RULE_KEYS), key_where, len(key))
        # A misspelt `whn:` is one mistake, not also a missing `when:`.
        draft.given.update(difflib.get_close_matches(key, clauses.RULE_KEYS, n=1, cutoff=0.6))
    elif key == "when":
        if _scalar(draft, key, value):
            draft.set(key, where, length, parse_expression, value.source)
    elif key == "do":
        draft.set(key, where, length, _actions, value)
    elif key == "tags":
        draft.set(key, where, length, _tags, value)
    elif key == "enabled":
        draft.set(key, where, length, _boolean, value.value)
    elif key == "limit":
        if _scalar(draft, key, value):
            draft.set(key, where, length, clauses.positive_int, value.value)
    elif key == "max_percent":
        if _scalar(draft, key, value):
            draft.set(key, where, length, clauses.percent, value.text)
    elif _scalar(draft, key, value):
        draft.set(key, where, length, _TEXT_KEYS[key], value.text)


def _scalar(draft: RuleDraft, key: str, value: YamlValue) -> bool:
    if value.kind == "scalar" and value.value is not None:
        return True
    draft.given.add(key)
    draft.fail(f"`{key}` needs a single value", value.position, value.length)
    return False


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"'{value}' is not true or false")
    return value


def _tags(value: YamlValue) -> tuple[str, ...]:
    if value.kind != "list" or any(t.kind != "scalar" for t in value.value):
        raise ValueError("tags are a list of words, e.g. [ads, roi]")
    return tuple(t.text for t in value.value)


def _actions(value: YamlValue) -> tuple[ActionCall, ...]:
    """`do:` is a list of action calls, or one line of comma-separated calls; each call
    is read by the grammar as written (yaml_verbatim keeps it from YAML)."""
    if value.kind == "scalar" and value.source is not None and value.value is not None:
        return parse_actions(_inside_brackets(value.source))
    if value.kind != "list" or not value.value:
        raise ValueError(_DO_SHAPE)
    flow = value.raw.text.rstrip() if value.raw is not None else ""
    if flow.startswith("[") and flow.endswith("]"):
        # A flow list over several lines: YAML splits it at every comma, even inside a
        # call's arguments, so it is read with the grammar.
        return parse_actions(value.raw.slice(1, len(flow) - 1))
    calls = []
    for item in value.value:
        if item.kind != "scalar" or item.source is None or item.value is None:
            raise RuleError(
                "each action is one call such as pause or set_bid(bid * 0.9)",
                item.position,
                item.length,
            )
        calls.append(parse_action(item.source))
    return tuple(calls)


_DO_SHAPE = '`do` is a list of actions, e.g. [pause] or - notify(ops, "…")'


def _inside_brackets(source: SourceText) -> SourceText:
    """A one-line `[a, b]` without its brackets; `[]` is no actions at all."""
    text = source.text.rstrip()
    if not (text.startswith("[") and text.endswith("]")):
        return source
    if not text[1:-1].strip():
        raise ValueError(_DO_SHAPE)
    return source.slice(1, len(text) - 1)
