"""Ids handed out before their rows are written, on either store.

The question log answers a person at once with the id of its log row (their feedback and their
choice of a suggestion name it), while the row itself is written a moment later in a batch by
the worker's one writer (`review.log`). So a worker takes a block of ids in one atomic
statement and hands them out from memory:

- PostgreSQL: the table's own serial sequence, `nextval` once per id in one statement
  (`generate_series`): every other insert takes its id from the same sequence, so nothing can
  collide.
- SQLite: a counter row in `id_blocks`, moved in one upsert that also starts above the table's
  highest id (a row inserted without a reserved id is never handed out again). SQLite has one
  writer at a time, so the statement is atomic across processes. Every writer of a table that
  uses this must take its ids here (`review.service.record_question` does).
"""

from __future__ import annotations

from sqlalchemy import text

from breachdesk.db.engine import Database
from breachdesk.db.tables import Base


def reserve_ids(db: Database, model: type[Base], count: int) -> list[int]:
    """`count` ids of `model`'s table that no other caller, in this process or another, gets."""
    if count < 1:
        return []
    name = str(model.__tablename__)
    with db.transaction() as s:
        if not db.is_sqlite:
            rows = s.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": name, "n": count},
            )
            return sorted(int(r[0]) for r in rows)
        # The table's name is a model's, not input: safe to format into the statement.
        end = s.execute(
            text(
                "INSERT INTO id_blocks (name, next_id) "
                f"SELECT :t, coalesce(max(id), 0) + 1 + :n FROM {name} WHERE true "
                "ON CONFLICT (name) DO UPDATE SET next_id = max(id_blocks.next_id, "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {name})) + :n "
                "RETURNING next_id"
            ),
            {"t": name, "n": count},
        ).scalar_one()
    return list(range(int(end) - count, int(end)))
