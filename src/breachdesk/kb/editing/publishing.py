"""What the public is served: approving or rejecting a draft, withdrawing an entry.

Approving or withdrawing bumps the incident's knowledge-base version, so every worker on the
database rebuilds its index on its next request. Each takes `also(session)`, run in its own
transaction (a face's audit row: the change and its record commit together or not at all).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import Entry, EntryVersion, utcnow
from breachdesk.errors import ConflictError, NotFoundError
from breachdesk.kb.editing.entries import find_entry, served_version
from breachdesk.kb.service import get_incident, refresh_incident


def _draft(s: Session, entry: Entry, version: int) -> EntryVersion:
    row = s.scalar(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry.id, EntryVersion.version == version
        )
    )
    if row is None:
        raise NotFoundError("entry version", f"{entry.id} v{version}")
    if row.status != "draft":
        raise ConflictError(f"version {version} is {row.status}, not a draft")
    return row


def approve_version(
    db: Database,
    slug: str,
    entry_id: str,
    version: int,
    *,
    actor: str,
    also: Callable[[Session], None] | None = None,
) -> None:
    """Approve a draft: from now on it is the text served for this entry. `also(session)` runs
    in the approval's own transaction (a face's audit row)."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        entry = find_entry(s, incident, entry_id)
        row = _draft(s, entry, version)
        served = served_version(s, entry.id)
        if served is not None and served.version > version:
            raise ConflictError(
                f"version {served.version} is newer and already served; edit it instead"
            )
        row.status = "approved"
        row.approved_by = actor
        row.approved_at = utcnow()
        refresh_incident(s, incident)
        if also is not None:
            also(s)


def reject_version(
    db: Database,
    slug: str,
    entry_id: str,
    version: int,
    *,
    actor: str,
    also: Callable[[Session], None] | None = None,
) -> None:
    """Turn a draft down; it stays in the history as rejected. `also` as in `approve_version`."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        entry = find_entry(s, incident, entry_id)
        row = _draft(s, entry, version)
        row.status = "rejected"
        row.approved_by = actor
        row.approved_at = utcnow()
        if also is not None:
            also(s)


def set_retired(
    db: Database,
    slug: str,
    entry_id: str,
    retired: bool,
    *,
    also: Callable[[Session], None] | None = None,
) -> None:
    """Withdraw an entry from the public (or bring it back); its history is kept. A withdrawn
    entry stays withdrawn across re-imports of its document until it is brought back (an entry
    the document dropped is retired too, but by the import, and comes back when the document
    has it again). `also` as in `approve_version`."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        entry = find_entry(s, incident, entry_id)
        entry.withdrawn = retired
        if entry.retired != retired:
            entry.retired = retired
            refresh_incident(s, incident)
        if also is not None:
            also(s)
