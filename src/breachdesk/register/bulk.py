"""Writing many register rows at once, in the caller's transaction.

On PostgreSQL new people go in through `COPY … FROM STDIN (FORMAT BINARY)` on the session's own
connection: one statement streamed for the whole batch instead of one INSERT per row, and still
inside the import's transaction, so a failed import leaves nothing behind. The binary stream is
built here (`binary_copy`), a few joins of bytes a row, rather than by psycopg's per-value
dumpers. On SQLite they go in by the driver's `executemany` with the values already in their
stored form: the timestamp and each distinct item list are converted once, by the columns' own
SQLAlchemy types (so the stored text is what the ORM writes), instead of once per row by a Core
insert. After a large load on PostgreSQL the table's statistics are refreshed (`ANALYZE`, also
in the transaction) so that the first look-ups are planned on exact estimates rather than on an
unanalysed table's.

A large load into an empty table (the first register of an installation: the day of the leak)
drops the table's unique constraint and blind-index B-trees first and builds them after the load
(`suspend_indexes`, `rebuild_indexes`), in the same transaction: four B-trees over random
16-byte keys maintained row by row stop fitting the server's cache somewhere past a few million
people, and a sort-built index is a fraction of the work.

`BackgroundWrites` runs an import's PostgreSQL writes in a second thread, in order, while the
import reads and encrypts the next batch: the server's work on one batch overlaps the Python work
on the next, where one thread would leave each side idle while the other works (1M people:
48–54 s → 31 s). The session is handed over, never shared: while writes are queued only the
writer thread touches it, and leaving the `with` block waits for them (and raises the first
error of any). On SQLite the writes stay in the importing thread: the driver binds every row's
values holding the GIL, so a writer thread only competed for it (1M people: 55.8 s either way,
but 63 s of CPU instead of 50).

This module is the one place outside `breachdesk.db` that tells the two stores apart
(`tests/db/test_seam.py` names it): the COPY stream, the writer thread, the index rebuild and
ANALYZE are one tuned path of the register's import, and moving it into the seam would be a
rewrite of that path for one caller.
"""

from __future__ import annotations

import json
import queue
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, cast

from sqlalchemy import Dialect, Table, text
from sqlalchemy.orm import Session

from breachdesk.db.tables import RegisterPerson
from breachdesk.register.prepare import PreparedRow

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
ANALYZE_AFTER = 10_000
"""A load of this many people or more refreshes the table's statistics before committing."""
REBUILD_FROM = 100_000
"""A load of this many people (estimated) into an empty table builds its indexes afterwards."""
INDEX_MEMORY = "256MB"
"""`maintenance_work_mem` for those builds (this transaction only): a 10M-person index sorts in
memory instead of in temporary files."""


@dataclass(frozen=True)
class NewPeople:
    """A batch of people new to a register, all written at `now` (version 1)."""

    register_id: int
    now: datetime
    rows: Sequence[PreparedRow]


def _is_postgresql(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def insert_people(s: Session, people: NewPeople) -> None:
    """Insert new people in the session's transaction."""
    if not people.rows:
        return
    if not _is_postgresql(s):
        _insert_sqlite(s, people)
        return
    driver = s.connection().connection.driver_connection
    statement = f"COPY register_people ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        copy.write(binary_copy(people))


# Binary COPY, written here rather than by psycopg's `write_row` (whose per-value dumpers were
# 9 % of a million-person import): a file signature, then per row the field count and each
# field as its length (-1: NULL) and its bytes, then a trailer. int4 is 4 bytes big-endian,
# bytea its bytes, timestamptz 8 bytes of microseconds since 2000-01-01 UTC. `items` is a json
# column, whose binary input is its text: serialised once per distinct combination and exactly
# as SQLAlchemy's JSON type writes it (plain `json.dumps`), so that the counts, which group by
# the column's text, see one group per combination whichever path wrote the row.
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_TRAILER = b"\xff\xff"
_NULL = struct.pack("!i", -1)
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_length = struct.Struct("!i").pack


def _field(value: bytes | None) -> bytes:
    return _NULL if value is None else _length(len(value)) + value


def binary_copy(people: NewPeople) -> bytes:
    """The batch as a whole `COPY … (FORMAT BINARY)` stream, columns in `COLUMNS` order."""
    micros = (people.now - _PG_EPOCH) // timedelta(microseconds=1)
    stamp = struct.pack("!iq", 8, micros)
    head = struct.pack("!hii", len(COLUMNS), 4, people.register_id)
    version_created = struct.pack("!ii", 4, 1) + stamp
    items_json: dict[tuple[str, ...], bytes] = {}
    parts = [_SIGNATURE]
    add = parts.extend
    for row in people.rows:
        items = items_json.get(row.items)
        if items is None:
            items = items_json[row.items] = _field(json.dumps(list(row.items)).encode())
        add(
            (
                head,
                _field(row.person_key),
                version_created,
                _field(row.record),
                _field(row.digest),
                items,
                stamp,
                _field(row.customer_ix),
                _field(row.mail_ix),
                _field(row.phone_ix),
            )
        )
    parts.append(_TRAILER)
    return b"".join(parts)


def _stored_form(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """The column type's own conversion of a Python value to what the driver stores."""
    convert = PEOPLE.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return convert if convert is not None else (lambda value: value)


def _insert_sqlite(s: Session, people: NewPeople) -> None:
    dialect = s.get_bind().dialect
    stamp = _stored_form(dialect, "created_at")(people.now)
    as_json = _stored_form(dialect, "items")
    items_json: dict[tuple[str, ...], Any] = {}
    values = []
    for row in people.rows:
        encoded = items_json.get(row.items)
        if encoded is None:
            encoded = items_json[row.items] = as_json(list(row.items))
        values.append(
            (
                people.register_id,
                row.person_key,
                1,
                stamp,
                row.record,
                row.digest,
                encoded,
                stamp,
                row.customer_ix,
                row.mail_ix,
                row.phone_ix,
            )
        )
    marks = ", ".join("?" for _ in COLUMNS)
    s.connection().exec_driver_sql(
        f"INSERT INTO register_people ({', '.join(COLUMNS)}) VALUES ({marks})", values
    )


@dataclass(frozen=True)
class SuspendedIndexes:
    """The statements that rebuild what `suspend_indexes` dropped, in order."""

    statements: list[str]


def suspend_indexes(s: Session, expected: int | None) -> SuspendedIndexes | None:
    """Before a large load into an empty `register_people` (PostgreSQL): drop its secondary
    indexes and its unique constraint, in the caller's transaction, for `rebuild_indexes` to
    build them again after the load, by sorting, instead of maintaining four B-trees over
    random 16-byte keys row by row (which at ten million rows no longer fit in the server's
    cache). None when the load is small, the table holds anyone, or the store is SQLite.

    The table is locked (ACCESS EXCLUSIVE) until the import commits: with nobody on it there is
    nobody to look up, and a concurrent import of another register waits for this one. A
    failed import rolls the drops back with everything else. The primary key stays (its
    keys arrive in order) and so do the foreign keys."""
    if expected is None or expected < REBUILD_FROM or not _is_postgresql(s):
        return None
    if s.scalar(text("SELECT EXISTS (SELECT 1 FROM register_people)")):
        return None
    savepoint = s.begin_nested()
    s.execute(text("LOCK TABLE register_people IN ACCESS EXCLUSIVE MODE"))
    if s.scalar(text("SELECT EXISTS (SELECT 1 FROM register_people)")):
        savepoint.rollback()  # someone's import committed meanwhile; the lock goes with it
        return None
    found = s.execute(
        text(
            "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid),"
            " c.conname, pg_get_constraintdef(c.oid)"
            " FROM pg_index x LEFT JOIN pg_constraint c"
            " ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype = 'u'"
            " WHERE x.indrelid = 'register_people'::regclass AND NOT x.indisprimary"
            " ORDER BY 1"
        )
    ).all()
    statements = []
    for index, definition, constraint, constraint_definition in found:
        if constraint is not None:
            name = s.connection().dialect.identifier_preparer.quote(constraint)
            s.execute(text(f"ALTER TABLE register_people DROP CONSTRAINT {name}"))
            statements.append(
                f"ALTER TABLE register_people ADD CONSTRAINT {name} {constraint_definition}"
            )
        else:
            s.execute(text(f"DROP INDEX {index}"))
            statements.append(definition)
    savepoint.commit()
    return SuspendedIndexes(statements)


def rebuild_indexes(s: Session, suspended: SuspendedIndexes | None) -> None:
    """Build again what `suspend_indexes` dropped, in the caller's transaction."""
    if suspended is None:
        return
    s.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_MEMORY}'"))
    for statement in suspended.statements:
        s.execute(text(statement))


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
