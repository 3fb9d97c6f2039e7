"""Hot reload of rule files: validate the new version first, keep the last good one.

The daemon polls the content of the rule files (and the config) every few seconds;
no file-watching dependency is needed for a handful of small files. When something
changed, the rules are loaded and checked again. A file that fails keeps its last good
rules running and is reported; the other files' rules are taken as they now are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shopctl.rules.compiled import CompiledRule


def fingerprint(paths: Iterable[Path]) -> dict[str, str]:
    """A digest of each file's content, so an edit within one mtime tick is still seen."""
    digests = {}
    for path in paths:
        try:
            digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:  # removed between listing and reading: it is gone
            continue
    return digests


class Watcher:
    """Tells whether any watched file was added, removed or changed since last asked."""

    def __init__(self, files: Callable[[], Iterable[Path]]):
        self.files = files
        self._last = fingerprint(files())

    def changed(self) -> bool:
        """True once per change."""
        current = fingerprint(self.files())
        if current == self._last:
            return False
        self._last = current
        return True


@dataclass
class ActiveRules:
    """The rules the daemon schedules, and the files whose last good version stands in."""

    rules: dict[str, CompiledRule] = field(default_factory=dict)
    broken: dict[str, list[str]] = field(default_factory=dict)  # path -> error texts


def compiled_rules(ruleset: Any) -> list[CompiledRule]:
    """The compiled rules of a loader's RuleSet."""
    compiled = ruleset.compiled
    return list(compiled.values() if isinstance(compiled, Mapping) else compiled)


def errors_by_file(ruleset: Any) -> dict[str, list[str]]:
    """A loader RuleSet's errors grouped by the file they are in."""
    grouped: dict[str, list[str]] = {}
    for error in getattr(ruleset, "errors", ()) or ():
        position = getattr(error, "position", None)
        path = str(Path(position.path).resolve()) if position else "<rules>"
        grouped.setdefault(path, []).append(str(error))
    return grouped


def merge(previous: Mapping[str, CompiledRule], ruleset: Any) -> ActiveRules:
    """The rules to run now: the new valid ones, plus the last good rules of broken files.

    A rule of a broken file that still loads stands as it now is; one that no longer
    loads keeps its previous version, so a typo never stops a rule that worked.
    """
    broken = errors_by_file(ruleset)
    rules = {c.rule.name: c for c in compiled_rules(ruleset)}
    for name, old in previous.items():
        if name not in rules and source_path(old) in broken:
            rules[name] = old
    return ActiveRules(rules, broken)


def source_path(compiled: CompiledRule) -> str | None:
    """The resolved path of the file a rule was loaded from."""
    source = compiled.rule.source
    return str(Path(source.path).resolve()) if source else None
