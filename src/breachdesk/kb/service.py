"""Knowledge-base operations: import documents, list incidents and entries.

Importers are pure; this module is where their output meets the database. An import parses every
file first, so a bad file fails before anything is written, then stores everything in one
transaction: a failure leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from breachdesk import pacing
from breachdesk.db import Database
from breachdesk.db.tables import Contact, Document, Entry, EntryVersion, Incident, utcnow
from breachdesk.errors import DocumentFormatError, InvalidInputError, NotFoundError
from breachdesk.kb.contacts import find_contacts
from breachdesk.kb.facts import extract_facts
from breachdesk.kb.importers import parse_document
from breachdesk.kb.importers.dailytable import ParsedDailyTable, read_daily_tables
from breachdesk.kb.parsed import ParsedDocument, ParsedEntry

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
SECTION_SEP = " > "
AUTO_INTENTS = "auto"  # `intents_by` of the classifier's intents (an editor's name otherwise)
DailyTables = Callable[[Session, Incident, list[ParsedDailyTable]], None]
"""What an import does, in its transaction, with the daily call-centre tables its documents hold
(the inquiry desk stores their figures: `Desk` passes it)."""


@dataclass(frozen=True)
class EntryView:
    """An entry as the rest of breachdesk sees it: its newest approved version."""

    id: str
    incident: str
    kind: str
    section: str
    question: str
    answer: str
    version: int
    position: int
    file_name: str
    line_start: int
    line_end: int
    facts: dict[str, Any] = field(default_factory=dict)
    # Breach intents of this version, best first ([{"intent", "p"}]), and who set them ("auto"
    # when classified at import, else the editor); None when not classified yet.
    intents: list[dict[str, Any]] | None = None
    intents_by: str | None = None


@dataclass(frozen=True)
class IncidentView:
    slug: str
    name: str
    organisation: str | None
    kb_version: int
    entries: int
    documents: int
    contacts: list[dict[str, Any]]
    facts: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    """What one file's import did."""

    file_name: str
    format: str
    encoding: str | None
    version: int
    unchanged: bool
    added: int = 0
    changed: int = 0
    retired: int = 0
    kept: int = 0
    held: int = 0
    """Entries whose served text is an editor's console edit and whose published text changed:
    the import's text waits as a draft for an editor to approve or reject (see
    `import_documents`)."""


def check_slug(slug: str) -> str:
    """Validate an incident slug (lower-case letters, digits and hyphens)."""
    # fullmatch: `$` would also accept a trailing newline ("tottori\n").
    if not SLUG_RE.fullmatch(slug):
        raise InvalidInputError(
            "an incident slug is 1–63 lower-case letters, digits or hyphens", where=slug
        )
    return slug


def question_key(text: str) -> str:
    """The form of a question that decides whether two versions are 'the same question'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def entry_id(slug: str, file_name: str, kind: str, question: str, occurrence: int) -> str:
    """A stable entry id: the same question in the same file keeps its id across versions."""
    raw = "\x1f".join([slug, file_name, kind, question_key(question), str(occurrence)])
    return f"{slug}-{hashlib.sha1(raw.encode()).hexdigest()[:10]}"


def read_sources(
    paths: Sequence[Path],
    *,
    format: str,
    max_bytes: int,
    names: Sequence[str] | None = None,
) -> list[tuple[ParsedDocument, bytes]]:
    """Read and parse every file; raise `DocumentFormatError` on the first bad one.

    `names`, one per path, are the files' own names when the paths are only where uploads
    were saved: documents are versioned, and messages name files, by them."""
    if names is not None and len(names) != len(paths):
        raise InvalidInputError("one name per file")
    parsed = []
    seen: dict[str, str] = {}
    for i, path in enumerate(paths):
        label = names[i] if names is not None else str(path)
        # Documents are versioned by file name: two different files with one name in one import
        # would make the second a new version of the first and silently retire its entries.
        first = seen.setdefault(Path(label).name, str(path))
        if first != str(path):
            raise DocumentFormatError(
                label, None, f"another file in this import has the same name: {first}"
            )
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise DocumentFormatError(label, None, f"cannot read the file: {exc.strerror}") from exc
        if size > max_bytes:
            raise DocumentFormatError(
                label, None, f"the file is {size:,} bytes, over the {max_bytes:,}-byte limit"
            )
        data = path.read_bytes()
        parsed.append((parse_document(label, data, format=format, max_bytes=max_bytes), data))
    return parsed


def import_documents(
    db: Database,
    slug: str,
    paths: Sequence[Path],
    *,
    name: str | None = None,
    organisation: str | None = None,
    format: str = "auto",
    max_bytes: int = 20_000_000,
    actor: str = "cli",
    names: Sequence[str] | None = None,
    also: Callable[[Session, Incident, list[ImportResult]], None] | None = None,
    create: bool = True,
    created: Callable[[Session, Incident], None] | None = None,
    daily: DailyTables | None = None,
) -> list[ImportResult]:
    """Import files into an incident (created if new), all in one transaction.

    With `create` False a missing incident is not found instead (creating incidents is an
    admin's decision, not an uploader's); `created` runs in the transaction when one is made.

    Everything the import does is in that transaction, so a crash (kill -9) leaves either all
    of it or none: `also` runs last inside it, for what the caller adds to every import (the
    inquiry categories of new entries, the audit row). `names` are the files' own names when
    the paths are where uploads were saved (see `read_sources`). `daily` is given the daily
    call-centre tables found in the documents (read, and a malformed one refused, before
    anything is written), in the transaction before `also`; without it they are not read: the
    knowledge base keeps entries, and a day's figures are the inquiry desk's.

    Re-importing an unchanged file is a no-op. A changed file becomes a new document version:
    entries whose question is unchanged keep their ids (with a new version when the text
    changed since the last import), new questions become new entries, and questions no longer
    in the file retire. `actor` is recorded as the importer.

    An import never drops an editor's work. An entry whose published text is unchanged keeps
    whatever an editor did to it. When it changed, the new version keeps the intents an editor
    set (`kb.editing`: the classifier's go with the old words), and:
    - if the served version is the organisation's text (imported, or an editor's intents
      correction of it), the new text is served at once, as the document now says;
    - if the served version is an editor's text edit, the import does not overwrite it: the
      new text becomes a draft (`held`, with a note saying why) that an editor approves —
      the organisation's wording wins — or rejects, keeping the edit served. The same
      published text is then not proposed again. Both texts are legally sensitive, so neither
      silently replaces the other; the console lists the draft among those waiting.
    An entry the document had dropped (retired by an import) and now publishes again comes back
    with the published text. An entry an editor withdrew (`Entry.withdrawn`) stays withdrawn
    whatever the document says, until an editor restores it; its versions still follow the
    document, so a restored entry serves the current text.
    """
    check_slug(slug)
    if not paths:
        raise InvalidInputError("no files to import")
    parsed = read_sources(paths, format=format, max_bytes=max_bytes, names=names)
    # Daily call-centre tables in the same documents, parsed before anything is written.
    daily_tables = (
        read_daily_tables(parsed, max_bytes=max_bytes, today=_today_jst()) if daily else []
    )
    results: list[ImportResult] = []
    with db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == slug))
        if incident is None:
            if not create:
                raise NotFoundError("incident", slug)
            title = next((doc.title for doc, _ in parsed if doc.title), None)
            incident = Incident(
                slug=slug, name=name or title or slug, organisation=organisation, facts={}
            )
            s.add(incident)
            s.flush()
            if created is not None:
                created(s, incident)
        else:
            if name:
                incident.name = name
            if organisation:
                incident.organisation = organisation
        changed_any = False
        for doc, data in parsed:
            result = _store_document(s, incident, doc, data, actor)
            results.append(result)
            changed_any = changed_any or not result.unchanged
        if changed_any:
            refresh_incident(s, incident)
        if daily is not None:  # stored in the same transaction (even for unchanged files)
            daily(s, incident, daily_tables)
        if also is not None:
            also(s, incident, results)
    return results


def _today_jst() -> date:
    """Today in Japan: the reference for the year of a daily table that states none."""
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


def _store_document(
    s: Session, incident: Incident, doc: ParsedDocument, data: bytes, actor: str = "cli"
) -> ImportResult:
    file_name = Path(doc.path).name
    digest = hashlib.sha256(data).hexdigest()
    current = s.scalar(
        select(Document).where(
            Document.incident_id == incident.id,
            Document.file_name == file_name,
            Document.is_current.is_(True),
        )
    )
    if current is not None and current.sha256 == digest:
        return ImportResult(file_name, current.format, current.encoding, current.version, True)
    version = 1 if current is None else current.version + 1
    if current is not None:
        current.is_current = False
    document = Document(
        incident_id=incident.id,
        file_name=file_name,
        sha256=digest,
        format=doc.format,
        encoding=doc.encoding,
        title=doc.title,
        size=len(data),
        version=version,
        is_current=True,
        content=[[e.kind, SECTION_SEP.join(e.section), e.question, e.answer] for e in doc.entries],
        imported_by=actor,
    )
    s.add(document)
    s.flush()

    existing = {
        e.id: e
        for e in s.scalars(
            select(Entry).where(Entry.incident_id == incident.id, Entry.file_name == file_name)
        )
    }
    # The newest imported version of each of this file's entries (console edits are compared
    # against what was last published, not against themselves), the newest version number, the
    # served version and the newest approved imported one (an editor's text edit is a served
    # version whose text is not the one last published and approved).
    newest: dict[str, EntryVersion] = {}
    top: dict[str, int] = {}
    served: dict[str, EntryVersion] = {}
    published: dict[str, EntryVersion] = {}
    if existing:
        for row in s.scalars(
            select(EntryVersion)
            .join(Entry, Entry.id == EntryVersion.entry_id)
            .where(Entry.incident_id == incident.id, Entry.file_name == file_name)
            .order_by(EntryVersion.version)
            # Compared by text only: their facts and intents are not decoded (an editor's
            # intents are read for the entries whose text changed).
            .options(defer(EntryVersion.facts), defer(EntryVersion.intents))
        ):
            top[row.entry_id] = row.version
            imported = row.created_by.startswith("import")
            if imported:
                newest[row.entry_id] = row
            if row.status == "approved":
                served[row.entry_id] = row
                if imported:
                    published[row.entry_id] = row
    seen: set[str] = set()
    occurrences: dict[tuple[str, str], int] = {}
    added = changed = kept = held = 0
    for position, parsed in enumerate(pacing.paced(doc.entries)):
        key = (parsed.kind, question_key(parsed.question))
        occurrence = occurrences.get(key, 0)
        occurrences[key] = occurrence + 1
        eid = entry_id(incident.slug, file_name, parsed.kind, parsed.question, occurrence)
        seen.add(eid)
        entry = existing.get(eid)
        if entry is None:
            entry = Entry(
                id=eid,
                incident_id=incident.id,
                file_name=file_name,
                kind=parsed.kind,
                position=position,
            )
            s.add(entry)
            s.flush()
            s.add(_version(entry, 1, parsed, document))
            added += 1
            continue
        entry.position = position
        # Retired by an earlier import (the document had dropped it): published again. An
        # editor's withdrawal stays; its text is still kept current for when it is restored.
        dropped = entry.retired and not entry.withdrawn
        entry.retired = entry.withdrawn
        latest = newest.get(eid)
        if latest is not None and _same_text(latest, parsed) and not dropped:
            latest.document_id = document.id
            latest.line_start, latest.line_end = parsed.line_start, parsed.line_end
            kept += 1
            continue
        now = served.get(eid)
        row = _version(entry, top.get(eid, 0) + 1, parsed, document)
        if now is not None and now.intents_by not in (None, AUTO_INTENTS):
            row.intents, row.intents_by = list(now.intents or []), now.intents_by
        if (
            now is not None
            and not dropped
            and _edited_text(now, published.get(eid))
            and not _same_text(now, parsed)
        ):
            row.status = "draft"
            row.note = (
                f"{file_name} v{document.version} の取り込みで本文が変わりました。"
                f"公開中の v{now.version} は {now.created_by} さんの編集のため置き換えず、"
                "この版は承認を待ちます（承認すると文書の本文が公開されます）。"
            )
            held += 1
        else:
            changed += 1
        s.add(row)
    retired = 0
    for eid, entry in existing.items():
        if eid not in seen and not entry.retired:
            entry.retired = True
            retired += 1
    return ImportResult(
        file_name, doc.format, doc.encoding, version, False, added, changed, retired, kept, held
    )


def _same_text(version: EntryVersion, parsed: ParsedEntry) -> bool:
    return (
        version.answer == parsed.answer
        and version.question == parsed.question
        and version.section == SECTION_SEP.join(parsed.section)
    )


def _edited_text(served: EntryVersion, published: EntryVersion | None) -> bool:
    """Whether the served version is an editor's text: written in the console, in words other
    than the last published and approved ones (an intents correction keeps those words)."""
    if served.created_by.startswith("import"):
        return False
    return published is None or (served.question, served.answer, served.section) != (
        published.question,
        published.answer,
        published.section,
    )


def _version(entry: Entry, number: int, parsed: ParsedEntry, document: Document) -> EntryVersion:
    return EntryVersion(
        entry_id=entry.id,
        version=number,
        question=parsed.question,
        answer=parsed.answer,
        section=SECTION_SEP.join(parsed.section),
        line_start=parsed.line_start,
        line_end=parsed.line_end,
        document_id=document.id,
        status="approved",
        facts=extract_facts(parsed.question + "\n" + parsed.answer).to_dict(),
    )


def refresh_incident(s: Session, incident: Incident) -> None:
    """Recompute the incident's contacts and facts from its active entries; bump its version."""
    with pacing.long_work():
        _refresh_incident(s, incident)


def _refresh_incident(s: Session, incident: Incident) -> None:
    views = _entry_views(s, incident, with_json=False)
    parsed = [
        ParsedEntry(
            kind=v.kind,  # type: ignore[arg-type]
            question=v.question,
            answer=v.answer,
            section=tuple(v.section.split(SECTION_SEP)) if v.section else (),
            line_start=v.line_start,
            line_end=v.line_end,
        )
        for v in pacing.paced(views)
    ]
    for old in s.scalars(select(Contact).where(Contact.incident_id == incident.id)):
        s.delete(old)
    s.flush()
    for position, contact in enumerate(find_contacts(parsed)):
        source = views[contact.source_entry].id if 0 <= contact.source_entry < len(views) else None
        s.add(
            Contact(
                incident_id=incident.id, position=position, data=contact.to_dict(), entry_id=source
            )
        )
    whole = extract_facts("\n".join(p.question + "\n" + p.answer for p in parsed))
    incident.facts = whole.to_dict()
    incident.kb_version = (incident.kb_version or 0) + 1
    incident.updated_at = utcnow()


def _entry_views(s: Session, incident: Incident, *, with_json: bool = True) -> list[EntryView]:
    """The active entries' views; without `with_json`, their `facts` and `intents` are left
    empty and not read (decoding them was half of an approval's time on a large FAQ)."""
    latest = (
        select(EntryVersion.entry_id, func.max(EntryVersion.version).label("v"))
        .join(Entry, Entry.id == EntryVersion.entry_id)
        .where(EntryVersion.status == "approved", Entry.incident_id == incident.id)
        .group_by(EntryVersion.entry_id)
        .subquery()
    )
    query = (
        select(Entry, EntryVersion)
        .join(latest, latest.c.entry_id == Entry.id)
        .join(
            EntryVersion, (EntryVersion.entry_id == Entry.id) & (EntryVersion.version == latest.c.v)
        )
        .where(Entry.incident_id == incident.id, Entry.retired.is_(False))
        .order_by(Entry.file_name, Entry.position)
    )
    if not with_json:
        query = query.options(defer(EntryVersion.facts), defer(EntryVersion.intents))
    rows = s.execute(query).all()
    return [
        EntryView(
            id=e.id,
            incident=incident.slug,
            kind=e.kind,
            section=v.section,
            question=v.question,
            answer=v.answer,
            version=v.version,
            position=e.position,
            file_name=e.file_name,
            line_start=v.line_start,
            line_end=v.line_end,
            facts=(v.facts or {}) if with_json else {},
            intents=v.intents if with_json else None,
            intents_by=v.intents_by,
        )
        for e, v in pacing.paced(rows)
    ]


def get_incident(s: Session, slug: str) -> Incident:
    incident = s.scalar(select(Incident).where(Incident.slug == slug))
    if incident is None:
        raise NotFoundError("incident", slug)
    return incident


def list_entries(db: Database, slug: str) -> list[EntryView]:
    """The incident's active entries (newest approved version of each), in document order."""
    with db.read() as s:
        return _entry_views(s, get_incident(s, slug))


def kb_version(db: Database, slug: str) -> int:
    """The incident's knowledge-base version, bumped by every change; index caches key on it."""
    with db.read() as s:
        version = s.scalar(select(Incident.kb_version).where(Incident.slug == slug))
    if version is None:
        raise NotFoundError("incident", slug)
    return version


def describe_incident(db: Database, slug: str, *, with_facts: bool = True) -> IncidentView:
    """An incident with its counts, desks and extracted facts (`facts` empty without
    `with_facts`: a large FAQ's facts are megabytes of JSON)."""
    with db.read() as s:
        query = select(Incident).where(Incident.slug == slug)
        if not with_facts:
            query = query.options(defer(Incident.facts))
        incident = s.scalar(query)
        if incident is None:
            raise NotFoundError("incident", slug)
        return _incident_view(s, incident, with_facts=with_facts)


def list_incidents(db: Database) -> list[IncidentView]:
    """Every incident, by slug, without its facts (`facts` is empty): an incident's facts run
    to megabytes of JSON for a large FAQ, and reading them made every listing 50 ms slower per
    incident. `describe_incident` has them."""
    with db.read() as s:
        query = select(Incident).options(defer(Incident.facts)).order_by(Incident.slug)
        return [_incident_view(s, i, with_facts=False) for i in s.scalars(query)]


def _incident_view(s: Session, incident: Incident, *, with_facts: bool = True) -> IncidentView:
    entries = s.scalar(
        select(func.count())
        .select_from(Entry)
        .where(Entry.incident_id == incident.id, Entry.retired.is_(False))
    )
    documents = s.scalar(
        select(func.count())
        .select_from(Document)
        .where(Document.incident_id == incident.id, Document.is_current.is_(True))
    )
    contacts = [
        c.data
        for c in s.scalars(
            select(Contact).where(Contact.incident_id == incident.id).order_by(Contact.position)
        )
    ]
    return IncidentView(
        slug=incident.slug,
        name=incident.name,
        organisation=incident.organisation,
        kb_version=incident.kb_version,
        entries=entries or 0,
        documents=documents or 0,
        contacts=contacts,
        facts=(incident.facts or {}) if with_facts else {},
    )
