"""Alembic migrations of the fixed tables (see shopctl.store.tables)."""
