"""hardening

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Feedback and suggestion choices need the token issued with the answer (stored hashed);
    # questions logged before have none, so nobody can vote on them any more.
    with op.batch_alter_table("public_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_token_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("public_questions", schema=None) as batch_op:
        batch_op.drop_column("feedback_token_hash")
