"""Question–answer tables: finding the question and answer columns, and rows into entries.

Shared by the TSV/CSV importer, the XLSX importer and HTML tables, so that the header names
a publisher may use and the rule for rows that run on are written once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from breachdesk.kb.parsed import EntryKind, ParsedEntry

from .lines import is_note, note_question, verbatim

_QUESTION_NAMES = frozenset(
    {"q", "question", "questions", "faq", "問", "問い", "設問", "質問", "ご質問", "問合せ"}
)
_ANSWER_NAMES = frozenset({"a", "answer", "answers", "回答", "ご回答", "答", "答え", "お答え"})
_NUMBER_NAMES = frozenset({"no", "#", "番号", "項番", "通番", "連番", "id", "№", "q no", "qno"})
# Longer headers ("お問い合わせ内容", "回答（6月1日現在）") are recognised by these words.
_QUESTION_WORDS = ("問合せ", "問い合わせ", "問合わせ", "質問", "設問")
_ANSWER_WORDS = ("回答", "答え")
_ROW_NUMBER = re.compile(r"^(?:no|q)?\s*[0-9]+\s*[.)]?$")
HEADER_SCAN_ROWS = 10
"""How many non-empty rows may precede the header (a title, a date line)."""


@dataclass(frozen=True)
class Columns:
    """Positions of the question, answer and optional number column in a header row."""

    question: int
    answer: int
    number: int | None = None


@dataclass(frozen=True)
class Row:
    """One row of a table: its cells and the 1-based source lines (or sheet rows) it spans."""

    line_start: int
    line_end: int
    cells: Sequence[str]


def _normalise(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip().lower().rstrip(".:").strip()


def _role(cell: str) -> str | None:
    name = _normalise(cell)
    if name in _QUESTION_NAMES:
        return "question"
    if name in _ANSWER_NAMES:
        return "answer"
    if name in _NUMBER_NAMES:
        return "number"
    if any(word in name for word in _QUESTION_WORDS):
        return "question"
    if any(word in name for word in _ANSWER_WORDS):
        return "answer"
    return None


def match_header(cells: Sequence[str]) -> Columns | None:
    """The columns named by a header row, or None when it names no question and answer."""
    roles: dict[str, int] = {}
    for index, cell in enumerate(cells):
        role = _role(cell)
        if role is not None and role not in roles:
            roles[role] = index
    if "question" not in roles or "answer" not in roles:
        return None
    return Columns(roles["question"], roles["answer"], roles.get("number"))


def find_header(rows: Sequence[Row]) -> tuple[int, Columns] | None:
    """The index of the header row among the first non-empty rows, with its columns."""
    seen = 0
    for index, row in enumerate(rows):
        if not any(cell.strip() for cell in row.cells):
            continue
        columns = match_header(row.cells)
        if columns is not None:
            return index, columns
        seen += 1
        if seen >= HEADER_SCAN_ROWS:
            break
    return None


def is_row_number(cell: str) -> bool:
    """Whether a cell is a row number such as `12`, `No.12` or `Q12`."""
    return bool(_ROW_NUMBER.match(_normalise(cell)))


@dataclass
class _Pending:
    kind: EntryKind
    question: str
    parts: list[str] = field(default_factory=list)
    line_start: int = 0
    line_end: int = 0


def _cell(cells: Sequence[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _starts_row(cells: Sequence[str], columns: Columns) -> bool:
    if columns.number is not None and is_row_number(_cell(cells, columns.number)):
        return True
    return bool(_cell(cells, columns.question).strip() and _cell(cells, columns.answer).strip())


def _continuation(cells: Sequence[str], columns: Columns) -> str:
    answer = _cell(cells, columns.answer)
    if answer.strip():
        return answer
    return "\t".join(cell for cell in cells if cell.strip())


def table_entries(
    rows: Iterable[Row], columns: Columns, *, section: tuple[str, ...] = ()
) -> list[ParsedEntry]:
    """Entries from the rows below a header row.

    A row with a new row number (or a question and an answer) starts an entry; a row that only
    continues text (an answer running onto the next line, a blank line inside a row) is appended
    to the previous answer with its line break. A `※` line after a blank row, and what follows
    it, becomes a `note` entry.
    """
    pending: list[_Pending] = []
    after_blank = False
    for row in rows:
        texts = [cell for cell in row.cells if cell.strip()]
        current = pending[-1] if pending else None
        if not texts:
            if current is not None:
                current.parts.append("")
            after_blank = True
            continue
        if len(texts) == 1 and is_note(texts[0]) and (after_blank or current is None):
            current = _Pending("note", "")
            pending.append(current)
            current.line_start = row.line_start
            current.parts.append(texts[0])
        elif current is None or (current.kind == "qa" and _starts_row(row.cells, columns)):
            question = _cell(row.cells, columns.question)
            current = _Pending("qa", question.strip(), line_start=row.line_start)
            pending.append(current)
            current.parts.append(_cell(row.cells, columns.answer))
        else:
            current.parts.append(_continuation(row.cells, columns))
        current.line_end = row.line_end
        after_blank = False
    finished = (_finish(item, section) for item in pending)
    return [entry for entry in finished if entry is not None]


def _finish(pending: _Pending, section: tuple[str, ...]) -> ParsedEntry | None:
    text_lines = "\n".join(pending.parts).split("\n")
    sliced = verbatim(text_lines, 0, len(text_lines))
    if sliced is None:
        return None
    answer = sliced[0]
    question = pending.question if pending.kind == "qa" else note_question(answer)
    if not question:
        return None
    return ParsedEntry(
        pending.kind, question, answer, section, pending.line_start, pending.line_end
    )
