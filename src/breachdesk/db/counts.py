"""The daily report's count changes folded into its counts (PostgreSQL; see
`breachdesk.inquiries.counts` for the design).

PostgreSQL's triggers on `inquiries` append signed changes to `inquiry_count_changes` instead of
updating a shared counter row; `fold_count_changes` moves them into `inquiry_daily_counts` in one
statement. Its ``DELETE … RETURNING`` takes each committed change once: a second fold at the same
time waits on the first's rows and then skips them, and a change committed after the fold's
snapshot waits for the next one. The upsert goes in key order, so two folds cannot deadlock.
SQLite's triggers update the counts themselves (one writer at a time), so it has nothing to fold.
"""

from __future__ import annotations

from sqlalchemy import text

from breachdesk.db.engine import Database

_FOLD = text(
    """
WITH moved AS (
  DELETE FROM inquiry_count_changes
  RETURNING incident_id, channel, day, outcome, category_id, n
), summed AS (
  -- A deleted incident's inquiries left their (negative) changes; its counts went with it.
  SELECT m.incident_id, m.channel, m.day, m.outcome, m.category_id, sum(m.n) AS n
  FROM moved AS m JOIN incidents AS i ON i.id = m.incident_id
  GROUP BY m.incident_id, m.channel, m.day, m.outcome, m.category_id
  HAVING sum(m.n) <> 0
)
INSERT INTO inquiry_daily_counts (incident_id, channel, day, outcome, category_id, n)
SELECT incident_id, channel, day, outcome, category_id, n FROM summed
ORDER BY incident_id, channel, day, outcome, category_id
ON CONFLICT (incident_id, channel, day, outcome, category_id)
DO UPDATE SET n = inquiry_daily_counts.n + excluded.n
"""
)


def fold_count_changes(db: Database) -> int:
    """Move PostgreSQL's pending count changes into the counts; how many keys it touched.

    Exact under concurrent writers and folds (see `breachdesk.inquiries.counts`); on SQLite the triggers
    update the counts directly, so there is nothing to fold.
    """
    if db.is_sqlite:
        return 0
    with db.engine.begin() as conn:
        return conn.execute(_FOLD).rowcount


__all__ = ["fold_count_changes"]
