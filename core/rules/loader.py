"""Loading rule files: find them, parse both forms, check and compile every rule.

A file with any error disables its own rules, each with its reason; the rules of
every other file keep working. All errors of all files are collected in one pass.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shopctl.errors import Position, RuleError, RuleErrors
from shopctl.registry import Registry
from shopctl.rules.clauses import ParsedRule
from shopctl.rules.compiled import CompiledRule
from shopctl.rules.compiler import check_and_compile
from shopctl.rules.model import Rule
from shopctl.rules.source_text import read_source
from shopctl.rules.text_form import parse_text_rules
from shopctl.rules.yaml_form import parse_yaml_rules

YAML_SUFFIXES = (".yaml", ".yml")
TEXT_SUFFIXES = (".rules",)
SWITCHED_OFF = "enabled: false"  # the reason of a sound rule its author turned off


@dataclass
class RuleSet:
    """Every rule found, the ones ready to run, the disabled ones and every error."""

    compiled: dict[str, CompiledRule] = field(default_factory=dict)  # enabled and valid
    rules: dict[str, Rule] = field(default_factory=dict)  # every rule that parsed
    errors: list[RuleError] = field(default_factory=list)
    disabled: dict[str, str] = field(default_factory=dict)  # rule name -> reason
    files: list[Path] = field(default_factory=list)


def rule_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[RuleError]]:
    """The rule files named by `paths` (files, or folders searched recursively, in name
    order), and an error for each path that does not exist."""
    found: list[Path] = []
    errors: list[RuleError] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES + TEXT_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            errors.append(RuleError("no such rule file or folder", Position(str(path), 1, 1)))
    return list(dict.fromkeys(found)), errors


def parse_rule_file(path: Path) -> tuple[list[ParsedRule], list[RuleError]]:
    """The rules of one file (YAML or text form by its suffix) and the file's errors."""
    try:
        text = read_source(path, RuleError, limit=MAX_RULE_FILE)
    except RuleError as exc:
        return [], [exc]
    if path.suffix in TEXT_SUFFIXES:
        return parse_text_rules(text, str(path))
    return parse_yaml_rules(text, str(path))


def load_rules(
    paths: Iterable[str | os.PathLike[str]], registry: Registry, channels: Collection[str]
) -> RuleSet:
    """Load, check and compile the rules in `paths`."""
    files, errors = rule_files(paths)
    result = RuleSet(errors=errors, files=files)
    defined: dict[str, Position] = {}
    for path in files:
        parsed, file_errors = parse_rule_file(path)
        compiled: dict[str, CompiledRule] = {}
        reasons: dict[str, str] = {}
        for item in parsed:
            item_errors = list(item.errors)
            if item.name is not None and item.name in defined:
                item_errors.insert(
                    0,
                    RuleError(
                        f"a rule named `{item.name}` is already defined at {defined[item.name]}",
                        item.position,
                        len(item.name),
                    ),
                )
            elif item.name is not None:
                defined[item.name] = item.position
            if item.rule is not None:
                try:
                    checked = check_and_compile(item.rule, registry, channels)
                except RuleErrors as exc:
                    item_errors += exc.errors
                else:
                    if not item_errors:
                        compiled[item.rule.name] = checked
                if not item.errors:
                    result.rules[item.rule.name] = item.rule
            item_errors.sort(
                key=lambda e: (e.position.line, e.position.column) if e.position else (0, 0)
            )
            if item_errors and item.name is not None:
                reasons[item.name] = str(item_errors[0])
            file_errors += item_errors
        result.errors += file_errors
        _settle(result, parsed, compiled, reasons, path, broken=bool(file_errors))
        if file_errors and not any(item.name for item in parsed):
            _unreadable(result, path, file_errors[0])
    return result


MAX_RULE_FILE = 1_000_000  # bytes: larger files are refused before they are parsed

# `- rule: NAME` (YAML form) or `rule NAME` (text form) at the start of a line.
_RULE_NAME = re.compile(r"""^(?:\s*-\s*rule\s*:|rule\s)\s*["']?([^\s"'#]+)""", re.MULTILINE)


def _unreadable(result: RuleSet, path: Path, error: RuleError) -> None:
    """A file that could not be read as rules at all (a YAML tab, bad encoding…): the
    rules it names are disabled with its first error, so `run --all`, `plan` and
    `status` say which rules wait and why; with no name found, the file stands in."""
    try:
        with path.open(encoding="utf-8", errors="replace") as source:
            text = source.read(MAX_RULE_FILE)
    except OSError:
        text = ""
    names = [n for n in dict.fromkeys(_RULE_NAME.findall(text)) if n not in result.compiled]
    for name in names or [str(path)]:
        result.disabled.setdefault(name, str(error))


def _settle(
    result: RuleSet,
    parsed: list[ParsedRule],
    compiled: dict[str, CompiledRule],
    reasons: dict[str, str],
    path: Path,
    broken: bool,
) -> None:
    """Enable the compiled rules of a sound file; disable the rest with a reason."""
    for item in parsed:
        name = item.name
        if name is None or name in result.disabled or name in result.compiled:
            continue
        if name in reasons:
            result.disabled[name] = reasons[name]
        elif broken:
            result.disabled[name] = f"{path} has errors; its rules wait until it is fixed"
        elif item.rule is not None and not item.rule.enabled:
            result.disabled[name] = SWITCHED_OFF
        elif name in compiled:
            result.compiled[name] = compiled[name]
