"""Counters for the self-check's limits, each use one atomic statement.

A limit was a count followed by an insert: thirty checks sent at once all counted four and all
went through (7 messages on SQLite, 14 on PostgreSQL instead of 5). `bump` adds one to a counter
and returns the new value in a single statement (`db.upsert.increment`, where the two stores'
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` is built): concurrent requests see 1, 2, 3 … and
exactly `limit` of them are under it, on either store.

Counters are per clock hour (`hour_of`). Those of the limits are kept for the hour they count
(`prune`); those that record refused requests in aggregate (`REFUSED`) are kept, a handful of
rows per register and hour however many requests are refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from breachdesk.db.tables import RegisterCheck, RegisterCounter
from breachdesk.db.upsert import increment

ADDRESS = "address"
"""Self-check requests (checks, code tries, link opens) from one client address."""
CHECK = "check"
"""Checks of one identifier."""
CODE = "code"
"""SMS code tries for one identifier."""
REFUSED = "refused"
"""Requests refused, by what was refused (`subject`: ``check/limited``, ``code/refused`` …)."""
KEEP_CHECKS = timedelta(days=1)
"""How long a check's row (its link or code hash, for opening it) is kept after it expires."""
_COUNTERS = cast(Table, RegisterCounter.__table__)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def bump(s: Session, register_id: int, kind: str, subject: str, hour: datetime) -> int:
    """Add one to a counter (created at 1) and return its new value, in one statement."""
    key = {"register_id": register_id, "kind": kind, "subject": subject, "hour": hour}
    return increment(s, _COUNTERS, key)


def prune(s: Session, register_id: int, now: datetime) -> None:
    """Drop the limits' counters of past hours and the check rows long expired (their link or
    code can no longer open anything); refused-request counts stay."""
    s.execute(
        delete(RegisterCounter).where(
            RegisterCounter.register_id == register_id,
            RegisterCounter.hour < hour_of(now),
            RegisterCounter.kind != REFUSED,
        )
    )
    s.execute(
        delete(RegisterCheck).where(
            RegisterCheck.register_id == register_id,
            RegisterCheck.expires_at < now - KEEP_CHECKS,
        )
    )
