"""Error types, each carrying where it happened, and the exit codes of the CLI."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_INVALID = 1  # config, rules, arguments
EXIT_USAGE = 2
EXIT_PLUGIN = 3  # a platform or channel failed


@dataclass(frozen=True, order=True)
class Position:
    """A place in a source file: 1-based line and column."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class ShopctlError(Exception):
    """Base of every error shopctl reports to a person."""

    exit_code = EXIT_INVALID


class SourceError(ShopctlError):
    """An error in a file the operator wrote, at a position, compiler-style."""

    def __init__(self, message: str, position: Position | None = None, length: int = 1):
        super().__init__(message)
        self.message = message
        self.position = position
        self.length = max(1, length)

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        return f"{where}error: {self.message}"


class RuleError(SourceError):
    """A rule file or expression is invalid (syntax, types, names)."""


class ConfigError(SourceError):
    """`shopctl.yaml` is invalid or names something unknown."""


class PluginError(ShopctlError):
    """A plugin failed to load, or failed while working."""

    exit_code = EXIT_PLUGIN


class ActionError(PluginError):
    """A platform or channel call failed; `transient` says whether a retry may help."""

    transient = False


class TransientError(ActionError):
    """Raised by plugins: the call failed but may succeed later (timeouts, 5xx, 429)."""

    transient = True


class PermanentError(ActionError):
    """Raised by plugins: the call failed and retrying will not help (4xx, bad input)."""


class AmbiguousError(ActionError):
    """Raised by plugins: the call may or may not have taken effect (timed out after
    sending). The ledger marks the intent `unknown` unless it can be reconciled."""


class SourceErrors(ShopctlError):
    """Several errors in files found in one pass, reported together."""

    def __init__(self, errors: list[SourceError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class RuleErrors(SourceErrors):
    """Several rule errors found in one pass, reported together."""

    errors: list[RuleError]  # type: ignore[assignment]


class ConfigErrors(SourceErrors):
    """Every error of a config file, found in one pass; `config` is the file as far as
    it could be read (defaults where a value was wrong), so `validate` can go on to
    check plugin settings and rules in the same pass."""

    errors: list[ConfigError]  # type: ignore[assignment]

    def __init__(self, errors: list[SourceError], config: object | None = None):
        super().__init__(errors)
        self.config = config
