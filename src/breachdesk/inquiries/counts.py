"""The daily report's counts of logged inquiries, kept as inquiries are written.

A ``GROUP BY`` over every inquiry cannot answer in 2 s once an incident has 100 million of them
on a 2-core machine, however it is indexed (10 M took 0.7 s on PostgreSQL and 2 s on SQLite), so
the report reads counts kept per (incident, channel, day, outcome, category) instead: a few
hundred rows per day whatever the volume. Decisions:

- **Triggers, not the application.** Inquiries are written by the desk (one call or mail), by
  call-log imports, by the question log's background writer with plain SQL ``INSERT``s, by edits,
  by deletions and purges, and by the database itself (a deleted category sets ``category_id``
  to NULL; a deleted incident cascades). Only triggers on `inquiries` see all of them, so the
  counts are exactly the ``GROUP BY`` of the rows, for any day, back-dated or not. A rollup of
  past days plus a watermark would be wrong as soon as an old inquiry is edited or purged.
- **SQLite**: row triggers add or subtract 1 in the counts row in the same transaction. SQLite
  has one writer at a time, so a counter row is never contended; the cost is one small upsert
  per inquiry written.
- **PostgreSQL**: counter rows updated in place would hold a row lock from the first insert to
  the commit, so every desk and question-log transaction on the same (day, channel, outcome,
  category) would queue behind the others, and two multi-row transactions taking the same keys in
  different orders would deadlock. So statement triggers (with transition tables) *append* one
  signed row per key and statement to `inquiry_count_changes` — appends never wait on each other
  — and `fold_count_changes` moves them into `inquiry_daily_counts` in one statement (its
  DELETE … RETURNING takes each change exactly once, even with two folds at a time). A bulk
  INSERT … SELECT of a million inquiries appends a few hundred changes, not a million.
- **The report adds counts and pending changes** in one statement (one snapshot), so it is exact
  whether or not a fold has run; `daily_table` folds first on PostgreSQL to keep the changes
  short. Keys whose total is 0 are left out, as the ``GROUP BY`` has no such group.

`raw_counts_query` is the same aggregate over the inquiries themselves: tests check the kept
counts against it, and `bench/report.py` times both.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import BigInteger, Select, cast, func, select, union_all

from breachdesk.db.counts import fold_count_changes as fold_count_changes
from breachdesk.db.tables import Inquiry, InquiryCountChange, InquiryDailyCount

NO_CATEGORY = 0
"""The `category_id` the counts use for an inquiry without a category."""


def kept_counts_query(
    incident_id: int, start: date, end: date, channels: Collection[str] | None
) -> Select[date, str, int | None, int]:
    """Per (day, outcome, category): the kept counts plus the pending changes, over `channels`
    (`None` = every channel). Rows whose total is 0 are left out; category 0 comes back `None`."""
    parts = []
    for table in (InquiryDailyCount.__table__, InquiryCountChange.__table__):
        part = select(table.c.day, table.c.outcome, table.c.category_id, table.c.n).where(
            table.c.incident_id == incident_id, table.c.day >= start, table.c.day <= end
        )
        if channels is not None:
            part = part.where(table.c.channel.in_(sorted(channels)))
        parts.append(part)
    both = union_all(*parts).subquery("kept")
    total = func.sum(both.c.n)
    return (
        select(
            both.c.day,
            both.c.outcome,
            func.nullif(both.c.category_id, NO_CATEGORY).label("category_id"),
            # PostgreSQL sums bigints as numeric (a Decimal in Python): a count is an int.
            cast(total, BigInteger).label("n"),
        )
        .group_by(both.c.day, both.c.outcome, both.c.category_id)
        .having(total != 0)
    )


def raw_counts_query(
    incident_id: int, start: date, end: date, channels: Collection[str] | None
) -> Select[date, str, int | None, int]:
    """The same aggregate computed from the inquiries themselves: one ``GROUP BY day, outcome,
    category_id`` over ``ix_inquiries_report`` (the check of the kept counts, and the bench's
    baseline)."""
    query = select(
        Inquiry.day, Inquiry.outcome, Inquiry.category_id, func.count().label("n")
    ).where(Inquiry.incident_id == incident_id, Inquiry.day >= start, Inquiry.day <= end)
    if channels is not None:
        query = query.where(Inquiry.channel.in_(sorted(channels)))
    return query.group_by(Inquiry.day, Inquiry.outcome, Inquiry.category_id)


__all__ = ["NO_CATEGORY", "fold_count_changes", "kept_counts_query", "raw_counts_query"]
