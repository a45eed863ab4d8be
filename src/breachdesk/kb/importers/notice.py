"""Narrative notices and reports with numbered headings (`1 概要`, `（1）`, `①`, `＜…＞`, `第1`).

Each paragraph becomes a `passage` entry whose question is the heading path joined with ` > `.
A heading whose line is a sentence (or one item of a run of sibling headings) is a passage of its
own. Tab-separated tables are kept verbatim, one passage per block; an unnumbered line just above
the first table is its caption and heads the table blocks and the notes between them. The first
line is the document title, and the preamble before the first heading is filed under it.
"""

from __future__ import annotations

from collections.abc import Sequence

from breachdesk.kb.parsed import ParsedEntry, Source

from .headings import Heading, HeadingStack, parse_heading, strip_list_prefix
from .lines import is_blank, make_entry, note_question, source_text

NAME = "notice"

_CAPTION_MAX_CHARS = 60
_CLOSING = frozenset({"以上", "以 上"})


def _is_table_row(line: str) -> bool:
    return "\t" in line and sum(1 for cell in line.split("\t") if cell.strip()) >= 2


def _title_line(lines: Sequence[str]) -> int | None:
    first = next((i for i, line in enumerate(lines) if not is_blank(line)), None)
    if first is None or parse_heading(lines[first]) or _is_table_row(lines[first]):
        return None
    return first


def title(source: Source) -> str | None:
    """The document title: its first non-empty line, unless that line is already a heading."""
    lines = source_text(source).split("\n")
    index = _title_line(lines)
    return lines[index].strip() if index is not None else None


def sniff(text: str) -> float:
    """Low but non-zero: notices are the fallback for narrative text with numbered headings."""
    headings = [parse_heading(line) for line in text.split("\n")]
    numbered = sum(1 for h in headings if h and h.kind in ("number", "chapter", "paren"))
    return 0.3 if numbered >= 2 else 0.1


def _is_leaf(lines: Sequence[str], index: int, heading: Heading) -> bool:
    """A sentence-long heading, or one of a run of sibling items, holds no body of its own."""
    if "。" in heading.text:
        return True
    for neighbour in (index - 1, index + 1):
        if 0 <= neighbour < len(lines):
            other = parse_heading(lines[neighbour])
            if other is not None and other.kind == heading.kind:
                return True
    return False


class _Passages:
    """Collects passages while the parser walks the lines."""

    def __init__(self, lines: Sequence[str], title: str | None) -> None:
        self.lines = lines
        self.title = title
        self.stack = HeadingStack()
        self.entries: list[ParsedEntry] = []
        self.start: int | None = None
        self.first_col = 0
        self.last_body: int | None = None
        """The first line of the last body paragraph, while nothing else has followed it."""

    def question(self, start: int) -> str:
        path = self.stack.path
        if path:
            return " > ".join(path)
        return self.title or note_question(self.lines[start])

    def add(self, start: int, end: int, *, keep_indent: bool = False, first_col: int = 0) -> None:
        entry = make_entry(
            "passage",
            self.question(start),
            self.lines,
            start,
            end,
            section=self.stack.path,
            keep_indent=keep_indent,
            first_col=first_col,
        )
        if entry is not None and entry.answer not in _CLOSING:
            self.entries.append(entry)

    def flush(self, end: int) -> None:
        if self.start is not None:
            count = len(self.entries)
            self.add(self.start, end, first_col=self.first_col)
            body = self.first_col == 0 and len(self.entries) > count
            self.last_body = self.start if body else None
        self.start, self.first_col = None, 0

    def heading(self, index: int, heading: Heading, *, leaf: bool) -> None:
        self.flush(index)
        self.last_body = None
        self.stack.push(heading.kind, heading.text, leaf=leaf)
        if leaf:
            self.start, self.first_col = index, strip_list_prefix(self.lines[index])[0]

    def table(self, start: int, end: int) -> None:
        self.flush(start)
        caption = self.last_body
        if (
            caption is not None
            and not self.stack.has("caption")
            and all(is_blank(line) for line in self.lines[caption + 1 : start])
            and len(self.lines[caption].strip()) <= _CAPTION_MAX_CHARS
            and "。" not in self.lines[caption]
        ):
            # The line above the first table names it and every block and note that follows.
            self.entries.pop()
            self.stack.reset("caption", self.lines[caption].strip())
        self.add(start, end, keep_indent=True)
        self.last_body = None


def parse(source: Source) -> list[ParsedEntry]:
    """Passages of a notice: one per paragraph, heading, and table block, in document order."""
    lines = source_text(source).split("\n")
    title_index = _title_line(lines)
    passages = _Passages(lines, lines[title_index].strip() if title_index is not None else None)
    index = title_index + 1 if title_index is not None else 0
    while index < len(lines):
        line = lines[index]
        if _is_table_row(line):
            end = index
            while end < len(lines) and _is_table_row(lines[end]):
                end += 1
            passages.table(index, end)
            index = end
            continue
        heading = None if is_blank(line) else parse_heading(line)
        if heading is not None:
            passages.heading(index, heading, leaf=_is_leaf(lines, index, heading))
        elif is_blank(line):
            passages.flush(index)
        elif passages.start is None:
            passages.stack.close_leaves()
            passages.start = index
        index += 1
    passages.flush(len(lines))
    return passages.entries
