"""register hardening: the self-check's counters (atomic limits, aggregated refusals)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("register_id", "kind", "subject", "hour"),
    )
    op.create_index(
        "ix_register_counters_hour", "register_counters", ["register_id", "hour"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_register_counters_hour", table_name="register_counters")
    op.drop_table("register_counters")
