"""The command line: one module per group of commands, added to the group in main."""
