"""Every entry of an incident as the console lists it, retired and draft-only ones included.

TEMPORARY-CONSOLE: the core has no such listing yet (`kb.service.list_entries` returns only
served entries, `kb.editing.pending_drafts` only drafts); this read-only query belongs in
`kb/editing.py` and should move there. It writes nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Entry, EntryVersion
from breachdesk.kb.service import get_incident

ENTRY_FILTERS = ("all", "served", "pending", "retired", "unserved")


@dataclass(frozen=True)
class EntryRow:
    """An entry's newest version (of any status), with what is served and what waits."""

    id: str
    kind: str
    file_name: str
    position: int
    retired: bool
    question: str
    answer: str
    section: str
    newest_version: int
    newest_status: str
    served_version: int | None
    pending: int

    @property
    def state(self) -> str:
        """served, retired, pending (a draft waits, nothing served yet) or unserved."""
        if self.retired:
            return "retired"
        if self.served_version is not None:
            return "served"
        return "pending" if self.pending else "unserved"


def entry_catalogue(db: Database, slug: str) -> list[EntryRow]:
    """Every entry of the incident in document order, each with its newest version's text."""
    with db.read() as s:
        incident = get_incident(s, slug)
        rows = s.execute(
            select(Entry, EntryVersion)
            .join(EntryVersion, EntryVersion.entry_id == Entry.id)
            .where(Entry.incident_id == incident.id)
            .order_by(Entry.file_name, Entry.position, Entry.id, EntryVersion.version)
        ).all()
        # Read the attributes now: the read session's rollback expires the objects.
        return _rows(list(rows))  # type: ignore[arg-type]


def _rows(rows: Sequence[Any]) -> list[EntryRow]:
    versions: dict[str, list[EntryVersion]] = {}
    entries: dict[str, Entry] = {}
    for entry, version in rows:
        entries[entry.id] = entry
        versions.setdefault(entry.id, []).append(version)
    out = []
    for eid, entry in entries.items():
        history = versions[eid]
        served = max((v.version for v in history if v.status == "approved"), default=None)
        newest = history[-1]
        out.append(
            EntryRow(
                id=eid,
                kind=entry.kind,
                file_name=entry.file_name,
                position=entry.position,
                retired=entry.retired,
                question=newest.question,
                answer=newest.answer,
                section=newest.section,
                newest_version=newest.version,
                newest_status=newest.status,
                served_version=served,
                pending=sum(
                    1 for v in history if v.status == "draft" and v.version > (served or 0)
                ),
            )
        )
    return out


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def filter_entries(rows: list[EntryRow], *, text: str = "", show: str = "all") -> list[EntryRow]:
    """The rows matching a search (id, question, answer or section; NFKC, any case) and a filter.

    `show` is all, served, pending (a draft waits for approval), retired, or unserved.
    """
    words = _folded(text).split()
    out = []
    for row in rows:
        if show == "pending" and not row.pending:
            continue
        if show == "retired" and not row.retired:
            continue
        if show == "served" and row.state != "served":
            continue
        if show == "unserved" and row.state in ("served", "retired"):
            continue
        haystack = _folded(" ".join((row.id, row.question, row.answer, row.section)))
        if all(word in haystack for word in words):
            out.append(row)
    return out
