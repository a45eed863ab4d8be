"""FAQs of `・question` lines under `<<section>>` / `≪…≫` / `【…】` headings.

Answers run over several paragraphs (blank lines inside are kept) until the next `・` question or
section. A `・` line with no text of its own before the next `・` line or heading is a bullet point
(a city's warning, a list), not a question. A bracket heading naming a desk (`≪…相談窓口≫`) starts a contact block whose `・受付時間:`
lines are contact lines, not questions; what follows it (a closing apology, a signature) becomes
a `note`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from breachdesk.kb.parsed import ParsedEntry, Source

from .headings import HeadingStack, bracket_label
from .lines import (
    is_blank,
    is_contact_heading,
    looks_like_question,
    make_entry,
    note_question,
    source_text,
    split_trailing_note,
    verbatim,
)

NAME = "bullet"

_BULLET = re.compile(r"^[\s\u3000]*・[\s\u3000]*(\S.*?)\s*$")


@dataclass(frozen=True)
class _Mark:
    """A line that ends the text before it: a section, a question or a contact heading."""

    line: int
    kind: str
    label: str
    section: tuple[str, ...]


def _marks(lines: Sequence[str]) -> list[_Mark]:
    marks: list[_Mark] = []
    sections = HeadingStack()
    in_contact = False
    for index, line in enumerate(lines):
        label = bracket_label(line)
        previous = lines[index - 1] if index else ""
        in_contact = in_contact and not is_blank(line)
        if label is not None:
            in_contact = is_contact_heading(label)
            if not in_contact:
                sections.push("bracket", label)
            marks.append(_Mark(index, "contact" if in_contact else "section", label, ()))
            continue
        bullet = _BULLET.match(line)
        if bullet is None or in_contact:
            continue
        opens = is_blank(previous) or bracket_label(previous) is not None
        if not _has_answer(lines, index):
            continue  # a bullet point of a warning or a list, not a question
        if opens or not marks or looks_like_question(bullet.group(1), strict=True):
            marks.append(_Mark(index, "question", bullet.group(1), sections.path))
    return marks


def _has_answer(lines: Sequence[str], index: int) -> bool:
    """Whether text other than another `・` line or a heading comes before the next `・` line."""
    following = next((i for i in range(index + 1, len(lines)) if not is_blank(lines[i])), None)
    return (
        following is not None
        and _BULLET.match(lines[following]) is None
        and bracket_label(lines[following]) is None
    )


def sniff(text: str) -> float:
    """High when several `・` lines open paragraphs, under bracket section headings."""
    marks = _marks(text.split("\n"))
    questions = sum(1 for mark in marks if mark.kind == "question")
    sections = sum(1 for mark in marks if mark.kind == "section")
    return 0.8 if questions >= 3 and (sections >= 1 or questions >= 5) else 0.0


def _contact(lines: Sequence[str], mark: _Mark, end: int) -> tuple[list[ParsedEntry], int]:
    """The contact entry of a contact heading and where the text after its block starts."""
    stop = mark.line + 1
    while stop < end and not is_blank(lines[stop]):
        stop += 1
    entry = make_entry("contact", mark.label, lines, mark.line + 1, stop)
    return ([entry] if entry else []), stop


def _closing(lines: Sequence[str], start: int, end: int) -> ParsedEntry | None:
    """The closing apology and signature after a contact block, as a note."""
    sliced = verbatim(lines, start, end)
    if sliced is None:
        return None
    return make_entry("note", note_question(sliced[0]), lines, start, end)


def parse(source: Source) -> list[ParsedEntry]:
    """One `qa` entry per `・` question with its section path, plus contact and note entries."""
    lines = source_text(source).split("\n")
    marks = _marks(lines)
    questions = [index for index, mark in enumerate(marks) if mark.kind == "question"]
    entries: list[ParsedEntry] = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].line if index + 1 < len(marks) else len(lines)
        if mark.kind == "contact":
            contact, after = _contact(lines, mark, end)
            closing = _closing(lines, after, end)
            entries.extend(contact + ([closing] if closing else []))
        elif mark.kind == "question":
            note = None
            if index == questions[-1]:
                end, note = split_trailing_note(lines, mark.line + 1, end, mark.section)
            entry = make_entry("qa", mark.label, lines, mark.line + 1, end, section=mark.section)
            entries.extend(item for item in (entry, note) if item is not None)
    return entries
