"""The daily table as a workbook in the council's layout, plus a long-form sheet.

Sheet 日別推移: days across, one block per calendar week (Monday to Sunday — the way the
council tables break their periods), each block with a date row, a weekday row, then 入電件数合計,
応答件数, 応答率 and one row per category; "-" where a figure was not counted; the campaign
events of the block's days noted under it. Sheet 日別: one row per day with ISO dates and numbers
as numbers, for anyone who wants to compute. Sheet 補償・カード再発行, when the incident has
compensation codes or card reissue reports: the code counts, each card company's latest report,
and the reissue rate on every reported day.
"""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from breachdesk.reports.daily import header
from breachdesk.reports.model import DailyTable, DayRow
from breachdesk.reports.remediation import RemediationStats
from breachdesk.spreadsheet import workbook_bytes

WEEKDAYS = "月火水木金土日"
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")
EVENT_DAY = PatternFill("solid", fgColor="FCE4D6")


def _value(v: int | None) -> int | str:
    return "-" if v is None else v


def _write_block(sheet: object, top: int, rows: list[DayRow], categories: list[str]) -> int:
    """Write one week's block from row `top`; return the next free row."""
    ws = sheet  # an openpyxl Worksheet
    labels = ["日付", "曜日", "入電件数合計", "応答件数", "応答率", *categories]
    for i, label in enumerate(labels):
        cell = ws.cell(row=top + i, column=1, value=label)  # type: ignore[attr-defined]
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.border = BOX
    for j, day in enumerate(rows, start=2):
        values: list[object] = [
            f"{day.day.month}月{day.day.day}日",
            WEEKDAYS[day.day.weekday()],
            _value(day.offered),
            _value(day.answered),
            "-" if day.answer_rate is None else round(day.answer_rate, 3),
            *(_value(day.categories.get(c)) for c in categories),
        ]
        for i, value in enumerate(values):
            cell = ws.cell(row=top + i, column=j, value=value)  # type: ignore[attr-defined]
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center")
            if i == 4 and isinstance(value, float):
                cell.number_format = "0.0%"
            if day.events and i < 2:
                cell.fill = EVENT_DAY
    row = top + len(labels)
    for day in rows:
        for event in day.events:
            ws.cell(  # type: ignore[attr-defined]
                row=row, column=1, value=f"{day.day.month}月{day.day.day}日 {event.note}"
            )
            row += 1
    return row + 1


def _bold_row(sheet: Any, values: list[object]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.border = BOX


def _remediation_sheet(book: Workbook, figures: RemediationStats) -> None:
    sheet = book.create_sheet("補償・カード再発行")
    sheet.append(["補償コード・カード再発行の状況"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    c = figures.codes
    _bold_row(sheet, ["補償コード", "件数"])
    for label, value in (
        ("読込", c.loaded),
        ("割当（送付対象）", c.assigned),
        ("利用済み", c.redeemed),
        ("未利用（割当済み）", c.unredeemed),
    ):
        sheet.append([label, value])
    sheet.append(["利用率", c.redemption_rate if c.redemption_rate is not None else "-"])
    if c.redemption_rate is not None:
        sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"
    sheet.append([])
    _bold_row(sheet, ["カード会社", "時点", "対象カード数", "再発行数", "再発行率"])
    for x in figures.companies:
        sheet.append(
            [x.company, x.as_of, x.cards, x.reissued, x.rate if x.rate is not None else "-"]
        )
    r = figures.reissue
    sheet.append(["合計", None, r.cards, r.reissued, r.rate if r.rate is not None else "-"])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    _bold_row(sheet, ["時点", "報告社数", "対象カード数", "再発行数", "再発行率"])
    for p in figures.history:
        sheet.append(
            [p.day, p.companies, p.cards, p.reissued, p.rate if p.rate is not None else "-"]
        )
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy/m/d"
            elif isinstance(cell.value, float) and cell.column == 5:
                cell.number_format = "0.0%"
    sheet.column_dimensions["A"].width = 24
    for col in "BCDE":
        sheet.column_dimensions[col].width = 14


def council_workbook(table: DailyTable, remediation: RemediationStats | None = None) -> bytes:
    """The workbook (.xlsx bytes): the council's weekly blocks and a long-form day sheet, and
    the remediation sheet when `remediation` has anything to show."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "日別推移"
    sheet["A1"] = f"{table.incident_name} コールセンター対応状況（日別）"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = "「-」は集計していない日です。応答率は応答件数 ÷ 入電件数。"
    row = 4
    weeks = groupby(table.rows, key=lambda r: r.day.isocalendar()[:2])
    for _, days in weeks:
        row = _write_block(sheet, row, list(days), table.categories)
    sheet.column_dimensions["A"].width = 22
    for col in range(2, 10):
        sheet.column_dimensions[get_column_letter(col)].width = 11

    flat = book.create_sheet("日別")
    flat.append(header(table, japanese=True))
    for r in table.rows:
        flat.append(
            [
                r.day.isoformat(),
                r.offered,
                r.answered,
                None if r.answer_rate is None else round(r.answer_rate, 4),
                *(r.categories.get(c) for c in table.categories),
                " / ".join(e.note for e in r.events),
            ]
        )
    if remediation is not None and not remediation.empty:
        _remediation_sheet(book, remediation)
    return workbook_bytes(book)  # every text cell neutralised (no formulas from our data)
