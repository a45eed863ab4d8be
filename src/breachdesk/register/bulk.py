"""Writing many register rows at once, in the caller's transaction.

On PostgreSQL new people go in through `COPY … FROM STDIN (FORMAT BINARY)` on the session's own
connection: one statement streamed for the whole batch instead of one INSERT per row, and still
inside the import's transaction, so a failed import leaves nothing behind. On SQLite they go in
by the driver's `executemany` with the values already in their stored form: the two timestamps
and each distinct item list are converted once, by the columns' own SQLAlchemy types (so the
stored text is what the ORM writes), instead of once per row by a Core insert. After a large
load on PostgreSQL the table's statistics are refreshed (`ANALYZE`, also in the transaction) so
that the first look-ups are planned on exact estimates rather than on an unanalysed table's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Dialect, Table, text
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
        _insert_sqlite(s, rows)
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


def _stored_form(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """The column type's own conversion of a Python value to what the driver stores."""
    convert = PEOPLE.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return convert if convert is not None else (lambda value: value)


def _insert_sqlite(s: Session, rows: Sequence[dict[str, Any]]) -> None:
    dialect = s.get_bind().dialect
    stamp, as_json = _stored_form(dialect, "created_at"), _stored_form(dialect, "items")
    stamps: dict[Any, Any] = {}
    items_json: dict[tuple[str, ...], Any] = {}
    values = []
    for row in rows:
        created, updated = row["created_at"], row["updated_at"]
        if created not in stamps:
            stamps[created] = stamp(created)
        if updated not in stamps:
            stamps[updated] = stamp(updated)
        items = tuple(row["items"])
        encoded = items_json.get(items)
        if encoded is None:
            encoded = items_json[items] = as_json(list(items))
        values.append(
            (
                row["register_id"],
                row["person_key"],
                row["version"],
                stamps[created],
                row["record"],
                row["digest"],
                encoded,
                stamps[updated],
                row["customer_ix"],
                row["mail_ix"],
                row["phone_ix"],
            )
        )
    marks = ", ".join("?" for _ in COLUMNS)
    s.connection().exec_driver_sql(
        f"INSERT INTO register_people ({', '.join(COLUMNS)}) VALUES ({marks})", values
    )


def refresh_statistics(s: Session, changed: int) -> None:
    """`ANALYZE` the people table after a large load (PostgreSQL; SQLite plans by its indexes)."""
    if changed >= ANALYZE_AFTER and _is_postgresql(s):
        s.execute(text("ANALYZE register_people"))
