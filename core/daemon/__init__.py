"""The daemon: runs scheduled rules unattended, exactly once per slot (SPEC §8)."""
