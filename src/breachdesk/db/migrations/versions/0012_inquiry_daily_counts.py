"""inquiry daily counts: the daily report's counts, kept by triggers on `inquiries`

`inquiry_daily_counts` holds how many inquiries each (incident, channel, day, outcome,
category) has; triggers on `inquiries` keep it exact whatever writes the table (the ORM, the
question log's batched plain INSERTs, call-log imports, edits, deletions, ON DELETE SET NULL of
a category, a cascade from a deleted incident). See `breachdesk.inquiries.counts` for why:

- SQLite (one writer at a time): row triggers add or subtract 1 in the counts row itself.
- PostgreSQL: statement triggers with transition tables append one signed row per key and
  statement to `inquiry_count_changes`, so concurrent writers never queue on a counter row's
  lock (nor deadlock when two transactions touch the same keys in different orders); a fold
  moves the changes into the counts later. TRUNCATE empties both.

The triggers are created before the backfill, in the same transaction: on PostgreSQL creating
a trigger locks out writers until the migration commits, so no inquiry is counted twice or
missed. A later migration that rebuilds `inquiries` on SQLite (batch mode copies the table)
must create the four triggers again.

Revision ID: 0012
Revises: 0010 (0013 and then 0011 follow it in the working tree)
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY = "incident_id, channel, day, outcome, category_id"


def _sqlite_key(row: str) -> str:
    return (
        f"incident_id = {row}.incident_id AND channel = {row}.channel AND day = {row}.day"
        f" AND outcome = {row}.outcome AND category_id = coalesce({row}.category_id, 0)"
    )


def _sqlite_add(row: str) -> str:
    return (
        f"INSERT INTO inquiry_daily_counts ({KEY}, n) VALUES ({row}.incident_id, {row}.channel,"
        f" {row}.day, {row}.outcome, coalesce({row}.category_id, 0), 1)"
        f" ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
    )


def _sqlite_subtract(row: str) -> str:
    return f"UPDATE inquiry_daily_counts SET n = n - 1 WHERE {_sqlite_key(row)};"


SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER inquiries_count_insert AFTER INSERT ON inquiries
BEGIN {_sqlite_add("NEW")} END""",
    f"""CREATE TRIGGER inquiries_count_update
AFTER UPDATE OF incident_id, channel, day, outcome, category_id ON inquiries
WHEN OLD.incident_id IS NOT NEW.incident_id OR OLD.channel IS NOT NEW.channel
  OR OLD.day IS NOT NEW.day OR OLD.outcome IS NOT NEW.outcome
  OR OLD.category_id IS NOT NEW.category_id
BEGIN {_sqlite_subtract("OLD")} {_sqlite_add("NEW")} END""",
    f"""CREATE TRIGGER inquiries_count_delete AFTER DELETE ON inquiries
BEGIN {_sqlite_subtract("OLD")} END""",
)


def _pg_rows(table: str, sign: str) -> str:
    return (
        f"SELECT incident_id, channel, day, outcome, coalesce(category_id, 0) AS category_id,"
        f" {sign}1 AS n FROM {table}"
    )


# One signed change per key and statement: a bulk INSERT … SELECT of a million inquiries
# appends a few hundred rows, a single-row INSERT one.
_PG_CHANGES = {
    "inserted": f"""INSERT INTO inquiry_count_changes ({KEY}, n)
  SELECT {KEY}, count(*) FROM ({_pg_rows("new_rows", "")}) AS added GROUP BY {KEY};""",
    "deleted": f"""INSERT INTO inquiry_count_changes ({KEY}, n)
  SELECT {KEY}, -count(*) FROM ({_pg_rows("old_rows", "")}) AS gone GROUP BY {KEY};""",
    "updated": f"""INSERT INTO inquiry_count_changes ({KEY}, n)
  SELECT {KEY}, sum(n) FROM ({_pg_rows("old_rows", "-")} UNION ALL {_pg_rows("new_rows", "")})
    AS moved GROUP BY {KEY} HAVING sum(n) <> 0;""",
    "truncated": "DELETE FROM inquiry_count_changes; DELETE FROM inquiry_daily_counts;",
}

_PG_TRIGGERS = {
    "inserted": "AFTER INSERT ON inquiries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
    "deleted": "AFTER DELETE ON inquiries REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
    "updated": "AFTER UPDATE ON inquiries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT",
    "truncated": "AFTER TRUNCATE ON inquiries FOR EACH STATEMENT",
}


def _pg_create() -> list[str]:
    statements = []
    for what, body in _PG_CHANGES.items():
        # SET search_path FROM CURRENT: the tables are the migrated schema's, whatever the
        # search path of the session whose statement fires the trigger.
        statements.append(
            f"""CREATE FUNCTION inquiries_count_{what}() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  {body}
  RETURN NULL;
END $$"""
        )
        statements.append(
            f"CREATE TRIGGER inquiries_count_{what} {_PG_TRIGGERS[what]}"
            f" EXECUTE FUNCTION inquiries_count_{what}()"
        )
    return statements


BACKFILL = f"""INSERT INTO inquiry_daily_counts ({KEY}, n)
SELECT incident_id, channel, day, outcome, coalesce(category_id, 0), count(*)
FROM inquiries GROUP BY incident_id, channel, day, outcome, coalesce(category_id, 0)"""


def upgrade() -> None:
    op.create_table(
        "inquiry_daily_counts",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("incident_id", "channel", "day", "outcome", "category_id"),
    )
    op.create_table(
        "inquiry_count_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _pg_create():
            op.execute(statement)
    op.execute(BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for what in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS inquiries_count_{what}")
    else:
        for what in _PG_CHANGES:
            op.execute(f"DROP TRIGGER IF EXISTS inquiries_count_{what} ON inquiries")
            op.execute(f"DROP FUNCTION IF EXISTS inquiries_count_{what}()")
    op.drop_table("inquiry_count_changes")
    op.drop_table("inquiry_daily_counts")
