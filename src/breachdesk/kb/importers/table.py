"""TSV/CSV question–answer tables (`No / 問合せ / 回答`), as exported from a spreadsheet.

TSV is read line by line, because exported TSV does not quote and an answer that runs onto the
next physical line must be joined back to its row. CSV goes through the csv module, which knows
quoted fields with embedded newlines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.parsed import ParsedEntry, Source

from .columns import Row, find_header, table_entries
from .lines import source_text

NAME = "table"


def _tsv_rows(text: str) -> Iterator[Row]:
    for number, line in enumerate(text.split("\n"), start=1):
        yield Row(number, number, line.split("\t"))


def _csv_rows(text: str, *, strict: bool = False) -> Iterator[Row]:
    # Strict when importing: read leniently, a quote never closed makes every later line one
    # answer and the rest of the table is silently lost.
    reader = csv.reader(io.StringIO(text), strict=strict)
    last = 0
    try:
        for cells in reader:
            yield Row(last + 1, reader.line_num, cells)
            last = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            raise
        raise csv.Error(
            f"a quoted cell of the row starting on line {last + 1} is never closed"
        ) from None


def _rows(path: str, text: str, *, strict: bool = False) -> list[Row]:
    lower = path.lower()
    if lower.endswith(".csv"):
        return list(_csv_rows(text, strict=strict))
    tsv = list(_tsv_rows(text))
    if lower.endswith(".tsv") or find_header(tsv) is not None:
        return tsv
    csv_rows = list(_csv_rows(text, strict=strict))
    return csv_rows if find_header(csv_rows) is not None else tsv


def sniff(text: str) -> float:
    """1.0 when a tab- or comma-separated row near the top names question and answer columns."""
    head = "\n".join(text.split("\n")[:50])
    try:
        rows = _rows("", head)
    except csv.Error:
        return 0.0
    return 1.0 if find_header(rows) is not None else 0.0


def parse(source: Source) -> list[ParsedEntry]:
    """Entries of a question–answer table; a trailing `※` line becomes a note."""
    text = source_text(source)
    try:
        rows = _rows(source.path, text, strict=True)
    except csv.Error as exc:
        raise DocumentFormatError(source.path, None, f"malformed CSV: {exc}") from exc
    header = find_header(rows)
    if header is None:
        first = next((row for row in rows if any(cell.strip() for cell in row.cells)), None)
        names = " / ".join(cell.strip() for cell in first.cells) if first else ""
        raise DocumentFormatError(
            source.path,
            first.line_start if first else None,
            f"no question/answer columns in the header row ({names}); expected a question "
            "column (問合せ, 質問, Q, question …) and an answer column (回答, 答え, A, answer …)",
        )
    index, columns = header
    return table_entries(rows[index + 1 :], columns)
