"""Every row of every table, to assert that a failed action left the database as it was."""

from __future__ import annotations

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Base

VOLATILE = {"login_sessions": {"last_seen_at", "expires_at"}, "api_tokens": {"last_used_at"}}
"""Columns every authenticated request may touch (sliding expiry, last use)."""


def snapshot(db: Database) -> dict[str, list[str]]:
    """Every row of every table (but the columns any request touches), comparable."""
    out: dict[str, list[str]] = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, ())]
            out[table.name] = sorted(repr(tuple(row)) for row in s.execute(select(*columns)))
    return out
