"""What the latest sync could not take, and the schemas platforms learn at sync.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shopctl.store.columns import JsonText, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add sync_state's rejected/error/source/succeeded_at; create learned_schemas."""
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("error", sa.Text()))
        batch.add_column(sa.Column("source", sa.Text()))
        batch.add_column(sa.Column("succeeded_at", UtcDateTime()))
    # A store synced before this revision: its last sync took what it read.
    op.execute("UPDATE sync_state SET succeeded_at = synced_at")
    op.create_table(
        "learned_schemas",
        sa.Column("account", sa.String(100), primary_key=True),
        sa.Column("plugin", sa.String(100), nullable=False),
        sa.Column("body", JsonText(), nullable=False),
        sa.Column("learned_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop learned_schemas and the sync_state columns."""
    op.drop_table("learned_schemas")
    with op.batch_alter_table("sync_state") as batch:
        for name in ("succeeded_at", "source", "error", "rejected"):
            batch.drop_column(name)
