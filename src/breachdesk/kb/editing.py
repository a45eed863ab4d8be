"""Editing the knowledge base from the console: versions, approval, phrasings, document diffs.

Every change is a new `EntryVersion`; nothing is overwritten. A version is a `draft` until an
editor approves it; only the newest approved version of an entry is served (see
`service.list_entries`). Approving, retiring or attaching a phrasing bumps the incident's
knowledge-base version, so every worker on the database rebuilds its index on its next request.

Optimistic concurrency: an edit names the newest version its editor saw (`base_version`, the
console form's hidden field, the API body's field). If a newer version exists by the time it is
saved — another editor's draft or approval, or an import — the edit is refused with a
`StaleEditError` naming who saved what and when, instead of quietly building on an old text
(two editors once approved v2 and v3-built-from-v1, and v2's text vanished). Two saves of one
entry at the same instant both want the next version number; the loser retries (and, with a
base, is then stale), so neither gets a 500 from the unique (entry, version) key.

Breach intents (`breachdesk.intents`) travel with the text. The classifier stores its top three
with their probabilities (`intents_by` = "auto"); an editor's correction is a new draft like a
text edit, holding the text it started from and the chosen intents, each at confidence 1.0 (the
editor is sure), with `intents_by` naming the editor. A later text edit carries an editor's
intents over, so approving a reworded answer does not let the classifier undo the correction;
the classifier's own intents are carried only while the text they were read from is unchanged
(else the version has none, and the index classifies the new text).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import (
    Document,
    Entry,
    EntryPhrasing,
    EntryVersion,
    Feedback,
    Incident,
    utcnow,
)
from breachdesk.errors import ConflictError, InvalidInputError, NotFoundError, StaleEditError
from breachdesk.intents.taxonomy import intent_by_id
from breachdesk.kb.facts import extract_facts
from breachdesk.kb.service import (
    AUTO_INTENTS,
    SECTION_SEP,
    check_slug,
    get_incident,
    question_key,
    refresh_incident,
)
from breachdesk.privacy.redact import redact

# Run by a save in its own transaction with the new version's number (a face's audit row).
Saved = Callable[[Session, int], None]
CONSOLE_FILE = "(console)"
MAX_QUESTION = 1000
MAX_ANSWER = 20_000
SAVE_ATTEMPTS = 5  # concurrent saves of one entry: tries before a ConflictError
EDITOR_P = 1.0  # an editor's intent is certain
MAX_INTENTS = 10  # an entry matching every intent would be evidence for nothing


@dataclass(frozen=True)
class IntentMark:
    """One intent of an entry version and how sure whoever set it is."""

    intent: str
    p: float


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

    @property
    def pending(self) -> list[VersionView]:
        """Drafts newer than the served version, newest first."""
        served = self.served_version or 0
        return [v for v in reversed(self.versions) if v.status == "draft" and v.version > served]


@dataclass(frozen=True)
class DocumentView:
    id: int
    file_name: str
    version: int
    format: str
    encoding: str | None
    size: int
    sha256: str
    is_current: bool
    imported_at: datetime
    imported_by: str
    entries: int | None


@dataclass(frozen=True)
class EntryChange:
    """One entry's difference between two document versions."""

    change: str  # added, removed, changed
    question: str
    old_answer: str | None
    new_answer: str | None
    diff: list[str]


def _entry(s: Session, incident: Incident, entry_id: str) -> Entry:
    entry = s.get(Entry, entry_id)
    if entry is None or entry.incident_id != incident.id:
        raise NotFoundError("entry", entry_id)
    return entry


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


def _served(s: Session, entry_id: str) -> EntryVersion | None:
    return s.scalar(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry_id, EntryVersion.status == "approved")
        .order_by(EntryVersion.version.desc())
        .limit(1)
    )


def _newest_number(s: Session, entry_id: str) -> int:
    return int(
        s.scalar(select(func.max(EntryVersion.version)).where(EntryVersion.entry_id == entry_id))
        or 0
    )


def entry_detail(db: Database, slug: str, entry_id: str) -> EntryDetail:
    """An entry's versions (oldest first), phrasings and feedback counts."""
    with db.read() as s:
        incident = get_incident(s, slug)
        entry = _entry(s, incident, entry_id)
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
                _marks(v.intents),
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
        )


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


def check_intents(intents: Sequence[str]) -> list[str]:
    """Intent ids checked against the taxonomy, duplicates dropped, in the order given.

    An unknown id or more than `MAX_INTENTS` is an `InvalidInputError` (where="intents");
    an empty list is allowed: none of the taxonomy fits the entry."""
    known = intent_by_id()
    unknown = [i for i in intents if i not in known]
    if unknown:
        names = ", ".join(repr(i[:60]) for i in unknown[:5])
        raise InvalidInputError(
            f"unknown intent {names}: an intent is one of the {len(known)} ids of the "
            "breach-inquiry taxonomy (GET /api/v1/intents)",
            where="intents",
        )
    chosen = list(dict.fromkeys(intents))
    if len(chosen) > MAX_INTENTS:
        raise InvalidInputError(
            f"an entry has at most {MAX_INTENTS} intents ({len(chosen)} given)", where="intents"
        )
    return chosen


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
        entry = _entry(s, incident, entry_id)
        base = _served(s, entry.id)
        newest = _newest_number(s, entry.id)
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
            stored, by = _carried_intents(start, q, a, section)
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


def _carried_intents(
    start: EntryVersion | None, q: str, a: str, section: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """What a text edit keeps of the intents of the version it starts from: an editor's always,
    the classifier's only for the same text (its reading of other words would be stale)."""
    if start is None or start.intents is None:
        return None, None
    if start.intents_by not in (None, AUTO_INTENTS):
        return list(start.intents), start.intents_by
    if (start.question, start.answer, start.section) == (q, a, section):
        return list(start.intents), start.intents_by
    return None, None


def _marks(stored: list[Any] | None) -> tuple[IntentMark, ...] | None:
    if stored is None:
        return None
    return tuple(IntentMark(str(i["intent"]), float(i["p"])) for i in stored)


def _refuse_stale(s: Session, entry_id: str, base: int, newest: int) -> None:
    row = s.scalar(
        select(EntryVersion).where(
            EntryVersion.entry_id == entry_id, EntryVersion.version == newest
        )
    )
    by, at = (row.created_by, row.created_at) if row is not None else ("?", None)
    when = f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else "an unknown time"
    raise StaleEditError(entry_id, base, newest, by, when)


def newest_version(db: Database, slug: str, entry_id: str) -> int:
    """The newest version number of an entry (any status): what an edit form is based on."""
    with db.read() as s:
        return _newest_number(s, _entry(s, get_incident(s, slug), entry_id).id)


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
        entry = _entry(s, incident, entry_id)
        row = _draft(s, entry, version)
        served = _served(s, entry.id)
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
        entry = _entry(s, incident, entry_id)
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
    """Withdraw an entry from the public (or bring it back); its history is kept. `also` as
    in `approve_version`."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        entry = _entry(s, incident, entry_id)
        if entry.retired != retired:
            entry.retired = retired
            refresh_incident(s, incident)
        if also is not None:
            also(s)


def add_phrasing(s: Session, incident: Incident, entry_id: str, text: str, *, actor: str) -> bool:
    """Attach another way of asking an entry's question (in the caller's transaction).

    Returns False when the entry already has this phrasing. Bumps the knowledge-base version.
    """
    entry = _entry(s, incident, entry_id)
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
    s.add(EntryPhrasing(entry_id=entry.id, text=phrase, created_by=actor))
    incident.kb_version = (incident.kb_version or 0) + 1
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


def list_documents(db: Database, slug: str) -> list[DocumentView]:
    """Every version of every document of the incident, newest first per file."""
    with db.read() as s:
        incident = get_incident(s, slug)
        return [
            DocumentView(
                d.id,
                d.file_name,
                d.version,
                d.format,
                d.encoding,
                d.size,
                d.sha256,
                d.is_current,
                d.imported_at,
                d.imported_by,
                len(d.content) if d.content is not None else None,
            )
            for d in s.scalars(
                select(Document)
                .where(Document.incident_id == incident.id)
                .order_by(Document.file_name, Document.version.desc())
            )
        ]


def document_changes(
    db: Database, slug: str, file_name: str, old: int, new: int
) -> list[EntryChange]:
    """What changed between two versions of a document: entries added, removed and changed."""
    with db.read() as s:
        incident = get_incident(s, slug)
        docs = {
            d.version: d
            for d in s.scalars(
                select(Document).where(
                    Document.incident_id == incident.id,
                    Document.file_name == file_name,
                    Document.version.in_([old, new]),
                )
            )
        }
        for v in (old, new):
            if v not in docs:
                raise NotFoundError("document version", f"{file_name} v{v}")
            if docs[v].content is None:
                raise ConflictError(f"{file_name} v{v} was imported before contents were kept")
        return _changes(docs[old].content or [], docs[new].content or [])


def _changes(old: list[Any], new: list[Any]) -> list[EntryChange]:
    def keyed(rows: list[Any]) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for kind, section, question, answer in rows:
            key = (str(kind), question_key(f"{section}{SECTION_SEP}{question}"))
            out.setdefault(key, answer)
        return out

    questions = {
        (str(k), question_key(f"{sec}{SECTION_SEP}{q}")): str(q) for k, sec, q, _ in old + new
    }
    before, after = keyed(old), keyed(new)
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        diff = list(
            difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(), lineterm="", n=1)
        )[2:]
        changes.append(EntryChange(change, questions[key], a, b, diff))
    return changes


def create_incident(
    db: Database,
    slug: str,
    name: str,
    organisation: str | None = None,
    *,
    by: Actor | None = None,
) -> None:
    """Create an empty incident (documents are then uploaded into it); with `by`, its
    `incident.create` audit row in the same transaction."""
    check_slug(slug)
    title = name.strip()
    if not title or len(title) > 300:
        raise InvalidInputError("an incident name is 1–300 characters", where="name")
    with db.transaction() as s:
        if s.scalar(select(Incident.id).where(Incident.slug == slug)) is not None:
            raise ConflictError(f"incident {slug!r} already exists")
        s.add(Incident(slug=slug, name=title, organisation=organisation or None, facts={}))
        audited(s, by, "incident.create", slug, {"name": title})


def update_incident(
    db: Database, slug: str, *, name: str, organisation: str | None, by: Actor | None = None
) -> None:
    """Rename an incident or change its organisation; with `by`, its `incident.update` audit
    row in the same transaction."""
    title = name.strip()
    if not title or len(title) > 300:
        raise InvalidInputError("an incident name is 1–300 characters", where="name")
    with db.transaction() as s:
        incident = get_incident(s, slug)
        incident.name = title
        incident.organisation = organisation or None
        audited(s, by, "incident.update", slug, {"name": title})


def store_classified_intents(
    db: Database, slug: str, intents: dict[tuple[str, int], list[dict[str, Any]]]
) -> int:
    """Store intents the classifier gave entry versions that have none yet (`by` = "auto").

    Keyed by (entry id, version); a version that already has intents — classified earlier or
    set by an editor — is left as it is. Returns how many versions were classified.
    """
    if not intents:
        return 0
    stored = 0
    with db.transaction() as s:
        incident = get_incident(s, slug)
        rows = s.scalars(
            select(EntryVersion)
            .join(Entry, Entry.id == EntryVersion.entry_id)
            .where(
                Entry.incident_id == incident.id,
                EntryVersion.intents.is_(None),
                EntryVersion.entry_id.in_({entry for entry, _ in intents}),
            )
        )
        for v in rows:
            found = intents.get((v.entry_id, v.version))
            if found is not None:
                v.intents, v.intents_by = found, AUTO_INTENTS
                stored += 1
    return stored
