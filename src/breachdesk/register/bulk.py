"""Writing many register rows at once, in the caller's transaction.

On PostgreSQL new people go in through `COPY … FROM STDIN (FORMAT BINARY)` on the session's own
connection: one statement streamed for the whole batch instead of one INSERT per row, and still
inside the import's transaction, so a failed import leaves nothing behind. Elsewhere (SQLite) a
Core executemany is already the fast path. After a large load the table's statistics are
refreshed (`ANALYZE`, also in the transaction) so that the first look-ups are planned on the
blind indexes rather than on the guesses of an empty table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from breachdesk.db.tables import RegisterPerson

PEOPLE = cast(Table, RegisterPerson.__table__)
COLUMNS = (
    "register_id",
    "person_key",
    "version",
    "created_at",
    "record",
    "digest",
    "items",
    "updated_at",
    "customer_ix",
    "mail_ix",
    "phone_ix",
)
# `items` is a json column. In binary COPY its wire format is its text (json_recv reads the
# text and checks it), so it is sent as text, serialised once per distinct combination and
# exactly as SQLAlchemy's JSON type writes it (plain `json.dumps`), so that the counts, which
# group by the column's text, see one group per combination whichever path wrote the row.
_TYPES = (
    "int4",
    "bytea",
    "int4",
    "timestamptz",
    "bytea",
    "bytea",
    "text",
    "timestamptz",
    "bytea",
    "bytea",
    "bytea",
)
ANALYZE_AFTER = 10_000
"""A load of this many people or more refreshes the table's statistics before committing."""


def _is_postgresql(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def insert_people(s: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new people (dicts keyed by `COLUMNS`) in the session's transaction."""
    if not rows:
        return
    if not _is_postgresql(s):
        s.execute(insert(PEOPLE), list(rows))
        return
    items_json: dict[tuple[str, ...], str] = {}
    driver = s.connection().connection.driver_connection
    statement = f"COPY register_people ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        copy.set_types(list(_TYPES))
        for row in rows:
            items = tuple(row["items"])
            encoded = items_json.get(items)
            if encoded is None:
                encoded = items_json[items] = json.dumps(list(items))
            copy.write_row(
                (
                    row["register_id"],
                    row["person_key"],
                    row["version"],
                    row["created_at"],
                    row["record"],
                    row["digest"],
                    encoded,
                    row["updated_at"],
                    row["customer_ix"],
                    row["mail_ix"],
                    row["phone_ix"],
                )
            )


def refresh_statistics(s: Session, changed: int) -> None:
    """`ANALYZE` the people table after a large load (PostgreSQL; SQLite plans by its indexes)."""
    if changed >= ANALYZE_AFTER and _is_postgresql(s):
        s.execute(text("ANALYZE register_people"))
