"""Writing many register rows at once, in the caller's transaction.

On PostgreSQL new people go in through `COPY … FROM STDIN (FORMAT BINARY)` on the session's own
connection: one statement streamed for the whole batch instead of one INSERT per row, and still
inside the import's transaction, so a failed import leaves nothing behind. On SQLite they go in
by the driver's `executemany` with the values already in their stored form: the two timestamps
and each distinct item list are converted once, by the columns' own SQLAlchemy types (so the
stored text is what the ORM writes), instead of once per row by a Core insert. After a large
load on PostgreSQL the table's statistics are refreshed (`ANALYZE`, also in the transaction) so
that the first look-ups are planned on exact estimates rather than on an unanalysed table's.

`BackgroundWrites` runs an import's PostgreSQL writes in a second thread, in order, while the
import reads and encrypts the next batch: the server's work on one batch overlaps the Python work
on the next, where one thread would leave each side idle while the other works (1M people:
48–54 s → 31 s). The session is handed over, never shared: while writes are queued only the
writer thread touches it, and leaving the `with` block waits for them (and raises the first
error of any). On SQLite the writes stay in the importing thread: the driver binds every row's
values holding the GIL, so a writer thread only competed for it (1M people: 55.8 s either way,
but 63 s of CPU instead of 50).

This module is the one place outside `breachdesk.db` that tells the two stores apart
(`tests/db/test_seam.py` names it): the COPY stream, the writer thread and ANALYZE are one tuned
path of the register's import, and moving it into the seam would be a rewrite of that path for
one caller.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
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


class BackgroundWrites:
    """An import's writes to `s`, one after another, in a writer thread on PostgreSQL and at
    once elsewhere (see the module docstring)."""

    def __init__(self, s: Session, depth: int = 2) -> None:
        # A short queue: the reader stays at most `depth` batches ahead (memory stays bounded).
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if _is_postgresql(s):
            self._thread = threading.Thread(target=self._run, name="register-writes", daemon=True)

    def __enter__(self) -> BackgroundWrites:
        if self._thread is not None:
            self._thread.start()
        return self

    def submit(self, write: Callable[[], None]) -> None:
        """Queue a write (or run it, without a writer thread); raises at once if an earlier
        write failed."""
        if self._thread is None:
            write()
            return
        self._raise_error()
        self._queue.put(write)

    def _run(self) -> None:
        while (write := self._queue.get()) is not None:
            if self._error is None:  # after a failure, drain without writing
                try:
                    write()
                except BaseException as exc:  # handed to the importing thread, which raises it
                    self._error = exc

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()  # the session is the caller's again only once the writer is done
        if error is None:
            self._raise_error()
