"""Cells the desk writes into CSV and XLSX files, safe to open in a spreadsheet.

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

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

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
