"""reaching the affected: templates, planned campaigns and their send queue, compensation
codes, card reissue reports, callback requests

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notify_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "channel", "version"),
    )
    op.create_index(
        op.f("ix_notify_templates_incident_id"), "notify_templates", ["incident_id"], unique=False
    )
    op.create_table(
        "campaign_plans",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("audience_kind", sa.String(length=16), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("max_calls_per_day", sa.Integer(), nullable=True),
        sa.Column("planned_by", sa.String(length=120), nullable=False),
        sa.Column("planned_at", TZ, nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("campaign_id"),
    )
    op.create_table(
        "campaign_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("mail", sa.Integer(), nullable=False),
        sa.Column("sms", sa.Integer(), nullable=False),
        sa.Column("letter", sa.Integer(), nullable=False),
        sa.Column("forecast_calls", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "day"),
    )
    op.create_table(
        "campaign_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("mail", sa.String(length=8), nullable=True),
        sa.Column("sms", sa.String(length=8), nullable=True),
        sa.Column("letter", sa.String(length=8), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", TZ, nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["register_people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "person_id"),
    )
    op.create_index(
        "ix_campaign_messages_queue",
        "campaign_messages",
        ["campaign_id", "state", "day", "id"],
        unique=False,
    )
    op.create_table(
        "remediation_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("code_ix", sa.LargeBinary(length=16), nullable=False),
        sa.Column("code", sa.LargeBinary(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", TZ, nullable=False),
        sa.Column("assigned_at", TZ, nullable=True),
        sa.Column("redeemed_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["register_people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "code_ix"),
    )
    op.create_index(
        "ix_remediation_codes_person",
        "remediation_codes",
        ["incident_id", "person_id"],
        unique=False,
    )
    op.create_index(
        "ix_remediation_codes_free",
        "remediation_codes",
        ["incident_id", "assigned_at", "id"],
        unique=False,
    )
    op.create_table(
        "reissue_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("cards", sa.Integer(), nullable=False),
        sa.Column("reissued", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "company", "as_of"),
    )
    op.create_index(
        op.f("ix_reissue_reports_incident_id"), "reissue_reports", ["incident_id"], unique=False
    )
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("done_at", TZ, nullable=True),
        sa.Column("done_by", sa.String(length=120), nullable=True),
        sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempted_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["inquiry_id"], ["inquiries.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_callback_requests_due",
        "callback_requests",
        ["incident_id", "state", "due_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_callback_requests_due", table_name="callback_requests")
    op.drop_table("callback_requests")
    op.drop_index(op.f("ix_reissue_reports_incident_id"), table_name="reissue_reports")
    op.drop_table("reissue_reports")
    op.drop_index("ix_remediation_codes_free", table_name="remediation_codes")
    op.drop_index("ix_remediation_codes_person", table_name="remediation_codes")
    op.drop_table("remediation_codes")
    op.drop_index("ix_campaign_messages_queue", table_name="campaign_messages")
    op.drop_table("campaign_messages")
    op.drop_table("campaign_days")
    op.drop_table("campaign_plans")
    op.drop_index(op.f("ix_notify_templates_incident_id"), table_name="notify_templates")
    op.drop_table("notify_templates")
