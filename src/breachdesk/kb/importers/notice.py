"""Narrative notices and reports: headings give the section path, the text under each heading
splits into answerable units.

Each unit (`units.split_units`: a paragraph, a list with its lead-in, a group of sentences of a
long paragraph) becomes a `passage` entry whose question is the heading path joined with ` > `;
the text before the first heading is filed under the title. Headings are numbered and marked lines
(`1.` `１．` `1)` `（1）` `①` `第1` `Ⅰ` `■` `●` `◆` `【…】` `＜…＞` `《…》` `[…]`, see
`headings`), short plain lines, and the lines a page's markup makes headings (`Layout`: an HTML
page's `<strong>` paragraphs and `<dt>` terms). Tables (tab-separated or `| … |` rows) are kept
verbatim, one passage per block; an unnumbered line just above the first table is its caption and
heads the table blocks and the notes between them. The title, letterhead, greeting, closing marks
and signature around the body are read by `letterhead`; the lines above the title (a letterhead)
are read too, without headings, under the title.

Rules for the shapes real notices take:

- **A heading is never an answer on its own.** A heading's body is filed under it (the heading is
  the question); a run of short sibling items with no body of their own (`① 会員情報データベース`
  / `② 注文情報データベース`, `●氏名` / `●住所`) is a list inside the text it continues, not
  headings; an item whose only content is the items nested under it (`(4) 国の対応` over `①`,
  `②`) is a heading of them and no passage of its own. A heading whose line is a sentence, one
  item of a run of sibling headings, and a labelled line (`【対象】みどり野配送センター…`) are a
  passage of their own, filed under themselves (a labelled line under its label).
- **Unnumbered headings.** In a document without numbered headings (a press release), a short
  line with no sentence punctuation that follows a blank line or a finished sentence and is
  followed by text (`概要`, `流出した可能性のある情報`) heads the text below it; after a finished
  sentence, only when the text below is a sentence or a long line (a run of short lines is a
  list). A desk's name above its `電話：…` line is part of the desk's block, not a heading.
- **A list and its lead-in across a blank line.** A list whose lead-in (「…は以下のとおりです。」)
  stands one blank line above it is read with it, as when they touch.
- **Notes.** See `letterhead`: a letterhead, a lone date, a greeting, a bare pointer to the desk,
  a closing apology, and the courtesy sentences and signature that end the notice are `note`
  entries: the engine may show them but never offers them as answers. Other `※` remarks stay
  passages: in a report they carry facts (why two figures differ).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from breachdesk.kb.parsed import ParsedEntry, Source

from .headings import Heading, HeadingStack, parse_heading, path_label, strip_list_prefix
from .letterhead import (
    ends_letter,
    is_closing_mark,
    is_courtesy,
    is_date_line,
    is_frame,
    is_plain_label,
    is_signature,
    title_span,
    title_text,
    unit_kind,
)
from .lines import is_blank, make_entry, note_question, source_text
from .units import Unit, ends_sentence, is_item_line, leads_across_a_gap, split_units

NAME = "notice"

_CAPTION_MAX_CHARS = 60
_NUMBERED = frozenset({"number", "chapter", "roman"})
"""Heading kinds whose presence turns unnumbered (plain) headings off."""
_PIPE_ROW = re.compile(r"^[\s\u3000]*\|.*\|[\s\u3000]*$")
_CONTACT_FIELD = re.compile(
    r"^[\s\u3000・]*(?:電話|TEL|Tel|ＴＥＬ|フリーダイ[ヤア]ル|ナビダイヤル|メール|E-?mail|FAX|ＦＡＸ"
    r"|受付|住所|〒)"
)
"""A desk's field: the short line above it is the desk's name, not a heading."""


@dataclass(frozen=True)
class Layout:
    """What a page's markup says about its rendered lines: which are headings (`<strong>`
    paragraphs, `<dt>` terms) and which are list items (`<li>`)."""

    headings: frozenset[int] = frozenset()
    items: frozenset[int] = frozenset()


def _is_table_row(line: str) -> bool:
    if _PIPE_ROW.match(line):
        return True
    return "\t" in line and sum(1 for cell in line.split("\t") if cell.strip()) >= 2


def _plain_heading(lines: Sequence[str], index: int) -> Heading | None:
    """An unnumbered heading: a short label between a blank line (or a sentence) and its body."""
    line = lines[index]
    if (
        not is_plain_label(line)
        or is_date_line(line)
        or index + 1 >= len(lines)
        or is_frame(lines[index + 1])
        or _is_table_row(lines[index + 1])
        or _CONTACT_FIELD.match(lines[index + 1])
    ):
        return None
    if index > 0 and not is_frame(lines[index - 1]):
        below = lines[index + 1].strip()
        sentence_below = "。" in below or len(below) > 2 * len(line.strip()) + 20
        if not ends_sentence(lines[index - 1]) or not sentence_below:
            return None
    return Heading("plain", line.strip())


def _list_run(lines: Sequence[str], index: int, heading: Heading) -> int | None:
    """The end of a run of short sibling items at `index` that holds no body, else None.

    Two or more adjacent items of one marker kind, none a sentence, are a list (`① 会員情報
    データベース` / `② 注文情報データベース`); a labelled line never is.
    """
    if heading.kind == "label":
        return None
    end = index
    while end < len(lines):
        other = parse_heading(lines[end]) if not is_blank(lines[end]) else None
        if other is None or other.kind != heading.kind or "。" in other.text:
            break
        end += 1
    if end - index < 2:
        return None
    if index > 0:
        before = parse_heading(lines[index - 1]) if not is_blank(lines[index - 1]) else None
        if before is not None and before.kind == heading.kind:
            return None
    return end


def _heads_nested(lines: Sequence[str], index: int, heading: Heading, stack: HeadingStack) -> bool:
    """Whether the next non-blank line is a heading one level below this one."""
    following = next((i for i in range(index + 1, len(lines)) if not is_blank(lines[i])), None)
    nested = parse_heading(lines[following]) if following is not None else None
    return nested is not None and nested.kind != heading.kind and not stack.has(nested.kind)


def title(source: Source) -> str | None:
    """The document title (see `letterhead`), unless the document opens with a heading."""
    lines = source_text(source).split("\n")
    span = title_span(lines)
    return title_text(lines, span) if span is not None else None


def sniff(text: str) -> float:
    """Low but non-zero: notices are the fallback for narrative text with numbered headings."""
    headings = [parse_heading(line) for line in text.split("\n")]
    numbered = sum(1 for h in headings if h and h.kind in ("number", "chapter", "paren"))
    return 0.3 if numbered >= 2 else 0.1


def _is_leaf(lines: Sequence[str], index: int, heading: Heading) -> bool:
    """A sentence-long heading, a labelled line, or one of a run of sibling items, holds no
    body of its own."""
    if "。" in heading.text or heading.kind == "label":
        return True
    for neighbour in (index - 1, index + 1):
        if 0 <= neighbour < len(lines):
            other = parse_heading(lines[neighbour])
            if other is not None and other.kind == heading.kind:
                return True
    return False


@dataclass(frozen=True)
class _Flushed:
    """The last block of text cut into units: where it was, under which path, how many units."""

    start: int
    end: int
    first_col: int
    path: tuple[str, ...]
    count: int


class _Passages:
    """Collects passages while the parser walks the lines."""

    def __init__(
        self, lines: Sequence[str], title: str | None, prefix: tuple[str, ...], layout: Layout
    ) -> None:
        self.lines = lines
        self.title = title
        self.prefix = prefix
        self.layout = layout
        self.stack = HeadingStack()
        self.entries: list[ParsedEntry] = []
        self.start: int | None = None
        self.first_col = 0
        self.last_body: int | None = None
        """The first line of the last unit, while nothing else has followed it."""
        self.parent: int | None = None
        """The line of an item that only heads the items below it: it opens their first passage."""
        self.previous: _Flushed | None = None
        self.answered = False
        """Whether a passage has been read: a letterhead only opens the text."""

    @property
    def path(self) -> tuple[str, ...]:
        return self.prefix + self.stack.path

    def question(self, start: int) -> str:
        if self.path:
            return " > ".join(self.path)
        return self.title or note_question(self.lines[start])

    def add(self, unit: Unit, *, table: bool = False) -> None:
        entry = make_entry(
            "passage",
            self.question(unit.start),
            self.lines,
            unit.start,
            unit.end,
            section=self.path,
            keep_indent=table,
            first_col=unit.first_col,
            last_col=unit.last_col,
        )
        if entry is None or is_closing_mark(entry.answer):
            return
        if not table:
            opening = not self.answered
            kind = unit_kind(entry.answer, under_heading=bool(self.path), opening=opening)
            entry = ParsedEntry(kind, *_fields(entry))
        self.answered = self.answered or entry.kind == "passage"
        self.entries.append(entry)

    def flush(self, end: int) -> None:
        if self.start is not None:
            start, first_col = self.start, self.first_col
            previous = self.previous
            if (
                previous is not None
                and first_col == 0
                and (start in self.layout.items or is_item_line(self.lines[start]))
                and previous.path == self.path
                and previous.count > 0
                and len(self.entries) >= previous.count
                and leads_across_a_gap(self.entries[-1].answer)
                and all(is_blank(line) for line in self.lines[previous.end : start])
            ):
                # A list one blank line below its lead-in: cut the two blocks together.
                del self.entries[-previous.count :]
                self.answered = any(entry.kind == "passage" for entry in self.entries)
                start, first_col = previous.start, previous.first_col
            count = len(self.entries)
            units = split_units(
                self.lines, start, end, first_col=first_col, items=self.layout.items
            )
            for unit in units:
                self.add(unit)
            self.previous = _Flushed(start, end, first_col, self.path, len(self.entries) - count)
            last = units[-1] if units and len(self.entries) > count else None
            self.last_body = last.start if last and last.first_col == 0 else None
        self.start, self.first_col = None, 0

    def heading(self, index: int, heading: Heading, *, leaf: bool, parent: bool = False) -> None:
        """Open a heading; a `leaf` one is a passage of its own unless it only heads others."""
        self.flush(index)
        self.last_body = None
        self.previous = None
        if heading.kind in ("plain", "marked"):
            self.stack.close_leaves()  # an unnumbered heading is never an item's child
        self.stack.push(heading.kind, path_label(heading), leaf=leaf and not parent)
        if parent:
            self.parent = index
        elif leaf:
            # A heading stays with its body: the item it opens starts at its parent's line.
            start = self.parent if self.parent is not None else index
            self.start, self.first_col = start, strip_list_prefix(self.lines[start])[0]
            self.parent = None
        else:
            self.parent = None

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
        self.add(Unit(start, end), table=True)
        self.last_body = None
        self.previous = None


def close_notes(entries: list[ParsedEntry]) -> list[ParsedEntry]:
    """`entries` with the courtesy sentences and the signature that end a notice made notes."""
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        if entry.kind == "note":
            continue
        if entry.kind != "passage" or not (is_signature(entry.answer) or is_courtesy(entry.answer)):
            break
        entries[index] = ParsedEntry("note", *_fields(entry))
    return entries


def _fields(
    entry: ParsedEntry,
) -> tuple[str, str, tuple[str, ...], int, int]:
    return entry.question, entry.answer, entry.section, entry.line_start, entry.line_end


def _heading_at(
    window: Sequence[str], index: int, layout: Layout, plain: bool, list_end: int
) -> tuple[Heading | None, int]:
    """The heading that line `index` opens, if any, and where a list run found there ends."""
    line = window[index]
    if index in layout.headings:
        parsed = parse_heading(line)
        return (parsed if parsed is not None else Heading("marked", line.strip())), list_end
    if index in layout.items or index < list_end:
        return None, list_end
    heading = parse_heading(line)
    if heading is not None and (run := _list_run(window, index, heading)) is not None:
        return None, run
    if heading is None and plain:
        heading = _plain_heading(window, index)
    return heading, list_end


def passages(
    lines: Sequence[str],
    start: int,
    end: int,
    title: str | None = None,
    *,
    prefix: tuple[str, ...] = (),
    layout: Layout | None = None,
    closing: bool = True,
    sections: bool = True,
) -> list[ParsedEntry]:
    """Passages of `lines[start:end]`: answerable units under their headings, in order.

    `title` heads the text before the first heading; `prefix` is a heading path above them all
    (an HTML page's `<h2>`); `layout` marks the lines a page's markup makes headings or items.
    `closing`: the text ends the notice, so its closing courtesies and signature are notes (a
    caller reading a notice section by section applies `close_notes` once at the end).
    `sections=False` reads no headings at all (a letterhead: `翼精機株式会社` over a name heads
    nothing). Also used for the report part of a document that ends with a Q/A section.
    """
    layout = layout or Layout()
    window = list(lines[:end])
    plain = not layout.headings and not any(
        (h := parse_heading(line)) is not None and h.kind in _NUMBERED for line in window[start:]
    )
    collected = _Passages(window, title, prefix, layout)
    index = start
    list_end = -1
    while index < end:
        line = window[index]
        if _is_table_row(line):
            stop = index
            while stop < end and _is_table_row(window[stop]):
                stop += 1
            collected.table(index, stop)
            index = stop
            continue
        heading = None
        if ends_letter(line):
            plain = False  # what follows 以上 or 敬具 is the sender's, not a section
        if sections and not is_frame(line):
            heading, list_end = _heading_at(window, index, layout, plain, list_end)
        if heading is not None:
            leaf = heading.kind not in ("plain", "marked") and _is_leaf(window, index, heading)
            parent = (
                leaf
                and "。" not in heading.text
                and _heads_nested(window, index, heading, collected.stack)
            )
            collected.heading(index, heading, leaf=leaf, parent=parent)
        elif is_frame(line):
            collected.flush(index)
        elif collected.start is None:
            collected.stack.close_leaves()
            collected.start = index
        index += 1
    collected.flush(end)
    return close_notes(collected.entries) if closing else collected.entries


def parse(source: Source) -> list[ParsedEntry]:
    """Passages of a notice: its answerable units under their headings, in document order.

    The lines above the title (a letterhead: date, addressee, sender, perhaps a desk's phone)
    are read too, under the title, and the title itself is no unit."""
    lines = source_text(source).split("\n")
    span = title_span(lines)
    if span is None:
        return passages(lines, 0, len(lines))
    title = title_text(lines, span)
    above = passages(lines, 0, span[0], title, closing=False, sections=False)
    return above + passages(lines, span[1] + 1, len(lines), title)
