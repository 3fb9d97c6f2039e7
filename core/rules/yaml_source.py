"""Safe YAML that remembers where every key and value was written.

Built on yaml.SafeLoader's node API: the document is composed (never constructed into
arbitrary objects), anchors and aliases are refused (no alias bombs), nesting is
bounded, duplicate keys are errors, and every scalar keeps a SourceText so an error
inside a `when:` string points at its exact character, whatever the quoting style.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from shopctl.errors import Position, SourceError
from shopctl.rules.source_text import SourceText, normalize
from shopctl.rules.yaml_scalars import scalar_points
from shopctl.rules.yaml_verbatim import Span, mask

E = TypeVar("E", bound=SourceError)  # the error type the caller reports in
MAX_DEPTH = 32  # rule and config files are a few levels deep
# The plain data types; a tag asking for anything else (!!python/…) is refused.
_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp",
                                        "seq", "map")
)  # fmt: skip


@dataclass
class YamlValue:
    """A composed YAML value with its place: a scalar, a list or a mapping.

    `value` is the Python value of a scalar, a list of YamlValue, or a dict of str to
    YamlValue; `text` is a scalar's string (before YAML's typing, so `10:30` stays
    "10:30") and `source` its characters' places; `keys` maps each key of a mapping to
    where the key stands.
    """

    value: Any
    position: Position
    length: int = 1
    text: str = ""
    source: SourceText | None = None
    keys: dict[str, Position] = field(default_factory=dict)
    raw: SourceText | None = None  # the value's text in the file, verbatim

    @property
    def kind(self) -> str:
        """ "mapping", "list" or "scalar"."""
        if isinstance(self.value, dict):
            return "mapping"
        return "list" if isinstance(self.value, list) else "scalar"


class _Refused(Exception):
    def __init__(self, message: str, mark: yaml.Mark):
        super().__init__(message)
        self.message, self.mark = message, mark


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses aliases and anchors and bounds nesting."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        """Compose one node, refusing what could blow up or surprise."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                f"YAML aliases (*{event.anchor}) are not allowed here; write the value out",
                event.start_mark,
            )
        if getattr(event, "anchor", None):
            raise _Refused(
                f"YAML anchors (&{event.anchor}) are not allowed here; write the value out",
                event.start_mark,
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(
    text: str, path: str, error: type[E], verbatim: Callable[[str], list[Span]] | None = None
) -> tuple[YamlValue | None, list[E]]:
    """Compose `text` (one YAML document) into YamlValues.

    Returns the document (None when empty or unreadable) and every error found: a
    syntax error stops reading; duplicate keys and unreadable scalars are collected.
    `verbatim` names stretches of the text YAML must not read: each is one scalar whose
    value is its text as written (yaml_verbatim).
    """
    text = normalize(text)
    spans = verbatim(text) if verbatim is not None else []
    try:
        loader = _Loader(mask(text, spans))
    except yaml.reader.ReaderError as exc:
        where = SourceText(text, path).position(exc.position)
        return None, [error(f"a character YAML cannot hold: {chr(exc.character)!r}", where)]
    try:
        node = loader.get_single_node()
    except _Refused as exc:
        return None, [error(exc.message, _position(path, exc.mark))]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, text, path, error)]
    except yaml.YAMLError as exc:
        return None, [error(f"invalid YAML: {exc}", Position(path, 1, 1))]
    finally:
        loader.dispose()
    if node is None:
        return None, []
    errors: list[E] = []
    builder = _Builder(loader, text, path, error, errors)
    builder.verbatim = dict(spans)
    return builder.build(node), errors


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str, error: type[E]) -> E:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        problem = "a tab character: YAML is indented with spaces, not tabs"
    elif mark is not None and (quoted := _to_quote(text, mark)) is not None:
        key, value, column = quoted
        where = Position(path, mark.line + 1, column)
        hint = f"quotes: {key}: {_quoted(value)}" if len(value) <= 60 else "quotes"
        return error(
            f"invalid YAML: the value of `{key}` {_why(problem)}; put the whole value in {hint}",
            where,
            len(value),
        )
    elif problem == "mapping values are not allowed here":
        problem = "a ': ' inside a value; put the whole value in quotes"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    where = _position(path, mark) if mark else Position(path, 1, 1)
    return error(f"invalid YAML: {problem}", where)


_KEY_VALUE = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?P<key>[A-Za-z_][\w.-]*):[ ]+(?P<value>.*)$")


def _to_quote(text: str, mark: yaml.Mark) -> tuple[str, str, int] | None:
    """The key, value and value's column of the `key: value` line the error is in,
    when the error lies in the value (a value YAML could read if it were quoted)."""
    lines = text.split("\n")
    if mark.line >= len(lines):
        return None
    match = _KEY_VALUE.match(lines[mark.line])
    if match is None or mark.column < match.start("value"):
        return None
    value = match.group("value").rstrip()
    if " #" in value and not value.startswith(("'", '"')):
        value = value[: value.index(" #")].rstrip()
    return match.group("key"), value, match.start("value") + 1


def _why(problem: str) -> str:
    if problem == "mapping values are not allowed here":
        return "holds ': '"
    if "cannot start any token" in problem:
        return f"cannot start with {problem.split()[2]}"
    return "goes on after its quotes or brackets close"


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _position(path: str, mark: yaml.Mark) -> Position:
    return Position(path, mark.line + 1, mark.column + 1)


class _Builder(Generic[E]):
    """Composed nodes -> YamlValues, collecting errors."""

    def __init__(
        self,
        loader: _Loader,
        text: str,
        path: str,
        error: type[E],
        errors: list[E],
    ):
        self.loader, self.text, self.path = loader, text, path
        self.error, self.errors = error, errors
        self.file = SourceText(text, path)
        self.verbatim: dict[int, int] = {}  # start -> end of scalars read as written

    def build(self, node: Node) -> YamlValue:
        """The YamlValue of `node` and everything under it."""
        where = _position(self.path, node.start_mark)
        length = max(1, node.end_mark.index - node.start_mark.index)
        if node.tag not in _STANDARD_TAGS:
            self.errors.append(self.error(f"the YAML tag {node.tag[:60]} is not allowed", where))
        if isinstance(node, SequenceNode):
            result = YamlValue([self.build(item) for item in node.value], where, length)
        elif isinstance(node, MappingNode):
            result = self._mapping(node, where, length)
        else:
            result = self._scalar(node, where, length)
        result.raw = self.file.slice(node.start_mark.index, node.end_mark.index)
        return result

    def _mapping(self, node: MappingNode, where: Position, length: int) -> YamlValue:
        result = YamlValue({}, where, length)
        for key_node, value_node in node.value:
            key_where = _position(self.path, key_node.start_mark)
            if not isinstance(key_node, ScalarNode):
                self.errors.append(self.error("a key must be a plain name", key_where))
                continue
            key = key_node.value
            if key in result.value:
                first = result.keys[key]
                self.errors.append(
                    self.error(
                        f"`{key}` is given twice (first on line {first.line})",
                        key_where,
                        len(key),
                    )
                )
                continue
            result.value[key] = self.build(value_node)
            result.keys[key] = key_where
        return result

    def _scalar(self, node: ScalarNode, where: Position, length: int) -> YamlValue:
        end = self.verbatim.get(node.start_mark.index)
        if end is not None and node.style is None:
            source = self.file.slice(node.start_mark.index, end)
            return YamlValue(source.text, where, length, source.text, source)
        try:
            value = self.loader.construct_object(node)
        except Exception:  # whatever PyYAML fails on here is the file's fault, not ours
            if node.tag in _STANDARD_TAGS:  # else reported once, in build()
                message = f"cannot read the value '{node.value[:40]}'"
                self.errors.append(self.error(message, where, length))
            value = node.value
        points = scalar_points(self.text, node)
        if points is None:
            source = SourceText(node.value, self.path, where.line, where.column)
        else:
            source = self.file.mapped(node.value, points)
        return YamlValue(value, where, length, node.value, source)
