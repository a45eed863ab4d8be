"""shared rate limits: one row per client address in the store every node shares

Revision ID: 0011
Revises: 0013 (written alongside 0012 and 0013, which already followed 0010: chained after them
so the tree keeps one head; it creates one table and depends on none of theirs, so for numeric
order set this to 0010 and 0012's to 0011)
Create Date: 2026-12-08 09:00:00

The public rate limit was a token bucket per worker process, so two workers or two servers gave
an address twice the limit. `rate_limits` holds each address's bucket (`limits.rate`): a keyed
hash of the address (never the address) and the moment its bucket would be full again; a row
whose moment has passed says nothing and is pruned.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.LargeBinary(length=16), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
