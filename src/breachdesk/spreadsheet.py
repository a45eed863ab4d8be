"""Cells the desk writes into CSV and XLSX files, safe to open in a spreadsheet; and the CSV files
it reads (call logs, registers, vendor results, code lists): their encoding (`decode_csv`) and
their rows with the line each starts on (`csv_rows`).

Every export (the daily table, staffing and forecast CSVs, the bounced list, the register, the
council and regulator workbooks) passes its cells through `safe_cell`, in `csv_text`,
`SafeCsvWriter` or `workbook_bytes`:
text that a spreadsheet would run as a formula — starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return, as a vendor's results file can (``=HYPERLINK(…)``, ``=cmd|…``,
``@SUM(1+1)``) — gets a leading apostrophe, the OWASP "CSV injection" defence, so it is shown as
the text it is. Numbers stay numbers: a cell that is a number (an int or float, or text that is
a plain decimal such as ``-3`` or ``0.25``) cannot be a formula and is left alone, and so is a
lone ``-`` (the council tables' "not counted").
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from breachdesk.errors import DocumentFormatError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet cell that cannot be taken for a formula (see the module)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value) or value in ("-", "+"):
        return value  # a number, or the "-" of a day not counted
    return "'" + value


class SafeCsvWriter:
    """A CSV writer that passes every cell through `safe_cell`, for files written row by row
    (the register's export streams its people)."""

    def __init__(self, out: TextIO, *, lineterminator: str = "\n") -> None:
        self._writer = csv.writer(out, lineterminator=lineterminator)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(c) for c in row])


def csv_text(rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n") -> str:
    """Rows as CSV text, every cell through `safe_cell`."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, lineterminator=lineterminator)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def workbook_bytes(book: Any) -> bytes:
    """An openpyxl workbook saved as .xlsx bytes, every text cell first through `safe_cell`
    (openpyxl would otherwise store text starting with ``=`` as a live formula)."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    safe = safe_cell(cell.value)
                    if safe is not cell.value:
                        cell.value = safe
                        cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading what organisations export ----------------------------------------------------


def csv_rows(
    path: Path, text: str | TextIO, *, dialect: str = "excel"
) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each starts on; any line ending (CR, LF, CRLF) is a row's end,
    and text the csv module cannot read is a `DocumentFormatError` naming that line. `text` is
    the whole text, or a seekable file opened with ``newline=""`` (read as it goes).

    The reader is strict: a quote opened and never closed would otherwise make the rest of the
    file one cell, and an import would "succeed" with every later row gone. It is refused with
    the line where the quote opened."""
    source = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(source, dialect=dialect, strict=True)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            if not isinstance(text, str):
                text.seek(0)  # a broken file: read whole once, to find where the quote opened
                text = text.read()
            opened = _unclosed_quote_line(text, start, reader.dialect)
            raise DocumentFormatError(
                str(path),
                opened,
                'この行で「"」から始まるセルが閉じられていません（以降の行がすべてこのセルに'
                "読み込まれてしまいます）。引用符を閉じてから取り込み直してください",
            ) from None
        raise DocumentFormatError(
            str(path), reader.line_num or 1, f"CSV として読めません（{exc}）"
        ) from exc


_LINE_END = re.compile(r"\r\n|\r|\n")


def _unclosed_quote_line(text: str, start: int, dialect: Any) -> int:
    """The line on which the quote left open at the end of `text` was opened, reading the row
    that starts on line `start` as the csv module does."""
    offset = 0
    for _ in range(start - 1):
        found = _LINE_END.search(text, offset)
        if found is None:
            return start
        offset = found.end()
    quote, delimiter = dialect.quotechar or '"', dialect.delimiter
    line, opened = start, start
    in_quote, field_start = False, True
    position = offset
    while position < len(text):
        ch = text[position]
        if in_quote:
            if ch == quote:
                if text.startswith(quote, position + 1):
                    position += 1  # a doubled quote is a quote inside the cell
                else:
                    in_quote = False
        elif ch == quote and field_start:
            in_quote, opened = True, line
        field_start = ch == delimiter or ch in "\r\n"
        if ch == "\n" or (ch == "\r" and not text.startswith("\n", position + 1)):
            line += 1
        position += 1
    return opened


CSV_ENCODINGS = ("utf-8-sig", "cp932")
_UNREADABLE = "UTF-8 でも Shift_JIS（CP932）でも読めません（CSV として保存し直してください）"


def decode_csv(path: Path, data: bytes) -> str:
    """A CSV export's text: UTF-8 (with or without BOM) or Shift_JIS (CP932), as Excel writes."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentFormatError(str(path), None, _UNREADABLE)


def csv_file_encoding(path: Path, name: str, *, chunk: int = 1 << 24) -> tuple[str, int]:
    """The encoding `decode_csv` would choose for a file on disk, and its count of line feeds,
    found by reading it in chunks (a large file is never whole in memory). OSError if it
    cannot be read; a `DocumentFormatError` under `name` if it is in neither encoding."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with path.open("rb") as data:
                while block := data.read(chunk):
                    decoder.decode(block)
                    lines += block.count(b"\n")  # never a CP932 trail byte
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise DocumentFormatError(name, None, _UNREADABLE)
