"""Daily call-centre tables in a council report: days, figures, category rows and events.

A prefecture's report on a leak often ends with its desk's figures, day by day, as
tab-separated blocks, one per period::

    6月     6月23日  6月24日  …      the date row (first cell: a label, often the month)
            木       金       …      the weekday row
    入電件数合計  8   3        …      calls offered
    応答件数      8   3        …      calls answered
    不正利用      4   2        …      one row per inquiry category ("-" = not counted)

with dated notes between the blocks (``6月28日`` / ``QUOカードPay`` / ``事前告知メール配信``)
that mark campaign events. `parse_daily_table` reads them into a `ParsedDailyTable`. It is pure:
text in, values out. The importers own it because it reads the very documents they import;
`breachdesk.inquiries.figures` stores the result (figures, categories, campaigns).

Rules worth knowing:

- **Which lines are a table.** A date row is a tab-separated line whose cells after the first
  are all dates (``6月23日``, ``6/23``, ``2022年6月23日``, ``令和4年6月23日``, an optional
  ``(木)``), at least two of them, followed by tab-separated rows. Anything else is prose. Once a
  date row is found, a malformed block is an error (`DocumentFormatError`), never skipped.
- **Rows.** ``入電件数合計`` and its synonyms are calls offered, ``応答件数`` and its synonyms
  calls answered, rows ending in ``率`` (rates) are derived and skipped, every other row is an
  inquiry category, kept under its published label.
- **The year.** A date that states its year keeps it (the weekday row must agree). Otherwise the
  year is the one in which every date falls on its weekday: among the years from one before the
  earliest to one after the latest year the document states (``2022年…``, ``令和4年…``), exactly
  one must fit, else the import fails as ambiguous or impossible; a document that states no year
  takes the most recent year, at most ten years back, that puts the whole table in the past. A
  table crossing New Year (12月 → 1月) moves to the next year there.
- **Events.** A paragraph that starts with a date alone on its line (or a date followed by text)
  is an event on that date; its note is the rest of the paragraph, lines joined by a space.
  Events are read between the blocks and in the runs of such paragraphs right before the first
  and right after the last block. Other paragraphs between blocks (``受取メール配信期間
  (6/30~7/8)``) and ``※`` notes right after the last block are kept as remarks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Literal

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.decode import decode
from breachdesk.kb.facts import extract_facts
from breachdesk.kb.parsed import ParsedDocument

OFFERED_LABELS = frozenset(
    {
        "入電件数合計",
        "入電件数",
        "入電数",
        "入電件数計",
        "総入電数",
        "総入電件数",
        "受電件数",
        "受電数",
        "着信件数",
        "着信数",
        "問い合わせ件数",
        "問合せ件数",
        "問い合せ件数",
        "問い合わせ件数合計",
        "問合せ件数合計",
    }
)
"""Row labels (NFKC, no spaces) that give the calls offered."""

ANSWERED_LABELS = frozenset({"応答件数", "応答数", "応答件数合計", "応答件数計", "対応件数"})
"""Row labels (NFKC, no spaces) that give the calls answered."""

WEEKDAYS = "月火水木金土日"
"""Japanese weekday names, Monday first (the order of `date.weekday()`)."""

YEARS_BACK = 10
"""How far back a table with no stated year may lie."""

MAX_LABEL_CHARS = 100

_NOT_COUNTED = frozenset({"", "-", "ー", "―", "—", "–", "‐", "−", "*", "/", "×"})
_DATE_CELL = re.compile(
    r"""
    (?:
        (?:(?P<era>令和|平成)(?P<ey>元|\d{1,2})年|(?P<y>(?:19|20)\d{2})(?:年|(?P<sep>[/.\-])))?
        (?P<m>\d{1,2})(?:月|(?(sep)(?P=sep)|/))(?P<d>\d{1,2})日?
    )
    (?:\((?P<wd>[月火水木金土日])(?:曜日?)?(?:・?祝)?\))?
    """,
    re.VERBOSE,
)
_WEEKDAY_CELL = re.compile(r"\(?(?P<wd>[月火水木金土日])(?:曜日?)?(?:・?祝日?)?\)?")
_LEADING_DATE = re.compile(
    r"""
    (?P<date>
        (?:(?:令和|平成)\s*(?:元|\d{1,2})\s*年\s*|(?:19|20)\d{2}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日
        |(?:(?:19|20)\d{2}[/／])?\d{1,2}[/／]\d{1,2}
    )
    (?:\s*[(（][月火水木金土日](?:曜日?)?(?:・?祝)?[)）])?
    (?!\s*(?:[~～〜\-－ー―]|から|まで|付|現在|時点))  # a period or a narrative date, not an event
    (?P<rest>.*)
    """,
    re.VERBOSE,
)
"""A line that starts with a date (raw text: `\\d` and the classes take full-width forms too)."""
_ERA_BASE = {"令和": 2018, "平成": 1988}
YearSource = Literal["stated", "weekdays"]
_REMARK_MARK = ("※", "注")


@dataclass(frozen=True)
class ParsedDay:
    """One day's published figures. `None` is a "-" cell (not counted), never zero.

    `categories` maps each category row's label, as published, to its count that day.
    """

    day: date
    offered: int | None
    answered: int | None
    categories: dict[str, int | None]
    line: int


@dataclass(frozen=True)
class ParsedEvent:
    """A dated note between the blocks, such as ``QUOカードPay 事前告知メール配信``."""

    day: date
    note: str
    line: int


@dataclass(frozen=True)
class ParsedDailyTable:
    """The daily figures of one document: its days in order, category labels, events, remarks.

    `year_from` says how the year was settled: ``"stated"`` (the dates carry it) or
    ``"weekdays"`` (inferred from the weekday rows). Lines are 1-based lines of the text.
    """

    path: str
    days: list[ParsedDay]
    category_labels: list[str]
    events: list[ParsedEvent] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    year_from: YearSource = "weekdays"
    line_start: int = 0
    line_end: int = 0


@dataclass(frozen=True)
class _DateCell:
    month: int
    day: int
    year: int | None
    weekday: int | None
    line: int


@dataclass(frozen=True)
class _Row:
    label: str
    values: list[int | None]
    line: int


@dataclass
class _Block:
    start: int  # index of the date row in `lines`
    end: int  # index one past the block's last row
    dates: list[_DateCell]
    rows: list[_Row]


@dataclass(frozen=True)
class _RawEvent:
    month: int
    day: int
    year: int | None
    note: str
    line: int


def parse_daily_table(path: str, text: str, *, today: date) -> ParsedDailyTable | None:
    """Read the daily table of a document's decoded text, or `None` when it has none.

    `today` bounds the year of a table whose document states no year (the table must lie in the
    past). Raises `DocumentFormatError(path, line, reason)` for a malformed block, a day that
    appears twice, or dates whose year cannot be settled (see the module docstring).
    """
    lines = text.split("\n")
    blocks = _find_blocks(path, lines)
    if not blocks:
        return None
    events, remarks = _events_and_remarks(lines, blocks)
    cells = [cell for block in blocks for cell in block.dates]
    years, year_from = _settle_years(path, text, cells, today)
    days = _days(path, blocks, years)
    first, last = days[0].day, days[-1].day
    parsed_events = [
        ParsedEvent(_event_day(path, event, first, last), event.note, event.line)
        for event in events
    ]
    labels: list[str] = []
    for block in blocks:
        for row in block.rows:
            if _row_kind(row.label) == "category" and row.label not in labels:
                labels.append(row.label)
    return ParsedDailyTable(
        path=path,
        days=days,
        category_labels=labels,
        events=sorted(parsed_events, key=lambda e: (e.day, e.line)),
        remarks=remarks,
        year_from=year_from,
        line_start=blocks[0].start + 1,
        line_end=blocks[-1].end,
    )


def read_daily_tables(
    documents: Sequence[tuple[ParsedDocument, bytes]], *, max_bytes: int, today: date
) -> list[ParsedDailyTable]:
    """The daily tables in already-parsed text documents (XLSX and PDF are not read).

    Raises `DocumentFormatError` for a malformed table, before anything is written.
    """
    tables = []
    for document, data in documents:
        if document.encoding is None:
            continue
        text, _ = decode(document.path, data, max_bytes=max_bytes)
        table = parse_daily_table(document.path, text, today=today)
        if table is not None:
            tables.append(table)
    return tables


# --- blocks ---------------------------------------------------------------------------------


def _fold(cell: str) -> str:
    """NFKC without any whitespace: the form cells and labels are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell))


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("\t")]


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _date_cell(cell: str, line: int) -> _DateCell | None:
    match = _DATE_CELL.fullmatch(_fold(cell))
    if match is None:
        return None
    year: int | None = None
    if match["era"]:
        year = _ERA_BASE[match["era"]] + (1 if match["ey"] == "元" else int(match["ey"]))
    elif match["y"]:
        year = int(match["y"])
    weekday = WEEKDAYS.index(match["wd"]) if match["wd"] else None
    return _DateCell(int(match["m"]), int(match["d"]), year, weekday, line)


def _date_row(cells: list[str], line: int) -> list[_DateCell] | None:
    """The dates of a date row (a label cell, then two or more dates), else `None`."""
    cells = _trimmed(cells)
    if len(cells) < 3 or _date_cell(cells[0], line) is not None:
        return None
    dates = [_date_cell(cell, line) for cell in cells[1:]]
    if any(d is None for d in dates):
        return None
    return [d for d in dates if d is not None]


def _weekday_row(cells: list[str]) -> list[int | None] | None:
    """The weekdays of a weekday row (`None` for an empty cell), else `None`."""
    values = _trimmed(cells)[1:]
    found: list[int | None] = []
    for cell in values:
        if not cell:
            found.append(None)
            continue
        match = _WEEKDAY_CELL.fullmatch(_fold(cell))
        if match is None:
            return None
        found.append(WEEKDAYS.index(match["wd"]))
    if not any(v is not None for v in found):
        return None
    first = _fold(cells[0]) if cells else ""
    return found if first in ("", "曜日", "曜") else None


def _count(path: str, cell: str, label: str, line: int) -> int | None:
    folded = _fold(cell).replace(",", "").removesuffix("件")
    if folded in _NOT_COUNTED:
        return None
    if not folded.isdigit():
        raise DocumentFormatError(path, line, f"row {label!r}: {cell!r} is not a count")
    return int(folded)


def _find_blocks(path: str, lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        dates = _date_row(_cells(lines[i]), i + 1) if "\t" in lines[i] else None
        if dates is None or i + 1 >= len(lines) or "\t" not in lines[i + 1]:
            i += 1
            continue
        blocks.append(_read_block(path, lines, i, dates))
        i = blocks[-1].end
    return blocks


def _read_block(path: str, lines: list[str], start: int, dates: list[_DateCell]) -> _Block:
    """The date row at `start` and the rows under it, up to a blank or untabbed line."""
    n = len(dates)
    i = start + 1
    weekdays = _weekday_row(_cells(lines[i]))
    if weekdays is not None:
        if len(weekdays) > n:
            raise DocumentFormatError(
                path, i + 1, f"the weekday row has {len(weekdays)} weekdays for {n} dates"
            )
        weekdays += [None] * (n - len(weekdays))
        dates = [
            _DateCell(d.month, d.day, d.year, _agreeing_weekday(path, d, wd, i + 1), d.line)
            for d, wd in zip(dates, weekdays, strict=True)
        ]
        i += 1
    rows: list[_Row] = []
    while i < len(lines) and "\t" in lines[i] and lines[i].strip():
        cells = _cells(lines[i])
        if _date_row(cells, i + 1) is not None:
            break
        rows.append(_read_row(path, cells, n, i + 1, rows))
        i += 1
    if not rows:
        raise DocumentFormatError(path, start + 1, "a date row with no figure rows under it")
    return _Block(start, i, dates, rows)


def _agreeing_weekday(path: str, cell: _DateCell, weekday: int | None, line: int) -> int | None:
    if weekday is not None and cell.weekday is not None and weekday != cell.weekday:
        raise DocumentFormatError(
            path,
            line,
            f"{cell.month}月{cell.day}日 is marked both {WEEKDAYS[cell.weekday]} "
            f"and {WEEKDAYS[weekday]}",
        )
    return weekday if weekday is not None else cell.weekday


def _read_row(path: str, cells: list[str], n: int, line: int, previous: list[_Row]) -> _Row:
    label = cells[0]
    if not label:
        raise DocumentFormatError(path, line, "a figure row without a label in its first cell")
    if len(label) > MAX_LABEL_CHARS:
        raise DocumentFormatError(path, line, f"a row label over {MAX_LABEL_CHARS} characters")
    values = cells[1:]
    if len(values) > n and not any(values[n:]):
        values = values[:n]
    if len(values) != n:
        raise DocumentFormatError(
            path, line, f"row {label!r} has {len(values)} values for {n} dates"
        )
    if any(_fold(r.label) == _fold(label) for r in previous):
        raise DocumentFormatError(path, line, f"row {label!r} appears twice in one block")
    if _row_kind(label) == "rate":  # derived (応答率 50%): not read, never stored
        return _Row(label, [None] * n, line)
    return _Row(label, [_count(path, v, label, line) for v in values], line)


def _row_kind(label: str) -> str:
    folded = _fold(label)
    if folded in OFFERED_LABELS:
        return "offered"
    if folded in ANSWERED_LABELS:
        return "answered"
    if folded.endswith("率") or "%" in folded:
        return "rate"
    return "category"


# --- events ---------------------------------------------------------------------------------


def _paragraphs(lines: list[str], start: int, end: int) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines in lines[start:end], each with the index of its first line."""
    found: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = start
    for i in range(start, end):
        if lines[i].strip():
            if not current:
                first = i
            current.append(lines[i].strip())
        elif current:
            found.append((first, current))
            current = []
    if current:
        found.append((first, current))
    return found


def _paragraph_events(first: int, paragraph: list[str]) -> list[_RawEvent] | None:
    """The events of a paragraph that starts with a date, else `None`."""
    events: list[tuple[_DateCell, list[str], int]] = []
    for offset, text in enumerate(paragraph):
        match = _LEADING_DATE.fullmatch(text)
        cell = _date_cell(match["date"], first + offset + 1) if match else None
        if match is not None and cell is not None:
            rest = match["rest"].strip()
            events.append((cell, [rest] if rest else [], first + offset + 1))
        elif events:
            events[-1][1].append(text)
        else:
            return None
    if any(not note for _, note, _ in events):
        return None
    return [
        _RawEvent(cell.month, cell.day, cell.year, " ".join(note), line)
        for cell, note, line in events
    ]


def _events_and_remarks(
    lines: list[str], blocks: list[_Block]
) -> tuple[list[_RawEvent], list[str]]:
    events: list[_RawEvent] = []
    remarks: list[str] = []
    for before, after in pairwise(blocks):
        for first, paragraph in _paragraphs(lines, before.end, after.start):
            found = _paragraph_events(first, paragraph)
            if found is None:
                remarks.append(" ".join(paragraph))
            else:
                events.extend(found)
    for first, paragraph in reversed(_paragraphs(lines, 0, blocks[0].start)):
        found = _paragraph_events(first, paragraph)
        if found is None:
            break
        events.extend(found)
    for first, paragraph in _paragraphs(lines, blocks[-1].end, len(lines)):
        found = _paragraph_events(first, paragraph)
        if found is None:
            if paragraph[0].startswith(_REMARK_MARK):
                remarks.append(" ".join(paragraph))
            break
        events.extend(found)
    return events, remarks


# --- years ----------------------------------------------------------------------------------


def _position(month: int, day: int) -> int:
    """Day of a leap year, so that 2月29日 has a place."""
    return (date(2000, month, day) - date(2000, 1, 1)).days


def _offsets(cells: list[_DateCell]) -> list[int]:
    """Year offsets from the first date: +1 where the table crosses New Year (12月 → 1月)."""
    offsets: list[int] = []
    offset = 0
    previous: int | None = None
    for cell in cells:
        try:
            position = _position(cell.month, cell.day)
        except ValueError:
            position = previous if previous is not None else 0
        if previous is not None and previous - position > 183:
            offset += 1
        elif previous is not None and position - previous > 183:
            offset -= 1
        offsets.append(offset)
        previous = position
    return offsets


def _fits(cells: list[_DateCell], offsets: list[int], base: int) -> bool:
    for cell, offset in zip(cells, offsets, strict=True):
        try:
            day = date(base + offset, cell.month, cell.day)
        except ValueError:
            return False
        if cell.weekday is not None and day.weekday() != cell.weekday:
            return False
    return True


def _stated_years(text: str) -> list[int]:
    """The years of the dates the document writes with a year (西暦 or 和暦)."""
    return sorted(
        {d.year for d in extract_facts(text).dates if d.year is not None and not d.year_inferred}
    )


def _settle_years(
    path: str, text: str, cells: list[_DateCell], today: date
) -> tuple[list[int], YearSource]:
    """The year of each date cell, and how it was settled."""
    offsets = _offsets(cells)
    line = cells[0].line
    explicit = {c.year - o for c, o in zip(cells, offsets, strict=True) if c.year is not None}
    if len(explicit) > 1:
        raise DocumentFormatError(path, line, "the years written in the date rows disagree")
    if explicit:
        base = explicit.pop()
        for cell, offset in zip(cells, offsets, strict=True):
            if not _fits([cell], [0], base + offset):
                raise DocumentFormatError(
                    path,
                    cell.line,
                    f"{base + offset}年{cell.month}月{cell.day}日 does not "
                    "exist or is not on the weekday the table gives",
                )
        return [base + o for o in offsets], "stated"
    stated = _stated_years(text)
    if not any(c.weekday is not None for c in cells):
        if len(stated) == 1 and _fits(cells, offsets, stated[0]):
            return [stated[0] + o for o in offsets], "stated"
        raise DocumentFormatError(
            path, line, "the table states no year and has no weekday row to infer it from"
        )
    if stated:
        window = range(stated[0] - 1, stated[-1] + 2)
        fitting = [y for y in window if _fits(cells, offsets, y)]
        if not fitting:
            raise DocumentFormatError(
                path,
                line,
                f"no year from {window[0]} to {window[-1]} (around the years the "
                "document states) puts these dates on these weekdays",
            )
        if len(fitting) > 1:
            raise DocumentFormatError(
                path,
                line,
                "the weekdays fit more than one year ("
                + ", ".join(map(str, fitting))
                + "); write the year in the first date (e.g. 2022年6月23日)",
            )
        return [fitting[0] + o for o in offsets], "weekdays"
    last = cells[-1]
    for base in range(today.year, today.year - YEARS_BACK - 1, -1):
        if not _fits(cells, offsets, base):
            continue
        if date(base + offsets[-1], last.month, last.day) <= today:
            return [base + o for o in offsets], "weekdays"
    raise DocumentFormatError(
        path,
        line,
        f"no year in the last {YEARS_BACK} years puts these dates on these weekdays; "
        "write the year in the first date (e.g. 2022年6月23日)",
    )


def _days(path: str, blocks: list[_Block], years: list[int]) -> list[ParsedDay]:
    found: dict[date, ParsedDay] = {}
    index = 0
    for block in blocks:
        for column, cell in enumerate(block.dates):
            day = date(years[index], cell.month, cell.day)
            index += 1
            if day in found:
                raise DocumentFormatError(
                    path,
                    cell.line,
                    f"{day.isoformat()} appears twice (also on line {found[day].line})",
                )
            figures: dict[str, int | None] = {}
            categories: dict[str, int | None] = {}
            for row in block.rows:
                kind = _row_kind(row.label)
                if kind == "category":
                    categories[row.label] = row.values[column]
                elif kind != "rate":
                    figures[kind] = row.values[column]
            found[day] = ParsedDay(
                day, figures.get("offered"), figures.get("answered"), categories, cell.line
            )
    return [found[d] for d in sorted(found)]


def _event_day(path: str, event: _RawEvent, first: date, last: date) -> date:
    """An event's date: its stated year, else the year that puts it nearest the table."""
    years = [event.year] if event.year is not None else range(first.year - 1, last.year + 2)
    best: date | None = None
    for year in years:
        try:
            day = date(year, event.month, event.day)
        except ValueError:
            continue
        distance = max((first - day).days, (day - last).days, 0)
        if best is None or distance < max((first - best).days, (best - last).days, 0):
            best = day
    if best is None:
        raise DocumentFormatError(path, event.line, f"{event.month}月{event.day}日 is not a date")
    return best


__all__ = [
    "ANSWERED_LABELS",
    "OFFERED_LABELS",
    "ParsedDailyTable",
    "ParsedDay",
    "ParsedEvent",
    "parse_daily_table",
    "read_daily_tables",
]
