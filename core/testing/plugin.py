"""The `shopctl.testing` pytest plugin: fixtures for plugin authors."""
