"""XLSX question–answer sheets, read with openpyxl (read-only, cached values).

Each non-empty sheet must have a header row naming a question and an answer column (the same
names as TSV/CSV tables); line numbers are sheet rows. With several sheets, the sheet name is the
section of its entries.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.parsed import ParsedEntry, Source

from .columns import HEADER_SCAN_ROWS, Row, find_header, table_entries

NAME = "xlsx"


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\r\n", "\n")


def _rows(values: Iterable[tuple[object, ...]]) -> list[Row]:
    return [
        Row(number, number, [_cell_text(value) for value in row])
        for number, row in enumerate(values, start=1)
    ]


def parse(source: Source) -> list[ParsedEntry]:
    """Entries of every sheet, in sheet order; a sheet without Q/A columns is an error."""
    from openpyxl import load_workbook  # here, not at import: the CLI's listings stay fast

    try:
        workbook = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentFormatError(
            source.path, None, f"not a readable XLSX workbook: {exc}"
        ) from exc
    try:
        sheets = [(sheet.title, _rows(sheet.iter_rows(values_only=True))) for sheet in workbook]
    finally:
        workbook.close()
    filled = [(name, rows) for name, rows in sheets if any(any(r.cells) for r in rows)]
    entries: list[ParsedEntry] = []
    for name, rows in filled:
        header = find_header(rows)
        if header is None:
            first = next(row.line_start for row in rows if any(row.cells))
            raise DocumentFormatError(
                source.path,
                first,
                f"sheet {name!r}: no question/answer columns in rows {first}–"
                f"{first + HEADER_SCAN_ROWS - 1}; expected a question column (問合せ, 質問, Q …) "
                "and an answer column (回答, 答え, A …)",
            )
        index, columns = header
        section = (name,) if len(filled) > 1 else ()
        entries += table_entries(rows[index + 1 :], columns, section=section)
    return entries
