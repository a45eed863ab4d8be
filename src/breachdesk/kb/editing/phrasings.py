"""Other ways people ask an entry's question, attached from the review queue; the answer
engine indexes them with the entry."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import Entry, EntryPhrasing, Incident, utcnow
from breachdesk.db.upsert import insert_new
from breachdesk.errors import InvalidInputError
from breachdesk.kb.editing.drafts import MAX_QUESTION
from breachdesk.kb.editing.entries import find_entry
from breachdesk.kb.service import get_incident


def add_phrasing(s: Session, incident: Incident, entry_id: str, text: str, *, actor: str) -> bool:
    """Attach another way of asking an entry's question (in the caller's transaction).

    Returns False when the entry already has this phrasing. Bumps the knowledge-base version.
    """
    entry = find_entry(s, incident, entry_id)
    phrase = " ".join(text.split())
    if not phrase:
        raise InvalidInputError("the phrasing is empty")
    if len(phrase) > MAX_QUESTION:
        raise InvalidInputError(f"a phrasing is at most {MAX_QUESTION} characters")
    exists = s.scalar(
        select(EntryPhrasing.id).where(
            EntryPhrasing.entry_id == entry.id, EntryPhrasing.text == phrase
        )
    )
    if exists is not None:
        return False
    # Two requests may attach the same phrasing at once (two editors, or askers agreeing): the
    # unique constraint decides, in one statement, and the one that loses keeps its transaction.
    row = {"entry_id": entry.id, "text": phrase, "created_by": actor, "created_at": utcnow()}
    if not insert_new(s, cast(Table, EntryPhrasing.__table__), row, unique=("entry_id", "text")):
        return False
    # One statement, so concurrent attaches never both write the same next version.
    incident.kb_version = Incident.kb_version + 1
    incident.updated_at = utcnow()
    return True


def phrasings(db: Database, slug: str) -> dict[str, tuple[str, ...]]:
    """Every entry's attached phrasings, for the answer engine's index."""
    with db.read() as s:
        incident = get_incident(s, slug)
        out: dict[str, list[str]] = {}
        for entry_id, text in s.execute(
            select(EntryPhrasing.entry_id, EntryPhrasing.text)
            .join(Entry, Entry.id == EntryPhrasing.entry_id)
            .where(Entry.incident_id == incident.id)
            .order_by(EntryPhrasing.id)
        ):
            out.setdefault(entry_id, []).append(text)
        return {k: tuple(v) for k, v in out.items()}
