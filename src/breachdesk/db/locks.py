"""A lock on one piece of work for the rest of a transaction, on either store.

Some work reads and then writes what a concurrent transaction may be writing too — assigning
compensation codes reads who holds one, then hands out free ones — and two at once must run one
after the other. `hold` serialises the transactions that name the same (kind, key) until each
ends: on PostgreSQL a transaction-scoped advisory lock (no row is locked, nothing else waits);
on SQLite a write that changes nothing, which takes the database's write lock now, before
anything is read (SQLite has one writer at a time, so the work serialises on it; the lock is
held to the commit, and a second writer waits up to the busy timeout).
"""

from __future__ import annotations

from sqlalchemy import Table, text, update
from sqlalchemy.orm import Session


def hold(s: Session, kind: int, key: int, *, table: Table) -> None:
    """Serialise the work of `kind` on `key` until the session's transaction ends. `table` is
    one the work writes (SQLite takes its write lock with an update of it that matches no row)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:kind, :key)"), {"kind": kind, "key": key})
        return
    primary = next(iter(table.primary_key.columns))
    s.execute(update(table).where(primary < 0).values({primary.name: primary}))
