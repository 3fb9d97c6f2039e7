"""A registry of the canonical entity types only, for store tests."""

from __future__ import annotations

import pytest

from shopctl.plugins import load_plugins
from shopctl.registry import Registry


@pytest.fixture
def registry() -> Registry:
    """The core's declarations, without any entry-point plugin."""
    return load_plugins(allowed=set()).registry
