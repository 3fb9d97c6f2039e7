"""The `csv` platform: rules over a folder of exports, actions as bulk-edit files."""

from __future__ import annotations

from shopctl import Platform, hookimpl
from shopctl_plugins.csv.platform import CsvPlatform

__all__ = ["CsvPlatform"]


@hookimpl
def shopctl_platforms() -> list[type[Platform]]:
    """The csv platform."""
    return [CsvPlatform]
