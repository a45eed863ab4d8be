"""Counters as one atomic statement, on either store.

A counter read and then written is two statements: thirty requests at once all read four and all
write five. `increment` adds one to a counter row and returns its new value in a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING``, which SQLite (3.35+) and PostgreSQL both speak,
each through its own SQLAlchemy construct: concurrent callers see 1, 2, 3 … and never the same
value twice (PostgreSQL serialises the conflicting rows; SQLite takes its write lock at the
statement). The row is created at 1 when its key is new.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def increment(s: Session, table: Table, key: Mapping[str, Any], *, column: str = "count") -> int:
    """Add one to `column` of the row of `table` whose unique key is `key` (the columns of a
    unique constraint, with their values), creating it at 1; its new value, in one statement
    of the session's transaction."""
    dialect = s.get_bind().dialect.name
    values, added = {**key, column: 1}, {column: table.c[column] + 1}
    if dialect == "postgresql":
        statement = (
            postgresql.insert(table)
            .values(values)
            .on_conflict_do_update(index_elements=list(key), set_=added)
            .returning(table.c[column])
        )
    elif dialect == "sqlite":
        statement = (
            sqlite.insert(table)
            .values(values)
            .on_conflict_do_update(index_elements=list(key), set_=added)
            .returning(table.c[column])
        )
    else:
        raise NotImplementedError(f"no atomic counter for the {dialect} dialect")
    return int(s.execute(statement).scalar_one())


def insert_new(
    s: Session, table: Table, values: Mapping[str, Any], *, unique: Sequence[str]
) -> bool:
    """Insert a row unless one with the same values of the `unique` columns (a unique
    constraint) exists; whether it did, in one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` of
    the session's transaction (a row comes back only when one was inserted). Two callers at
    once never both insert, and the one that finds the row there keeps its transaction — a
    savepoint would do the same on PostgreSQL, but pysqlite leaves a savepoint outside the
    transaction, so what it guards would commit on its own."""
    dialect = s.get_bind().dialect.name
    key = next(iter(table.primary_key.columns))
    if dialect == "postgresql":
        statement = (
            postgresql.insert(table)
            .values(dict(values))
            .on_conflict_do_nothing(index_elements=list(unique))
            .returning(key)
        )
    elif dialect == "sqlite":
        statement = (
            sqlite.insert(table)
            .values(dict(values))
            .on_conflict_do_nothing(index_elements=list(unique))
            .returning(key)
        )
    else:
        raise NotImplementedError(f"no insert-if-new for the {dialect} dialect")
    return s.execute(statement).first() is not None


def upsert(
    s: Session,
    table: Table,
    values: Mapping[str, Any],
    *,
    unique: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert a row, or when one with the same values of the `unique` columns (a unique
    constraint) exists, set its `update` columns to `values`; one ``INSERT … ON CONFLICT DO
    UPDATE`` of the session's transaction, so two callers at once never both insert."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table).values(dict(values))
        statement: Any = pg.on_conflict_do_update(
            index_elements=list(unique), set_={c: pg.excluded[c] for c in update}
        )
    elif dialect == "sqlite":
        lite = sqlite.insert(table).values(dict(values))
        statement = lite.on_conflict_do_update(
            index_elements=list(unique), set_={c: lite.excluded[c] for c in update}
        )
    else:
        raise NotImplementedError(f"no upsert for the {dialect} dialect")
    s.execute(statement)


def _dialect(s: Session | Connection) -> str:
    return s.dialect.name if isinstance(s, Connection) else s.get_bind().dialect.name


def upsert_where_statement(
    s: Session | Connection,
    table: Table,
    values: Mapping[str, Any],
    *,
    unique: Sequence[str],
    set_: Mapping[str, Any],
    where: Any,
    returning: Sequence[Any],
) -> Executable:
    """Insert a row; or, when one with the same values of the `unique` columns exists and
    `where` holds for it, set `set_` (expressions of its old values, like `table.c.n + 1`):
    one ``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``, built for the session's store.
    Executed, it returns the `returning` columns of the row inserted or changed, and no row
    when the existing one failed `where` and was left as it was; concurrent callers on one key
    run one after the other, each seeing what the one before it wrote (PostgreSQL locks the
    row, SQLite its database). Values and expressions may be `bindparam`s, so a hot path builds
    the statement once and executes it with its parameters."""
    dialect = _dialect(s)
    if dialect == "postgresql":
        return (
            postgresql.insert(table)
            .values(dict(values))
            .on_conflict_do_update(index_elements=list(unique), set_=dict(set_), where=where)
            .returning(*returning)
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(table)
            .values(dict(values))
            .on_conflict_do_update(index_elements=list(unique), set_=dict(set_), where=where)
            .returning(*returning)
        )
    raise NotImplementedError(f"no conditional upsert for the {dialect} dialect")
