"""The store: SQLAlchemy tables for entities, metrics, runs and the ledger; migrations."""
