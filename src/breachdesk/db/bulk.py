"""Inserting many plain rows at once, in the caller's transaction, on either store.

PostgreSQL: one `COPY … FROM STDIN` streamed on the session's own connection (still inside the
transaction, so a failure leaves nothing). SQLite: the driver's `executemany` with the values
already in their stored form (dates as ISO text, as SQLAlchemy's Date stores them there). The
values are ints, strings, dates and None only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session


def insert_plain(
    s: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert `rows` (tuples in `columns` order) into `table`."""
    names = ", ".join(columns)
    if s.get_bind().dialect.name == "postgresql":
        driver = s.connection().connection.driver_connection
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    values = [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]
    if values:
        s.connection().exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
