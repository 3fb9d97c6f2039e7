"""`shopctl.testing`: the kit for plugin authors — contract suites, fixtures, HTTP replay."""
