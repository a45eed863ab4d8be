"""Reading an entry as the console shows it: its versions, what is served, drafts waiting.

Every change to an entry is a new `EntryVersion`; nothing is overwritten. A version is a `draft`
until an editor approves it; only the newest approved version of an entry is served (see
`kb.service.list_entries`). The helpers here find an entry and its served and newest versions in
a session; the other parts of editing (drafts, publishing, phrasings) start from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import Document, Entry, EntryPhrasing, EntryVersion, Feedback, Incident
from breachdesk.errors import NotFoundError
from breachdesk.kb.editing.intents import IntentMark, intent_marks
from breachdesk.kb.service import AUTO_INTENTS, get_incident


@dataclass(frozen=True)
class VersionView:
    version: int
    status: str
    question: str
    answer: str
    section: str
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    note: str
    document: str | None
    # Best first; None when the version has not been classified yet. `intents_by` is "auto"
    # (the classifier) or the editor who chose them.
    intents: tuple[IntentMark, ...] | None = None
    intents_by: str | None = None

    @property
    def intents_by_editor(self) -> bool:
        return self.intents is not None and self.intents_by not in (None, AUTO_INTENTS)


@dataclass(frozen=True)
class EntryDetail:
    """An entry with its whole history, phrasings and feedback."""

    id: str
    incident: str
    kind: str
    file_name: str
    retired: bool
    served_version: int | None
    versions: list[VersionView]
    phrasings: list[str]
    helpful: int
    not_helpful: int
    withdrawn: bool = False
    """Retired by an editor (kept retired across re-imports), not dropped by its document."""

    @property
    def pending(self) -> list[VersionView]:
        """Drafts newer than the served version, newest first."""
        served = self.served_version or 0
        return [v for v in reversed(self.versions) if v.status == "draft" and v.version > served]


def find_entry(s: Session, incident: Incident, entry_id: str) -> Entry:
    """The incident's entry `entry_id`; NotFoundError when it is not the incident's."""
    entry = s.get(Entry, entry_id)
    if entry is None or entry.incident_id != incident.id:
        raise NotFoundError("entry", entry_id)
    return entry


def served_version(s: Session, entry_id: str) -> EntryVersion | None:
    """The version the public is served: the newest approved one (None before any)."""
    return s.scalar(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry_id, EntryVersion.status == "approved")
        .order_by(EntryVersion.version.desc())
        .limit(1)
    )


def newest_number(s: Session, entry_id: str) -> int:
    """The newest version number of an entry, whatever its status (0 without versions)."""
    return int(
        s.scalar(select(func.max(EntryVersion.version)).where(EntryVersion.entry_id == entry_id))
        or 0
    )


def entry_detail(db: Database, slug: str, entry_id: str) -> EntryDetail:
    """An entry's versions (oldest first), phrasings and feedback counts."""
    with db.read() as s:
        incident = get_incident(s, slug)
        entry = find_entry(s, incident, entry_id)
        docs = {
            d.id: f"{d.file_name} v{d.version}"
            for d in s.scalars(select(Document).where(Document.incident_id == incident.id))
        }
        versions = [
            VersionView(
                v.version,
                v.status,
                v.question,
                v.answer,
                v.section,
                v.created_by,
                v.created_at,
                v.approved_by,
                v.approved_at,
                v.note,
                docs.get(v.document_id) if v.document_id else None,
                intent_marks(v.intents),
                v.intents_by,
            )
            for v in s.scalars(
                select(EntryVersion)
                .where(EntryVersion.entry_id == entry_id)
                .order_by(EntryVersion.version)
            )
        ]
        served = max((v.version for v in versions if v.status == "approved"), default=None)
        phrasings = list(
            s.scalars(
                select(EntryPhrasing.text)
                .where(EntryPhrasing.entry_id == entry_id)
                .order_by(EntryPhrasing.id)
            )
        )
        votes = dict(
            s.execute(
                select(Feedback.helpful, func.count())
                .where(Feedback.entry_id == entry_id)
                .group_by(Feedback.helpful)
            ).all()
        )
        return EntryDetail(
            entry.id,
            slug,
            entry.kind,
            entry.file_name,
            entry.retired,
            served,
            versions,
            phrasings,
            int(votes.get(True, 0)),
            int(votes.get(False, 0)),
            entry.withdrawn,
        )


def newest_version(db: Database, slug: str, entry_id: str) -> int:
    """The newest version number of an entry (any status): what an edit form is based on."""
    with db.read() as s:
        return newest_number(s, find_entry(s, get_incident(s, slug), entry_id).id)


def pending_drafts(db: Database, slug: str) -> list[tuple[str, int, str, str]]:
    """Drafts waiting for approval: (entry id, version, question, author), oldest first."""
    with db.read() as s:
        incident = get_incident(s, slug)
        served = (
            select(EntryVersion.entry_id, func.max(EntryVersion.version).label("v"))
            .where(EntryVersion.status == "approved")
            .group_by(EntryVersion.entry_id)
            .subquery()
        )
        rows = s.execute(
            select(EntryVersion)
            .join(Entry, Entry.id == EntryVersion.entry_id)
            .outerjoin(served, served.c.entry_id == EntryVersion.entry_id)
            .where(
                Entry.incident_id == incident.id,
                EntryVersion.status == "draft",
                (served.c.v.is_(None)) | (EntryVersion.version > served.c.v),
            )
            .order_by(EntryVersion.created_at, EntryVersion.id)
        ).scalars()
        return [(v.entry_id, v.version, v.question, v.created_by) for v in rows]
