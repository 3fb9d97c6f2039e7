"""Registering a plugin through a real entry point, for tests that spawn processes."""

from __future__ import annotations

from pathlib import Path


def write_plugin_distribution(site: Path, plugin: str, module: str, version: str = "0.0.1") -> Path:
    """Write a minimal installed distribution into folder `site` declaring
    `plugin = module` in the `shopctl` entry-point group.

    Put `site` on sys.path (or PYTHONPATH for a subprocess) and shopctl finds the
    plugin exactly as it finds an installed third-party one.
    """
    dist = site / f"shopctl_test_{plugin}-{version}.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: shopctl-test-{plugin}\nVersion: {version}\n",
        encoding="utf-8",
    )
    (dist / "entry_points.txt").write_text(f"[shopctl]\n{plugin} = {module}\n", encoding="utf-8")
    return dist
