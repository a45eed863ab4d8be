"""The other common FAQ shapes: `Q.`/`A.`, `問`/`答`, `【質問】`/`【回答】`, `■` question headings,
and numbered question headings (`1.`, `１．`) each followed by its answer.

When a document marks its questions with `Q`/`問`/`【質問】`, only those lines start questions
and everything up to the next one (`■` headings, numbered steps) is answer text; otherwise `■`
lines, then numbered lines that read like questions, start them — each only when text comes
before the next such line (a run of `●` statements is a list, not questions). Whole-line bracket
headings (`【…】`, `≪…≫`) give the section path. Markers may be full-width and take `.` `:` `．`
`：`. Without `Q` markers, a text is taken for such a FAQ only when at least half of its `■` or
numbered headings ask (end in `？`, `か`, `でしょうか`): a notice's `■ 発生した事象` /
`● 不審なメールにご注意ください` headings tell, and the notice reader takes it.

A report followed by its FAQ (`1. 経緯` or plain headings … `よくあるご質問` / `Q:` / `A:`) is
both: the part before the first question is read as a notice (passages under its headings), the
questions after it as Q/A entries filed under the FAQ's own heading line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from breachdesk.kb.parsed import ParsedEntry, Source

from . import notice
from .headings import SQUARE_KIND, HeadingStack, bracket_label, parse_heading
from .lines import (
    is_blank,
    looks_like_question,
    make_entry,
    source_text,
    split_contacts,
    split_trailing_note,
)

NAME = "qa"

_SEPARATOR = r"[.．:：)）、]"
_BOLD = r"(?:\*\*)?"
_QUESTION_MARK = re.compile(
    rf"^[\s\u3000]*{_BOLD}(?:[QＱ](?:[0-9０-９]+{_SEPARATOR}?|{_SEPARATOR})"
    rf"|問[0-9０-９]*{_SEPARATOR}|【(?:質問|問い?|Q|Ｑ)】|\[質問\]|質問[:：]){_BOLD}[\s\u3000]*"
)
_ANSWER_MARK = re.compile(
    rf"^[\s\u3000]*{_BOLD}(?:[AＡ](?:[0-9０-９]+{_SEPARATOR}?|{_SEPARATOR})"
    rf"|答[0-9０-９]*{_SEPARATOR}|【(?:回答|答え?|A|Ａ)】|\[回答\]|回答[:：]){_BOLD}[\s\u3000]*"
)
_SQUARE = re.compile(r"^[\s\u3000]*[■◆●□◇][\s\u3000]*(?=\S)")
_NUMBERED = re.compile(
    r"^[\s\u3000]*(?:[0-9０-９]{1,3}[.．)）]|[（(][0-9０-９]{1,3}[)）])[\s\u3000]*(?=\S)"
)
_ASKS = re.compile(r"(?:[？?]|か|でしょうか|教えて(?:ください|下さい))[。．]?\s*[）)」』]?$")
"""A heading that asks (`■ 漏えいしたのはいつですか`); `■ 不審なメールにご注意ください` tells."""
_MARKER_LABELS = frozenset({"質問", "問", "問い", "回答", "答", "答え", "Q", "A", "Ｑ", "Ａ"})
_REPORT_MIN_HEADINGS = 2
_REPORT_MIN_SENTENCES = 2
_FAQ_HEADING_MAX_CHARS = 30
_FAQ_MARKS = re.compile(r"^[■◆□◇●<＜〈《≪【]+|[>＞〉》≫】]+$|^<<|>>$")


@dataclass(frozen=True)
class _Start:
    """A line that starts a question (its text begins at `col`) or a section."""

    line: int
    col: int
    section: tuple[str, ...]
    is_section: bool = False


def _style(lines: Sequence[str]) -> re.Pattern[str]:
    """Which kind of line starts a question in this document."""
    if has_question_marks(lines):
        return _QUESTION_MARK
    if sum(1 for line in lines if _SQUARE.match(line)) >= 2:
        return _SQUARE
    return _NUMBERED


def has_question_marks(lines: Sequence[str]) -> bool:
    """Whether any line starts with a question marker (`Q.`, `問1.`, `【質問】`, `**Q.**`)."""
    return any(_QUESTION_MARK.match(line) for line in lines)


def strip_question_mark(text: str) -> str | None:
    """The text after a question marker (`Q1.` `問：` `【質問】`), or None when there is none."""
    match = _QUESTION_MARK.match(text)
    return _join([text[match.end() :]]) if match else None


def _starts(
    lines: Sequence[str], start: int, end: int, section: tuple[str, ...] = ()
) -> list[_Start]:
    pattern = _style(lines[start:end])
    sections = HeadingStack()
    found: list[_Start] = []
    for index in range(start, end):
        line = lines[index]
        label = bracket_label(line)
        if label is not None and label not in _MARKER_LABELS:
            sections.push("bracket", label)
            found.append(_Start(index, 0, section + sections.path, is_section=True))
            continue
        match = pattern.match(line)
        if match is None:
            continue
        if pattern is _NUMBERED and not looks_like_question(line, strict=True):
            continue
        if pattern is not _QUESTION_MARK and _next_matches(lines, index, end, pattern):
            continue  # a bullet list of statements (● …。 / ● …。), not questions with answers
        found.append(_Start(index, match.end(), section + sections.path))
    return found


def _next_matches(lines: Sequence[str], index: int, end: int, pattern: re.Pattern[str]) -> bool:
    """Whether the next non-blank line starts with the same marker (so this one has no answer)."""
    following = next((i for i in range(index + 1, end) if not is_blank(lines[i])), None)
    return following is not None and bool(pattern.match(lines[following]))


def _join(parts: Sequence[str]) -> str:
    """Lines of a question that runs over several lines; a space only between Latin words."""
    text = ""
    for part in (part.strip().removesuffix("**").strip() for part in parts):
        if text and part and text[-1].isascii() and part[0].isascii():
            text += " "
        text += part
    return text


def _entry(lines: Sequence[str], start: _Start, end: int) -> ParsedEntry | None:
    """The entry of one question: up to an answer marker it is the question, then the answer."""
    answer_line = next(
        (index for index in range(start.line + 1, end) if _ANSWER_MARK.match(lines[index])), None
    )
    if answer_line is not None:
        parts = [lines[start.line][start.col :], *lines[start.line + 1 : answer_line]]
        match = _ANSWER_MARK.match(lines[answer_line])
        first_col = match.end() if match else 0
        return make_entry(
            "qa", _join(parts), lines, answer_line, end, section=start.section, first_col=first_col
        )
    question = lines[start.line][start.col :]
    answer_start = start.line + 1
    if is_blank(question):
        # `【質問】` alone on its line: the question is the next line.
        answer_start = next((i for i in range(answer_start, end) if not is_blank(lines[i])), end)
        question = lines[answer_start] if answer_start < end else ""
        answer_start += 1
    return make_entry("qa", _join([question]), lines, answer_start, end, section=start.section)


def entries_between(
    lines: Sequence[str], start: int, end: int, section: tuple[str, ...] = ()
) -> list[ParsedEntry]:
    """The question–answer entries in `lines[start:end]`, with a trailing contact block and note.

    Markdown sections whose body is a `**Q.**`/`**A.**` list are read with this too; their
    heading path comes in as `section`.
    """
    starts = _starts(lines, start, end, section)
    questions = [item for item in starts if not item.is_section]
    entries: list[ParsedEntry] = []
    for position, item in enumerate(starts):
        if item.is_section:
            continue
        stop = starts[position + 1].line if position + 1 < len(starts) else end
        extra: list[ParsedEntry] = []
        if item is questions[-1]:
            stop, extra = split_contacts(lines, item.line + 1, stop, item.section)
            stop, note = split_trailing_note(lines, item.line + 1, stop, item.section)
            extra = ([note] if note else []) + extra
        entry = _entry(lines, item, stop)
        entries.extend(([entry] if entry else []) + extra)
    return entries


def sniff(text: str) -> float:
    """High for `Q.`/`問`/`【質問】` markers; moderate for `■` or numbered question headings."""
    lines = text.split("\n")
    marked = sum(1 for line in lines if _QUESTION_MARK.match(line))
    if marked >= 2:
        return 0.9 if any(_ANSWER_MARK.match(line) for line in lines) else 0.8
    starts = [item for item in _starts(lines, 0, len(lines)) if not item.is_section]
    asking = sum(1 for item in starts if _ASKS.search(lines[item.line].strip()))
    return 0.55 if len(starts) >= 2 and asking >= 1 and asking * 2 >= len(starts) else 0.0


@dataclass(frozen=True)
class _Report:
    """The report part before a marked FAQ: where it ends, and the FAQ's heading line."""

    end: int
    faq_start: int
    faq_label: str | None


def _report(lines: Sequence[str]) -> _Report | None:
    """The report ahead of the first `Q` line, when the document opens with one.

    A report has numbered sections or says something in sentences of its own; a title, a date
    and a section label before the questions are no report.
    """
    first = next((i for i, line in enumerate(lines) if _QUESTION_MARK.match(line)), None)
    if first is None:
        return None
    numbered = sum(
        1
        for line in lines[:first]
        if (h := parse_heading(line)) is not None and h.kind in ("number", "chapter", "paren")
    )
    sentences = sum(1 for line in lines[:first] if "。" in line)
    if numbered < _REPORT_MIN_HEADINGS and sentences < _REPORT_MIN_SENTENCES:
        return None
    above = next((i for i in range(first - 1, -1, -1) if not is_blank(lines[i])), None)
    if above is None:
        return None
    label = _faq_label(lines[above])
    return _Report(above, first, label) if label else _Report(first, first, None)


def _faq_label(line: str) -> str | None:
    """The FAQ's heading (`よくあるご質問`, `【Q&A】`, `■ よくあるお問い合わせ`), else None."""
    text = line.strip()
    heading = parse_heading(text)
    if heading is not None and (heading.kind == "bracket" or heading.kind.startswith(SQUARE_KIND)):
        text = _FAQ_MARKS.sub("", text).strip()
    elif heading is not None:
        return None
    if not text or len(text) > _FAQ_HEADING_MAX_CHARS or "。" in text:
        return None
    return text


def title(source: Source) -> str | None:
    """The report's title when the FAQ follows a report; a plain FAQ has none."""
    lines = source_text(source).split("\n")
    return notice.title(source) if _report(lines) is not None else None


def parse(source: Source) -> list[ParsedEntry]:
    """One `qa` entry per question; a closing contact block and `※` note become their own.

    A report ahead of the questions becomes notice passages (see the module docstring).
    """
    lines = source_text(source).split("\n")
    report = _report(lines)
    if report is None:
        return entries_between(lines, 0, len(lines))
    title_line = notice.title(source)
    head = next((i for i, line in enumerate(lines) if not is_blank(line)), 0)
    start = head + 1 if title_line is not None else 0
    section = (report.faq_label,) if report.faq_label else ()
    return [
        *notice.passages(lines, start, report.end, title_line),
        *entries_between(lines, report.faq_start, len(lines), section),
    ]
