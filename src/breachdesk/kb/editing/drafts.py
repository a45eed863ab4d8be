"""Saving an edit as a draft: a reworded entry, an intents correction, a console-written entry.

Optimistic concurrency: an edit names the newest version its editor saw (`base_version`, the
console form's hidden field, the API body's field). If a newer version exists by the time it is
saved — another editor's draft or approval, or an import — the edit is refused with a
`StaleEditError` naming who saved what and when, instead of quietly building on an old text
(two editors once approved v2 and v3-built-from-v1, and v2's text vanished). Two saves of one
entry at the same instant both want the next version number; the loser retries (and, with a
base, is then stale), so neither gets a 500 from the unique (entry, version) key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import Entry, EntryVersion, utcnow
from breachdesk.errors import ConflictError, InvalidInputError, StaleEditError
from breachdesk.kb.editing.entries import find_entry, newest_number, served_version
from breachdesk.kb.editing.intents import EDITOR_P, carried_intents, check_intents
from breachdesk.kb.facts import extract_facts
from breachdesk.kb.service import get_incident, question_key
from breachdesk.privacy.redact import redact

# Run by a save in its own transaction with the new version's number (a face's audit row).
Saved = Callable[[Session, int], None]
CONSOLE_FILE = "(console)"
MAX_QUESTION = 1000
MAX_ANSWER = 20_000
SAVE_ATTEMPTS = 5  # concurrent saves of one entry: tries before a ConflictError


def _check_text(question: str, answer: str) -> tuple[str, str]:
    q, a = question.strip(), answer.strip()
    if not q:
        raise InvalidInputError("the question is empty", where="question")
    if not a:
        raise InvalidInputError("the answer is empty", where="answer")
    if len(q) > MAX_QUESTION:
        raise InvalidInputError(f"the question is over {MAX_QUESTION} characters", where="question")
    if len(a) > MAX_ANSWER:
        raise InvalidInputError(f"the answer is over {MAX_ANSWER:,} characters", where="answer")
    return q, a


def propose_version(
    db: Database,
    slug: str,
    entry_id: str,
    *,
    question: str,
    answer: str,
    section: str | None = None,
    actor: str,
    note: str = "",
    base_version: int | None = None,
    intents: Sequence[str] | None = None,
    also: Saved | None = None,
) -> int:
    """Save an edit as a new draft version; nothing is served until it is approved.

    `base_version` is the newest version the editor saw; a newer one is a `StaleEditError`
    (None: no check, for scripts that mean to override). A concurrent save of the same entry
    is retried, and after `SAVE_ATTEMPTS` a `ConflictError`. `intents` (taxonomy ids) are the
    editor's choice for this version; None keeps an editor's intents of the version the edit
    starts from (see the module docstring). `also(session, number)` runs in the save's own
    transaction (a face's audit row: the edit and its record commit together or not at all)."""
    q, a = _check_text(question, answer)
    chosen = check_intents(intents) if intents is not None else None
    return _saving(
        db,
        slug,
        entry_id,
        (q, a, section),
        actor,
        note,
        base_version=base_version,
        intents=chosen,
        also=also,
    )


def propose_intents(
    db: Database,
    slug: str,
    entry_id: str,
    intents: Sequence[str],
    *,
    actor: str,
    note: str = "",
    base_version: int | None = None,
    also: Saved | None = None,
) -> int:
    """Correct an entry's intents: a new draft with the text of the version an edit starts from
    (the newest draft waiting, else the served one) and these intents, approved like a text
    edit. `base_version` and `also` work as in `propose_version`."""
    chosen = check_intents(intents)
    return _saving(
        db, slug, entry_id, None, actor, note, base_version=base_version, intents=chosen, also=also
    )


def _saving(
    db: Database,
    slug: str,
    entry_id: str,
    text: tuple[str, str, str | None] | None,
    actor: str,
    note: str,
    *,
    base_version: int | None,
    intents: list[str] | None,
    also: Saved | None,
) -> int:
    for attempt in range(SAVE_ATTEMPTS):
        try:
            return _save_version(
                db,
                slug,
                entry_id,
                text,
                actor,
                note,
                base_version=base_version,
                intents=intents,
                also=also,
            )
        except (IntegrityError, OperationalError) as exc:
            # Another save took the version number (unique key), or SQLite's writer lock.
            if isinstance(exc, OperationalError) and "locked" not in str(exc):
                raise
            if attempt == SAVE_ATTEMPTS - 1:
                raise ConflictError(
                    f"{entry_id} is being saved by someone else right now; try again"
                ) from None
    raise AssertionError("unreachable")


def _starting(s: Session, entry_id: str) -> EntryVersion | None:
    """The version an edit starts from: the newest that was not rejected."""
    return s.scalar(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry_id, EntryVersion.status != "rejected")
        .order_by(EntryVersion.version.desc())
        .limit(1)
    )


def _save_version(
    db: Database,
    slug: str,
    entry_id: str,
    text: tuple[str, str, str | None] | None,
    actor: str,
    note: str,
    *,
    base_version: int | None,
    intents: list[str] | None,
    also: Saved | None,
) -> int:
    with db.transaction() as s:
        incident = get_incident(s, slug)
        entry = find_entry(s, incident, entry_id)
        base = served_version(s, entry.id)
        newest = newest_number(s, entry.id)
        if base_version is not None and newest > base_version:
            _refuse_stale(s, entry.id, base_version, newest)
        start = _starting(s, entry.id)
        if text is None:  # an intents correction keeps the text it starts from
            if start is None:
                raise ConflictError(f"{entry_id} has no version to correct the intents of")
            q, a, section = start.question, start.answer, start.section
        else:
            q, a, given = text
            section = given if given is not None else (base.section if base else "")
        if intents is not None:
            stored: list[dict[str, Any]] | None = [{"intent": i, "p": EDITOR_P} for i in intents]
            by: str | None = actor
        else:
            stored, by = carried_intents(start, q, a, section)
        number = newest + 1
        s.add(
            EntryVersion(
                entry_id=entry.id,
                version=number,
                question=q,
                answer=a,
                section=section,
                line_start=base.line_start if base else 0,
                line_end=base.line_end if base else 0,
                document_id=base.document_id if base else None,
                status="draft",
                facts=extract_facts(q + "\n" + a).to_dict(),
                created_by=actor,
                # An editor's note often quotes the caller who prompted the edit: redacted
                # like a public question, before it is cut (no half numbers).
                note=redact(note.strip())[:2000],
                intents=stored,
                intents_by=by,
            )
        )
        if also is not None:
            s.flush()
            also(s, number)
        return number


def _refuse_stale(s: Session, entry_id: str, base: int, newest: int) -> None:
    row = s.scalar(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry_id, EntryVersion.version == newest
        )
    )
    by, at = (row.created_by, row.created_at) if row is not None else ("?", None)
    when = f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else "an unknown time"
    raise StaleEditError(entry_id, base, newest, by, when)


def create_entry(
    db: Database,
    slug: str,
    *,
    question: str,
    answer: str,
    section: str = "",
    actor: str,
    also: Callable[[Session, str], None] | None = None,
) -> str:
    """A new console-written entry (a draft until approved); returns its id. `also(session,
    entry id)` runs in the same transaction (a face's audit row)."""
    q, a = _check_text(question, answer)
    with db.transaction() as s:
        incident = get_incident(s, slug)
        count = s.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.incident_id == incident.id, Entry.file_name == CONSOLE_FILE)
        )
        raw = "\x1f".join([slug, CONSOLE_FILE, question_key(q), str(count), utcnow().isoformat()])
        eid = f"{slug}-{hashlib.sha1(raw.encode()).hexdigest()[:10]}"
        s.add(
            Entry(
                id=eid,
                incident_id=incident.id,
                file_name=CONSOLE_FILE,
                kind="qa",
                position=int(count or 0),
            )
        )
        s.flush()
        s.add(
            EntryVersion(
                entry_id=eid,
                version=1,
                question=q,
                answer=a,
                section=section.strip(),
                status="draft",
                facts=extract_facts(q + "\n" + a).to_dict(),
                created_by=actor,
            )
        )
        if also is not None:
            s.flush()
            also(s, eid)
        return eid
