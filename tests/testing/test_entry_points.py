"""A plugin registered through a written distribution is found like an installed one."""

import sys
from pathlib import Path

import pytest

from shopctl.plugins import load_plugins
from shopctl.testing.entry_points import write_plugin_distribution


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path for throwaway distributions and modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_written_distribution_registers_its_plugin(site: Path) -> None:
    (site / "shopctl_ep_good.py").write_text(
        "from shopctl import hookimpl, EntityType, Field, Type\n"
        "@hookimpl\n"
        "def shopctl_entity_types():\n"
        "    return [EntityType('coupon', (Field('id', Type.TEXT),))]\n",
        encoding="utf-8",
    )
    write_plugin_distribution(site, "epgood", "shopctl_ep_good")
    plugins = load_plugins()
    assert "coupon" in plugins.registry.entity_types
    assert any(p.name == "epgood" and p.version == "0.0.1" for p in plugins.loaded)


def test_a_plugin_that_raises_on_import_is_reported_and_the_rest_load(site: Path) -> None:
    (site / "shopctl_ep_broken.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    write_plugin_distribution(site, "epbroken", "shopctl_ep_broken")
    plugins = load_plugins()
    assert plugins.failed["epbroken"] == "RuntimeError: boom"
    assert "product" in plugins.registry.entity_types
    sys.modules.pop("shopctl_ep_broken", None)
