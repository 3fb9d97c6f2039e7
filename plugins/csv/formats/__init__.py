"""Every export format the csv platform recognises, one module per platform.

A module defines `FORMATS`, a tuple of `Format` declarations; adding a platform's export
is adding its module to `MODULES`.
"""

from __future__ import annotations

from importlib import import_module

from shopctl_plugins.csv.formats.base import Format

MODULES: tuple[str, ...] = ()


def all_formats() -> tuple[Format, ...]:
    """The declared formats, in `MODULES` order."""
    found: list[Format] = []
    for name in MODULES:
        found.extend(import_module(f"{__name__}.{name}").FORMATS)
    return tuple(found)
