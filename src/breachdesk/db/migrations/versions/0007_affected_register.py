"""affected register

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 08:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("pending_key_id", sa.String(length=16), nullable=True),
        sa.Column("pending_wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id"),
    )
    op.create_table(
        "register_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_register_imports_register_id"), "register_imports", ["register_id"], unique=False
    )
    op.create_table(
        "register_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.LargeBinary(length=16), nullable=False),
        sa.Column("customer_ix", sa.LargeBinary(length=16), nullable=True),
        sa.Column("mail_ix", sa.LargeBinary(length=16), nullable=True),
        sa.Column("phone_ix", sa.LargeBinary(length=16), nullable=True),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("register_id", "person_key"),
    )
    for kind in ("customer", "mail", "phone"):
        op.create_index(
            f"ix_register_people_{kind}",
            "register_people",
            ["register_id", f"{kind}_ix"],
            unique=False,
        )
    op.create_table(
        "register_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ident_ix", sa.LargeBinary(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["register_people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["register_id"], ["registers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        "ix_register_checks_address",
        "register_checks",
        ["register_id", "address", "at"],
        unique=False,
    )
    op.create_index(
        "ix_register_checks_ident",
        "register_checks",
        ["register_id", "ident_ix", "at"],
        unique=False,
    )
    op.create_table(
        "register_person_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_import", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["register_people.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["replaced_by_import"], ["register_imports.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_register_person_versions_person_id"),
        "register_person_versions",
        ["person_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("register_person_versions")
    op.drop_table("register_checks")
    op.drop_table("register_people")
    op.drop_table("register_imports")
    op.drop_table("registers")
