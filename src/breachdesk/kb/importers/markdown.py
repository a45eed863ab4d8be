"""Markdown FAQs and notices: `#` headings give the section path.

A heading that reads like a question (`## カード番号は漏れましたか？`, `### Q. …`) with text below
is a `qa` entry; a section whose body is a `**Q.**`/`**A.**` list is read like any Q/A text;
other sections are read as a notice's text under that path (`notice.passages`): their answerable
units (paragraphs, a list with its lead-in, a `| … |` table) become passages, and the courtesy
sentences and signature that end the document become notes. Lists, tables and emphasis stay in
the answer as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from breachdesk.kb.parsed import ParsedEntry, Source

from . import notice
from .lines import looks_like_question, make_entry, note_question, source_text
from .qa import entries_between, has_question_marks, strip_question_mark

NAME = "markdown"

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


@dataclass(frozen=True)
class _Heading:
    line: int
    level: int
    text: str


def _headings(lines: Sequence[str]) -> list[_Heading]:
    found = []
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match is not None:
            found.append(_Heading(index, len(match.group(1)), match.group(2).strip()))
    return found


def _title_heading(headings: Sequence[_Heading]) -> _Heading | None:
    """A single top-level heading that comes first is the document title, not a section."""
    top = [heading for heading in headings if heading.level == 1]
    return top[0] if len(top) == 1 and headings[0] is top[0] else None


def sniff(text: str) -> float:
    """High when the text has several `#` headings."""
    count = len(_headings(text.split("\n")))
    return 0.7 if count >= 2 else 0.0


def title(source: Source) -> str | None:
    """The text of the document's single `#` heading."""
    heading = _title_heading(_headings(source_text(source).split("\n")))
    return heading.text if heading else None


def _section_entries(
    lines: Sequence[str], start: int, end: int, path: tuple[str, ...], fallback: str
) -> list[ParsedEntry]:
    if has_question_marks(lines[start:end]):
        return entries_between(lines, start, end, path)
    heading = path[-1] if path else ""
    question = strip_question_mark(heading) or heading
    if path and (question != heading or looks_like_question(heading, strict=True)):
        entry = make_entry("qa", question, lines, start, end, section=path[:-1])
        return [entry] if entry else []
    return notice.passages(lines, start, end, fallback, prefix=path, closing=False)


def parse(source: Source) -> list[ParsedEntry]:
    """Entries of a Markdown document, section by section in document order."""
    lines = source_text(source).split("\n")
    headings = _headings(lines)
    doc_title = _title_heading(headings) if headings else None
    first_line = next((line for line in lines if line.strip()), "")
    fallback = doc_title.text if doc_title else note_question(first_line)
    bounds = [heading.line for heading in headings] + [len(lines)]
    entries = _section_entries(lines, 0, bounds[0], (), fallback)
    path: list[_Heading] = []
    for index, heading in enumerate(headings):
        while path and path[-1].level >= heading.level:
            path.pop()
        if heading is not doc_title:
            path.append(heading)
        names = tuple(item.text for item in path)
        entries += _section_entries(lines, heading.line + 1, bounds[index + 1], names, fallback)
    return notice.close_notes(entries)
