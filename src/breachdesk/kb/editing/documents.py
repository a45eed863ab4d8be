"""A document's versions and what changed between two of them (entries added, removed, changed)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Document
from breachdesk.errors import ConflictError, NotFoundError
from breachdesk.kb.service import SECTION_SEP, get_incident, question_key


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
