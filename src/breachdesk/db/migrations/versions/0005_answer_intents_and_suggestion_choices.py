"""answer intents and suggestion choices

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 08:20:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The review queue's twin key (`review.grouping.question_key`) as it stood when this revision
# was written, copied so that the database package imports nothing from the domains above it
# and the revision keeps doing what it did whatever the queue's key becomes.
_DROP = re.compile(r"[\s\u3000\W_ー〜~･・]+")
_ENDINGS = re.compile(
    r"(?:を?教えて(?:ください|下さい|ほしい|欲しい|いただけますか|もらえますか))$"
    r"|(?:(?:なの|なん|の|ん)?(?:でしょうか|ですか|ますか|ですよね|ですね|です|ます|だろうか|かな|か|ね|よ))$"
    r"|(?:なの|の|は|って)$"
)


def question_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in folded)
    folded = _DROP.sub("", folded)
    stripped = _ENDINGS.sub("", folded)
    return (stripped or folded)[:200]


def upgrade() -> None:
    # Each entry version's breach intents (classified at import or set by an editor).
    with op.batch_alter_table("entry_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intents", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("intents_by", sa.String(length=120), nullable=True))
    # Suggestion choices and twin grouping on the public question log: what the engine did, what
    # it offered, what the person chose, and the folded question that groups twins.
    with op.batch_alter_table("public_questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("outcome", sa.String(length=16), nullable=False, server_default="abstained")
        )
        batch_op.add_column(
            sa.Column("suggested", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("chosen_entry_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("group_key", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_public_questions_chosen_entry_id_entries"),
            "entries",
            ["chosen_entry_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            batch_op.f("ix_public_questions_group_key"), ["group_key"], unique=False
        )
    questions = sa.table(
        "public_questions",
        sa.column("id", sa.Integer()),
        sa.column("question", sa.Text()),
        sa.column("answered", sa.Boolean()),
        sa.column("outcome", sa.String()),
        sa.column("group_key", sa.String()),
    )
    bind = op.get_bind()
    bind.execute(
        questions.update().where(questions.c.answered.is_(True)).values(outcome="answered")
    )
    for qid, text in bind.execute(sa.select(questions.c.id, questions.c.question)).all():
        bind.execute(
            questions.update().where(questions.c.id == qid).values(group_key=question_key(text))
        )


def downgrade() -> None:
    with op.batch_alter_table("entry_versions", schema=None) as batch_op:
        batch_op.drop_column("intents_by")
        batch_op.drop_column("intents")
    with op.batch_alter_table("public_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_questions_group_key"))
        batch_op.drop_constraint(
            batch_op.f("fk_public_questions_chosen_entry_id_entries"), type_="foreignkey"
        )
        batch_op.drop_column("group_key")
        batch_op.drop_column("chosen_at")
        batch_op.drop_column("chosen_entry_id")
        batch_op.drop_column("suggested")
        batch_op.drop_column("outcome")
