"""shopctl-example-platform: a shop behind a small HTTP API, as a shopctl plugin.

The hooks below are everything shopctl needs: the platform class and the extra field
it adds to the canonical `product` type.
"""

from __future__ import annotations

from shopctl import EntityType, Field, Platform, Type, hookimpl

from shopctl_example_platform.platform import ExamplePlatform

__version__ = "0.1.0"


@hookimpl
def shopctl_platforms() -> list[type[Platform]]:
    """The `example` platform."""
    return [ExamplePlatform]


@hookimpl
def shopctl_entity_types() -> list[EntityType]:
    """Products of this shop also have a SKU; rules can say `sku matches "^CUP-"`."""
    return [EntityType("product", (Field("sku", Type.TEXT, "Stock-keeping unit code"),))]
