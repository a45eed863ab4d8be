"""The daily table of an incident's desk: calls offered and answered, per category, events.

`daily_table` is what every report (CSV, the council workbook, the chart, staffing) is drawn
from. It merges three sources, each aggregated in the database:

- **Logged inquiries** (`Inquiry`), read from the counts the database keeps per (channel, day,
  outcome, category) as inquiries are written (`inquiries.counts`: exactly the ``GROUP BY`` of
  the rows, in the same few milliseconds at any volume; `raw_counts_query` there computes it
  from the rows). Offered = every inquiry of the counted channels (a busy call was offered but
  not answered); answered = outcome ``answered``; a category's count
  is every inquiry of that category, whatever its outcome. By default only ``phone`` counts,
  because the council's table is the phone desk's; ``channels=None`` counts every channel (the
  all-channel figure), any other collection counts those channels.
- **Imported figures** (`DailyFigure`, `DailyCategoryFigure`: a council report's table). They are
  authoritative for the days they cover: on such a day logged inquiries are ignored, and a
  category the import did not count is `None`. Logged inquiries fill the other days.
- **Campaigns**, marked on their day as `Event` values.

A day with neither is zero from the first day anything was logged (the desk was open and nobody
called), and `None` ("not counted") before it. Without `start`/`end` the table runs from the
first to the last day with any figure, inquiry or campaign sent by today (a campaign planned for
later is not data yet) — within the plausible window of
`inquiries.dates` (2000-01-01 to a year ahead): rows dated outside it (a `0001-01-01` stored
before dates were checked) are left out and named in the table's `notes` (Japanese sentences: the
console, the API and the CLI show them to people as they are), and a range wider than
`MAX_DAYS` keeps its latest `MAX_DAYS` days, also with a note. One bad row never stops a report.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import (
    Campaign,
    CampaignDay,
    CampaignPlan,
    Category,
    DailyCategoryFigure,
    DailyFigure,
    Incident,
    Inquiry,
)
from breachdesk.errors import InvalidInputError
from breachdesk.inquiries import counts as inquiry_counts
from breachdesk.inquiries import day_input
from breachdesk.inquiries.dates import EARLIEST, check_day, latest_day, today_jst
from breachdesk.kb.service import get_incident
from breachdesk.labels import column_labels, label
from breachdesk.reports.model import DailyTable, DayRow, Event
from breachdesk.spreadsheet import csv_text

PHONE: tuple[str, ...] = ("phone",)
"""The channels of the council's table: the phone desk."""

ANSWERED = "answered"
MAX_DAYS = 3660
"""The longest table a report builds (ten years), so a mistyped date cannot ask for millions."""

COLUMNS = ("date", "offered", "answered", "answer_rate")
"""The fixed leading columns of the CSV contract; one column per category and `events` follow."""


@dataclass(frozen=True)
class PeriodTotal:
    """Totals over a run of days (a week). A total adds the days that were counted; it is `None`
    only when no day of the run was. `answer_rate` is over the days with both figures known."""

    start: date
    end: date
    days: int
    offered: int | None
    answered: int | None
    answer_rate: float | None
    categories: dict[str, int | None]
    events: int


@dataclass(frozen=True)
class CategoryTotal:
    """One category over the whole table.

    `share` is its part of all categorised inquiries; `per_answered` is its count divided by
    the calls answered on the days it was counted (for a council table, the share of answered
    calls that were about it).
    """

    name: str
    count: int | None
    days_counted: int
    share: float | None
    per_answered: float | None


def daily_table(
    db: Database,
    slug: str,
    *,
    start: date | None = None,
    end: date | None = None,
    channels: Collection[str] | None = PHONE,
) -> DailyTable:
    """The incident's daily table from `start` to `end` (inclusive); see the module docstring.

    Raises `NotFoundError` for an unknown incident and `InvalidInputError` for a range that ends
    before it starts or spans more than `MAX_DAYS` days.
    """
    last_plausible = latest_day()
    if start is not None:
        check_day(start, where="from")
    if end is not None:
        check_day(end, where="to")
    if start is not None and end is not None and end < start:
        raise InvalidInputError(_reversed(start, end))
    notes: list[str] = []
    # PostgreSQL's triggers append count changes; folding them first keeps the read short (the
    # read adds any still pending, so it is exact either way).
    inquiry_counts.fold_count_changes(db)
    with db.read() as s:
        incident = get_incident(s, slug)
        identity = (incident.slug, incident.name)
        categories = list(
            s.execute(
                select(Category.id, Category.name)
                .where(Category.incident_id == incident.id)
                .order_by(Category.position, Category.id)
            )
        )
        # Only the channels the table counts set its range: the web questions logged today
        # would otherwise stretch a phone table to today with empty days. The counts of the
        # whole plausible window are a few hundred rows a day, read once.
        logged = _logged(s, incident, EARLIEST, last_plausible, channels)
        first_logged, last_logged = (min(logged), max(logged)) if logged else (None, None)
        if start is None or end is None:
            first, last = _data_range(s, incident, first_logged, last_logged, last_plausible)
            outside = _outside_window(s, incident, last_plausible)
            if outside:
                notes.append(
                    f"日付が{_ja(EARLIEST)}より前か{_ja(last_plausible)}より後の"
                    f"{outside}件を集計から除きました（入力の誤りと思われる日付です）"
                )
            if first is not None and last is not None and (last - first).days >= MAX_DAYS:
                first = last - timedelta(days=MAX_DAYS - 1)
                if start is None:
                    notes.append(f"最近の{MAX_DAYS:,}日分（{_ja(first)}から）だけを表示しています")
            # A given bound past the data stands alone: --from after the last day gives that day.
            if end is None:
                end = max(last, start) if last and start else last or start
            if start is None:
                start = min(first, end) if first and end else first or end
        if start is None or end is None:
            return DailyTable(*identity, [name for _, name in categories], [], notes)
        if end < start:
            raise InvalidInputError(_reversed(start, end))
        if (end - start).days >= MAX_DAYS:
            raise InvalidInputError(f"日次レポートの期間は{MAX_DAYS:,}日までです")
        imported, imported_categories = _imported(s, incident, start, end)
        events = _events(s, incident, start, end)
    names = dict(categories)
    rows = []
    day = start
    while day <= end:
        if day in imported or day in imported_categories:
            figure = imported.get(day, (None, None))
            counts = imported_categories.get(day, {})
            row = DayRow(day, figure[0], figure[1], {n: counts.get(c) for c, n in names.items()})
        elif first_logged is not None and day >= first_logged:
            offered, answered, by_category = logged.get(day, (0, 0, {}))
            row = DayRow(
                day, offered, answered, {n: by_category.get(c, 0) for c, n in names.items()}
            )
        else:
            row = DayRow(day, None, None, dict.fromkeys(names.values()))
        rows.append(DayRow(row.day, row.offered, row.answered, row.categories, events.get(day, [])))
        day += timedelta(days=1)
    # A category no day of the range counted (imported tables count only some) is left out,
    # so a council's two-category table comes back with its two columns.
    shown = [n for n in names.values() if any(r.categories.get(n) is not None for r in rows)]
    shown = shown or list(names.values())
    rows = [
        DayRow(r.day, r.offered, r.answered, {n: r.categories.get(n) for n in shown}, r.events)
        for r in rows
    ]
    return DailyTable(*identity, shown, rows, notes)


def _ja(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _reversed(start: date, end: date) -> str:
    return f"終了日（{_ja(end)}）が開始日（{_ja(start)}）より前です"


def _data_range(
    s: Session,
    incident: Incident,
    first_logged: date | None,
    last_logged: date | None,
    last_plausible: date,
) -> tuple[date | None, date | None]:
    """The first and last day with any data inside the plausible window."""
    bounds = [
        s.execute(
            select(func.min(DailyFigure.day), func.max(DailyFigure.day)).where(
                DailyFigure.incident_id == incident.id,
                DailyFigure.day >= EARLIEST,
                DailyFigure.day <= last_plausible,
            )
        ).one(),
        s.execute(
            select(func.min(DailyCategoryFigure.day), func.max(DailyCategoryFigure.day)).where(
                DailyCategoryFigure.incident_id == incident.id,
                DailyCategoryFigure.day >= EARLIEST,
                DailyCategoryFigure.day <= last_plausible,
            )
        ).one(),
        # A campaign planned after today is a plan, not data: it does not stretch the table
        # into days nobody could have called yet.
        s.execute(
            select(func.min(Campaign.sent_on), func.max(Campaign.sent_on)).where(
                Campaign.incident_id == incident.id,
                Campaign.sent_on >= EARLIEST,
                Campaign.sent_on <= min(last_plausible, today_jst()),
            )
        ).one(),
        (first_logged, last_logged),
    ]
    firsts = [b[0] for b in bounds if b[0] is not None]
    lasts = [b[1] for b in bounds if b[1] is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def _outside_window(s: Session, incident: Incident, last_plausible: date) -> int:
    """How many of the incident's dated rows lie outside the plausible window."""
    total = 0
    # Inquiries can be millions: their bounds come off ix_inquiries_recent first, and only a
    # table that reaches near the window's edges is counted. Each bound is its own ORDER BY …
    # LIMIT 1: SQLite answers min() and max() in one query by reading every entry of the
    # incident (1 s at 10 M inquiries), and one end of the index each way.
    incident_times = select(Inquiry.received_at).where(Inquiry.incident_id == incident.id)
    first = s.scalar(incident_times.order_by(Inquiry.received_at).limit(1))
    last = s.scalar(incident_times.order_by(Inquiry.received_at.desc()).limit(1))
    near_edges = (
        first is not None
        and last is not None
        and (
            first.date() <= EARLIEST + timedelta(days=1)
            or last.date() >= last_plausible - timedelta(days=1)
        )
    )
    for table, column in (
        *(((Inquiry, Inquiry.day),) if near_edges else ()),
        (DailyFigure, DailyFigure.day),
        (DailyCategoryFigure, DailyCategoryFigure.day),
        (Campaign, Campaign.sent_on),
    ):
        where = (table.incident_id == incident.id, (column < EARLIEST) | (column > last_plausible))
        # Cheap first (a row beyond either bound exists?), counted only when one does.
        if s.scalar(select(column).where(*where).limit(1)) is not None:
            total += s.scalar(select(func.count()).select_from(table).where(*where)) or 0
    return total


def _logged(
    s: Session, incident: Incident, start: date, end: date, channels: Collection[str] | None
) -> dict[date, tuple[int, int, dict[int, int]]]:
    """Per day with any inquiry: offered, answered and per-category counts, from the kept
    counts (`inquiries.counts.kept_counts_query`)."""
    offered: dict[date, int] = defaultdict(int)
    answered: dict[date, int] = defaultdict(int)
    by_category: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for day, outcome, category_id, n in s.execute(
        inquiry_counts.kept_counts_query(incident.id, start, end, channels)
    ):
        offered[day] += n
        if outcome == ANSWERED:
            answered[day] += n
        if category_id is not None:
            by_category[day][category_id] += n
    return {d: (offered[d], answered[d], dict(by_category[d])) for d in offered}


def _imported(
    s: Session, incident: Incident, start: date, end: date
) -> tuple[dict[date, tuple[int | None, int | None]], dict[date, dict[int, int | None]]]:
    figures = {
        day: (offered, answered)
        for day, offered, answered in s.execute(
            select(DailyFigure.day, DailyFigure.offered, DailyFigure.answered).where(
                DailyFigure.incident_id == incident.id,
                DailyFigure.day >= start,
                DailyFigure.day <= end,
            )
        )
    }
    categories: dict[date, dict[int, int | None]] = defaultdict(dict)
    for day, category_id, count in s.execute(
        select(
            DailyCategoryFigure.day, DailyCategoryFigure.category_id, DailyCategoryFigure.count
        ).where(
            DailyCategoryFigure.incident_id == incident.id,
            DailyCategoryFigure.day >= start,
            DailyCategoryFigure.day <= end,
        )
    ):
        categories[day][category_id] = count
    return figures, dict(categories)


def _events(s: Session, incident: Incident, start: date, end: date) -> dict[date, list[Event]]:
    """Recorded campaigns on their day; a planned campaign (approved or later) on each of its
    planned send days, and not before it is approved."""
    events: dict[date, list[Event]] = defaultdict(list)
    for sent_on, channel, note in s.execute(
        select(Campaign.sent_on, Campaign.channel, Campaign.note)
        .outerjoin(CampaignPlan, CampaignPlan.campaign_id == Campaign.id)
        .where(
            Campaign.incident_id == incident.id,
            Campaign.sent_on >= start,
            Campaign.sent_on <= end,
            CampaignPlan.campaign_id.is_(None),
        )
        .order_by(Campaign.sent_on, Campaign.id)
    ):
        events[sent_on].append(Event(sent_on, channel, note))
    for day, mail, sms, letter in s.execute(
        select(CampaignDay.day, CampaignDay.mail, CampaignDay.sms, CampaignDay.letter)
        .join(Campaign, Campaign.id == CampaignDay.campaign_id)
        .join(CampaignPlan, CampaignPlan.campaign_id == Campaign.id)
        .where(
            Campaign.incident_id == incident.id,
            CampaignPlan.state != "planned",
            CampaignDay.day >= start,
            CampaignDay.day <= end,
        )
        .order_by(CampaignDay.day, Campaign.id)
    ):
        counts = {"mail": mail, "sms": sms, "letter": letter}
        sent = [c for c, n in counts.items() if n]
        if not sent:
            continue
        names = {"mail": "メール", "sms": "SMS", "letter": "郵送"}
        note = "計画送信（" + "・".join(f"{names[c]} {counts[c]:,}通" for c in sent) + "）"
        events[day].append(Event(day, sent[0], note))
    return dict(events)


# --- totals ---------------------------------------------------------------------------------


def _sum(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _rate(rows: list[DayRow]) -> float | None:
    both = [r for r in rows if r.offered is not None and r.answered is not None]
    offered = sum(r.offered or 0 for r in both)
    return sum(r.answered or 0 for r in both) / offered if offered else None


def weekly_totals(table: DailyTable) -> list[PeriodTotal]:
    """The table's totals per week (Monday to Sunday; the first and last may be partial)."""
    weeks: dict[date, list[DayRow]] = defaultdict(list)
    for row in table.rows:
        weeks[row.day - timedelta(days=row.day.weekday())].append(row)
    return [
        PeriodTotal(
            start=rows[0].day,
            end=rows[-1].day,
            days=len(rows),
            offered=_sum(r.offered for r in rows),
            answered=_sum(r.answered for r in rows),
            answer_rate=_rate(rows),
            categories={c: _sum(r.categories.get(c) for r in rows) for c in table.categories},
            events=sum(len(r.events) for r in rows),
        )
        for _, rows in sorted(weeks.items())
    ]


def category_totals(table: DailyTable) -> list[CategoryTotal]:
    """Each category's total over the table, its share and its count per answered call."""
    counts = {c: _sum(r.categories.get(c) for r in table.rows) for c in table.categories}
    everything = sum(v for v in counts.values() if v is not None)
    totals = []
    for name in table.categories:
        counted = [r for r in table.rows if r.categories.get(name) is not None]
        answered = sum(r.answered for r in counted if r.answered is not None)
        count = counts[name]
        totals.append(
            CategoryTotal(
                name=name,
                count=count,
                days_counted=len(counted),
                share=count / everything if count is not None and everything else None,
                per_answered=count / answered if count is not None and answered else None,
            )
        )
    return totals


# --- formatting (CSV and the terminal) ------------------------------------------------------


def parse_day(text: str) -> date:
    """A day from the command line or a query string (`inquiries.day_input.parse_day`:
    ``2022-07-29``, ``2022/7/29``, ``2022年7月29日`` …)."""
    return day_input.parse_day(text)


def header(table: DailyTable, *, japanese: bool = False) -> list[str]:
    """The column names: date, offered, answered, answer_rate, the categories, events (the
    machine header of the CLI contract), or their Japanese names for people."""
    columns = [*COLUMNS, *table.categories, "events"]
    return column_labels(columns) if japanese else columns


def cells(table: DailyTable, *, missing: str = "", japanese: bool = False) -> list[list[str]]:
    """Each row as text: ISO date, counts, the rate to 3 decimals, `missing` for `None`; the
    events with their channel code, or its Japanese label for people."""

    def event(e: Event) -> str:
        return f"{label('channel', e.channel) if japanese else e.channel}: {e.note}"

    def show(value: int | None) -> str:
        return missing if value is None else str(value)

    return [
        [
            row.day.isoformat(),
            show(row.offered),
            show(row.answered),
            missing if row.answer_rate is None else f"{row.answer_rate:.3f}",
            *(show(row.categories.get(c)) for c in table.categories),
            " / ".join(event(e) for e in row.events),
        ]
        for row in table.rows
    ]


def to_csv(table: DailyTable, *, japanese: bool = False) -> str:
    """The table as CSV (the `breachdesk report daily --csv` contract); empty cells = unknown.
    `japanese` gives the header and event channels in Japanese (the web download, `--labels
    ja`) for people opening it in a spreadsheet."""
    return csv_text([header(table, japanese=japanese), *cells(table, japanese=japanese)])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_text(table: DailyTable, *, japanese: bool = False) -> str:
    """The table aligned for a terminal (full-width characters count two columns; `-` = not
    counted)."""
    rows = [header(table, japanese=japanese), *cells(table, missing="-", japanese=japanese)]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        padded = [
            " " * (w - _width(v)) + v if i else v + " " * (w - _width(v))
            for i, (v, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


__all__ = [
    "PHONE",
    "CategoryTotal",
    "PeriodTotal",
    "category_totals",
    "cells",
    "daily_table",
    "header",
    "parse_day",
    "to_csv",
    "to_text",
    "weekly_totals",
]
