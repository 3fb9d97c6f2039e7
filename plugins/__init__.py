"""The built-in plugins, registered through the `shopctl` entry points like anyone else's."""
