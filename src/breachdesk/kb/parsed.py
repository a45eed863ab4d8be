"""What an importer hands back: entries parsed from one source document.

Importers are pure: bytes (and decoded text) in, `ParsedEntry` values out. They never touch the
database; `breachdesk.kb.service` stores what they return in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EntryKind = Literal["qa", "passage", "note", "contact"]
"""`qa`: a published question with its approved answer; `passage`: a section of a narrative
notice (its question is the heading path, its answer the body under it — never the heading
alone); `note`: text addressed to every reader that answers no question — a trailing ※ remark of
a FAQ, a pointer to the desk (「ご不明な点は下記窓口まで…」), a closing apology, a letterhead —
which the engine may show but never offers as a choice; `contact`: a contact block (desk phone,
hours, mail)."""


@dataclass(frozen=True)
class Source:
    """One document to import: its name, its raw bytes and, for text formats, the decoded text."""

    path: str
    data: bytes
    text: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class ParsedEntry:
    """One entry as published.

    `answer` is the approved text exactly as published (a verbatim slice of the source, inner
    line breaks kept, outer blank lines stripped); matching normalises separately and never
    changes what is stored or shown. `line_start`/`line_end` are 1-based source lines (for
    XLSX: sheet rows; for PDF: lines of the extracted text).
    """

    kind: EntryKind
    question: str
    answer: str
    section: tuple[str, ...] = ()
    line_start: int = 0
    line_end: int = 0


@dataclass(frozen=True)
class ParsedDocument:
    """The result of importing one source: the detected format and encoding, and its entries."""

    path: str
    format: str
    encoding: str | None
    entries: list[ParsedEntry] = field(default_factory=list)
    title: str | None = None
