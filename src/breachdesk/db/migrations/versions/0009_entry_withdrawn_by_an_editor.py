"""entries withdrawn by an editor stay withdrawn across re-imports

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00

`entries.withdrawn` tells an editor's withdrawal (公開停止) apart from an entry its document
dropped; both are `retired`. Entries retired now are marked withdrawn when the audit log's last
word on them is an editor's `entry.retire` (no `entry.restore` after it); the others were
dropped by an import, or retired before the console wrote audit rows, and stay as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    entries = sa.table(
        "entries",
        sa.column("id", sa.String()),
        sa.column("retired", sa.Boolean()),
        sa.column("withdrawn", sa.Boolean()),
    )
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("target", sa.String()),
    )

    def last(action: str) -> sa.ScalarSelect[int]:
        row = audit.alias(action.replace(".", "_"))
        return (
            sa.select(sa.func.max(row.c.id))
            .where(row.c.action == action, row.c.target == entries.c.id)
            .scalar_subquery()
        )

    retired, restored = last("entry.retire"), last("entry.restore")
    op.execute(
        entries.update()
        .where(
            entries.c.retired.is_(True),
            retired.is_not(None),
            sa.or_(restored.is_(None), retired > restored),
        )
        .values(withdrawn=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("withdrawn")
