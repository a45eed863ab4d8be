"""Every row of every table, to assert that a failed action left the database as it was."""

from __future__ import annotations

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Base

VOLATILE = {
    "login_sessions": {"last_seen_at", "expires_at"},
    "api_tokens": {"last_used_at"},
}
"""Columns every authenticated request may touch (sliding expiry, last use)."""
COUNTERS = {"rate_limits", "login_attempts"}
"""Limits' counters, written before the action they guard whatever it then does: the rate
limit's bucket of the client address, and a login attempt, counted as a failure before its
password is checked (`auth.service._count_attempt`) — an attempt whose audit row then fails
stays counted, which errs on the side of the throttle."""
DERIVED = {"inquiry_daily_counts", "inquiry_count_changes"}
"""Kept by the database from `inquiries`, which is compared (tests/inquiries/test_counts.py
holds them equal to it); a report folds the pending changes whenever it reads them."""


def snapshot(db: Database) -> dict[str, list[str]]:
    """Every row of every table (but the columns any request touches), comparable."""
    out: dict[str, list[str]] = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in COUNTERS | DERIVED:
                continue
            columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, ())]
            out[table.name] = sorted(repr(tuple(row)) for row in s.execute(select(*columns)))
    return out
