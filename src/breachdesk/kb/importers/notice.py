"""Narrative notices and reports with numbered headings (`1 概要`, `（1）`, `①`, `＜…＞`, `第1`).

Each paragraph becomes a `passage` entry whose question is the heading path joined with ` > `.
A heading whose line is a sentence (or one item of a run of sibling headings) is a passage of its
own. Tab-separated tables are kept verbatim, one passage per block; an unnumbered line just above
the first table is its caption and heads the table blocks and the notes between them. The first
line is the document title, and the preamble before the first heading is filed under it.

Rules for the shapes real notices take:

- **A heading is never an answer on its own.** A heading's body is filed under it (the heading is
  the question); a run of short sibling items with no body of their own (`① 会員情報データベース`
  / `② 注文情報データベース`) is a list inside the paragraph it continues, not headings; an item
  whose only content is the items nested under it (`(4) 国の対応` over `①`, `②`) is a heading of
  them and no passage of its own.
- **Unnumbered headings.** In a document without numbered headings (a press release), a short
  line with no sentence punctuation that follows a blank line and is followed by text (`概要`,
  `流出した可能性のある情報`) heads the text below it.
- **The title** is the first line, unless the document opens with a date and a sender (`2026年10月
  20日` / `株式会社…`): then it is the first of the opening lines that names the notice (お知らせ,
  お詫び, ご報告, …について, …に関する, ご注意).
- **Notes.** A pointer to the desk that says nothing else (「ご不明な点は下記窓口までお問い合わせ
  ください」, with or without `※`) and a closing apology (「改めまして…お詫び申し上げます」) are
  `note` entries: the engine may show them but never offers them as answers. Other `※` remarks
  stay passages: in a report they carry facts (why two figures differ). A letterhead under the
  title (a date, the sender: a few short lines, nothing else) is a note too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from breachdesk.kb.parsed import EntryKind, ParsedEntry, Source

from .headings import Heading, HeadingStack, parse_heading, strip_list_prefix
from .lines import is_blank, is_note, make_entry, note_question, source_text

NAME = "notice"

_CAPTION_MAX_CHARS = 60
_CLOSING = frozenset({"以上", "以 上"})
_PLAIN_HEADING_MAX_CHARS = 30
_TITLE_SEARCH_LINES = 5
_LETTERHEAD_MAX_LINES = 3
_TITLE_WORDS = re.compile(
    r"お知らせ|お詫び|おわび|ご報告|報告|について|に関する|ご注意|注意喚起|ご案内"
)
_DATE_LINE = re.compile(
    r"^[\s\u3000]*(?:(?:令和|平成)[\s\u3000]*(?:元|[0-9０-９]{1,2})|[0-9０-９]{4})[\s\u3000]*年"
    r"[\s\u3000]*[0-9０-９]{1,2}[\s\u3000]*月(?:[\s\u3000]*[0-9０-９]{1,2}[\s\u3000]*日)?"
    r"(?:[（(][^)）]{1,4}[)）])?[\s\u3000]*(?:現在|発表|公表|更新)?[\s\u3000]*$"
)
_NOT_PLAIN_HEADING = re.compile(r"[。、．，:：!！?？\t]|^[\s\u3000]*[-・*＊※●○◎◯▶►→]")
_REFERRAL = re.compile(
    r"^(?:本件に関し(?:まして|て)?、?)?(?:ご不明な点|ご不明点|ご質問|お問い?合わ?せ|詳しくは|詳細(?:について)?は)"
    r"[^\n]*(?:下記|以下|次の|上記|左記)[^\n]*(?:窓口|問い?合わ?せ先|連絡先|まで)"
)
_REFERRAL_MAX_CHARS = 120
_APOLOGY = re.compile(r"^(?:改めまして|改めて|重ねて|最後に)[^\n]*(?:お詫び|おわび)申し上げ")
_PHONE_DIGITS = re.compile(r"[0-9０-９]{2,4}[-－‐ー−][0-9０-９]{2,4}")


def _is_table_row(line: str) -> bool:
    return "\t" in line and sum(1 for cell in line.split("\t") if cell.strip()) >= 2


def _is_date_line(line: str) -> bool:
    return bool(_DATE_LINE.match(line))


def _title_line(lines: Sequence[str]) -> int | None:
    filled = [i for i, line in enumerate(lines) if not is_blank(line)][:_TITLE_SEARCH_LINES]
    if not filled or parse_heading(lines[filled[0]]) or _is_table_row(lines[filled[0]]):
        return None
    first = filled[0]
    if not _TITLE_WORDS.search(lines[first]):
        # A letterhead (date, sender) before the title: the first line that names the notice.
        for index in filled[1:]:
            line = lines[index].strip()
            if parse_heading(line) or "。" in line or _is_table_row(line):
                break
            if _TITLE_WORDS.search(line):
                return index
            if not (_is_date_line(line) or len(line) <= _PLAIN_HEADING_MAX_CHARS):
                break
    return first


def _is_letterhead(answer: str) -> bool:
    """A date or a sender under the title (`令和8年10月28日` / `みなと市 上下水道局`)."""
    lines = [line.strip() for line in answer.split("\n") if line.strip()]
    return len(lines) <= _LETTERHEAD_MAX_LINES and all(
        _is_date_line(line)
        or (len(line) <= _PLAIN_HEADING_MAX_CHARS and not _NOT_PLAIN_HEADING.search(line))
        for line in lines
    )


def _entry_kind(answer: str, *, under_title: bool = False) -> EntryKind:
    """`note` for a bare pointer to the desk, a closing apology or a letterhead; else `passage`."""
    first = answer.lstrip()
    if under_title and _is_letterhead(first):
        return "note"
    if _APOLOGY.match(first):
        return "note"
    if is_note(first):  # a ※ remark may carry facts (why the figures differ); a pointer does not
        first = first.lstrip("※＊*注:：) 　")
    if (
        len(first) <= _REFERRAL_MAX_CHARS
        and _REFERRAL.match(first)
        and not _PHONE_DIGITS.search(first)
    ):
        return "note"
    return "passage"


def _plain_heading(lines: Sequence[str], index: int) -> Heading | None:
    """An unnumbered heading: a short label between a blank line and its body."""
    line = lines[index].strip()
    if (
        not line
        or len(line) > _PLAIN_HEADING_MAX_CHARS
        or _NOT_PLAIN_HEADING.search(lines[index])
        or line in _CLOSING
        or _is_date_line(line)
        or (index > 0 and not is_blank(lines[index - 1]))
        or index + 1 >= len(lines)
        or is_blank(lines[index + 1])
        or _is_table_row(lines[index + 1])
    ):
        return None
    return Heading("plain", line)


def _list_run(lines: Sequence[str], index: int, heading: Heading) -> int | None:
    """The end of a run of short sibling items at `index` that holds no body, else None.

    Two or more adjacent items of one marker kind, none a sentence, ended by a blank line or the
    end of the text, are a list (`① 会員情報データベース` / `② 注文情報データベース`).
    """
    end = index
    while end < len(lines):
        other = parse_heading(lines[end]) if not is_blank(lines[end]) else None
        if other is None or other.kind != heading.kind or "。" in other.text:
            break
        end += 1
    if end - index < 2 or (end < len(lines) and not is_blank(lines[end])):
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
    """The document title: its first non-empty line (after a letterhead of date and sender),
    unless that line is already a heading."""
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
        self.parent: int | None = None
        """The line of an item that only heads the items below it: it opens their first passage."""

    def question(self, start: int) -> str:
        path = self.stack.path
        if path:
            return " > ".join(path)
        return self.title or note_question(self.lines[start])

    def add(self, start: int, end: int, *, keep_indent: bool = False, first_col: int = 0) -> None:
        sliced = "\n".join(self.lines[start:end])[first_col:]
        entry = make_entry(
            "passage" if keep_indent else _entry_kind(sliced, under_title=not self.stack.path),
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

    def heading(self, index: int, heading: Heading, *, leaf: bool, parent: bool = False) -> None:
        """Open a heading; a `leaf` one is a passage of its own unless it only heads others."""
        self.flush(index)
        self.last_body = None
        if heading.kind == "plain":
            self.stack.close_leaves()  # an unnumbered heading is never an item's child
        self.stack.push(heading.kind, heading.text, leaf=leaf and not parent)
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
        self.add(start, end, keep_indent=True)
        self.last_body = None


def passages(
    lines: Sequence[str], start: int, end: int, title: str | None = None
) -> list[ParsedEntry]:
    """Passages of `lines[start:end]`: one per paragraph, heading, and table block, in order.

    `title` heads the text before the first heading. Also used for the report part of a
    document that ends with a Q/A section.
    """
    window = list(lines[:end])
    plain = not any(
        (h := parse_heading(line)) is not None and h.kind in ("number", "chapter")
        for line in window[start:]
    )
    collected = _Passages(window, title)
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
        heading = None if is_blank(line) or index < list_end else parse_heading(line)
        if heading is not None and (run := _list_run(window, index, heading)) is not None:
            list_end, heading = run, None
        if heading is None and plain and not is_blank(line) and index >= list_end:
            heading = _plain_heading(window, index)
        if heading is not None:
            leaf = heading.kind != "plain" and _is_leaf(window, index, heading)
            parent = (
                leaf
                and "。" not in heading.text
                and _heads_nested(window, index, heading, collected.stack)
            )
            collected.heading(index, heading, leaf=leaf, parent=parent)
        elif is_blank(line):
            collected.flush(index)
        elif collected.start is None:
            collected.stack.close_leaves()
            collected.start = index
        index += 1
    collected.flush(end)
    return collected.entries


def parse(source: Source) -> list[ParsedEntry]:
    """Passages of a notice: one per paragraph, heading, and table block, in document order."""
    lines = source_text(source).split("\n")
    title_index = _title_line(lines)
    title = lines[title_index].strip() if title_index is not None else None
    start = title_index + 1 if title_index is not None else 0
    return passages(lines, start, len(lines), title)
