"""The fixed tables: sync state, runs, the action ledger, the heartbeat.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shopctl.store.columns import JsonText, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create sync_state, runs, intents and heartbeat."""
    op.create_table(
        "sync_state",
        sa.Column("account", sa.String(100), primary_key=True),
        sa.Column("entity_type", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("cursor_at", UtcDateTime()),
        sa.Column("cursor_date", sa.Date()),
        sa.Column("synced_at", UtcDateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("slot", sa.String(64)),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime()),
        sa.Column("outcome", sa.String(20)),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("acted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("trace", JsonText()),
        sa.UniqueConstraint("rule", "slot", name="uq_runs_rule_slot"),
    )
    op.create_index("ix_runs_rule_started", "runs", ["rule", "started_at"])
    op.create_table(
        "intents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(128), nullable=False, unique=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("args", JsonText(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("not_before", UtcDateTime()),
        sa.Column("lease_owner", sa.String(100)),
        sa.Column("lease_until", UtcDateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("before", JsonText()),
        sa.Column("after", JsonText()),
        sa.Column("reference", sa.String(200)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_intents_run", "intents", ["run_id"])
    op.create_index("ix_intents_status", "intents", ["status", "not_before"])
    op.create_index(
        "ix_intents_cooldown", "intents", ["rule", "entity_type", "entity_id", "created_at"]
    )
    op.create_table(
        "heartbeat",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("beat_at", UtcDateTime(), nullable=False),
        sa.Column("info", JsonText()),
    )


def downgrade() -> None:
    """Drop the fixed tables."""
    for name in ("heartbeat", "intents", "runs", "sync_state"):
        op.drop_table(name)
