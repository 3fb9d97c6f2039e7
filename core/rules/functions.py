"""The built-in functions of the rule language, declared once with types and help."""

from __future__ import annotations

from shopctl.registry import FunctionSpec

BUILTIN_FUNCTIONS: tuple[FunctionSpec, ...] = ()
