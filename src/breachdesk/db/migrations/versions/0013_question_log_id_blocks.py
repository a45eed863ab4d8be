"""The question log's id blocks: a worker takes ids in blocks and writes its rows in batches.

On SQLite a counter row per table (`db.ids`); PostgreSQL uses the tables' own sequences and
leaves this table empty.

Revision ID: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_blocks",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("next_id", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("id_blocks")
