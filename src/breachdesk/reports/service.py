"""Report inputs gathered from the database: the regulator draft's and the staffing table's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from statistics import median

from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import Inquiry
from breachdesk.errors import InvalidInputError
from breachdesk.inquiries.campaigns import CampaignView, list_campaigns
from breachdesk.inquiries.dates import check_day
from breachdesk.inquiries.desk_days import desk_days
from breachdesk.kb.contacts import JST
from breachdesk.kb.service import describe_incident, get_incident, list_entries
from breachdesk.labels import label
from breachdesk.reports.daily import daily_table
from breachdesk.reports.forecast import ForecastDay, forecast_after
from breachdesk.reports.model import DailyTable, DayRow
from breachdesk.reports.notice_facts import notice_facts
from breachdesk.reports.regulator import DeskTotals, RegulatorInputs
from breachdesk.reports.staffing import (
    PLAN_HEADER,
    STAFFING_HEADER,
    Assumptions,
    DayStaffing,
    staffing_cells,
    staffing_for_day,
)
from breachdesk.spreadsheet import csv_text


def regulator_inputs(
    db: Database,
    slug: str,
    *,
    discovered_on: date | None,
    unauthorised_access: bool | None = None,
    today: date | None = None,
) -> RegulatorInputs:
    """The incident's facts, its notice passages by heading, the desk's totals and campaigns.
    `unauthorised_access` None reads it from the notice; `today` (default: today in JST) is the
    day past deadlines are warned about. A `discovered_on` outside the plausible window is
    refused (its due dates would overflow)."""
    if discovered_on is not None:
        check_day(discovered_on, where="discovered")
    incident = describe_incident(db, slug)
    entries = list_entries(db, slug)
    passages = [
        (e.section.split(" > ")[-1] if e.section else e.question, e.answer)
        for e in entries
        if e.kind in ("passage", "note")
    ]
    # The notice's own sentences first, then the FAQ's answers (a FAQ may state the cause).
    stated = notice_facts(
        [text for _, text in passages]
        + [e.answer for e in entries if e.kind not in ("passage", "note")]
    )
    table = daily_table(db, slug)
    offered = [r.offered for r in table.rows if r.offered is not None]
    answered = [r.answered for r in table.rows if r.answered is not None]
    with db.read() as s:
        incident_id = get_incident(s, slug).id
        fraud = s.scalar(
            select(func.count())
            .select_from(Inquiry)
            .where(Inquiry.incident_id == incident_id, Inquiry.fraud_report.is_(True))
        )
    imported_fraud = sum(r.categories.get("不正利用") or 0 for r in table.rows)
    totals = DeskTotals(
        days=len(table.rows),
        offered=sum(offered) if offered else None,
        answered=sum(answered) if answered else None,
        fraud_reports=(fraud or 0) or imported_fraud or None,
    )
    return RegulatorInputs(
        incident_name=incident.name,
        organisation=incident.organisation,
        discovered_on=discovered_on,
        unauthorised_access=unauthorised_access,
        facts=incident.facts,
        passages=passages,
        totals=totals if table.rows else None,
        campaigns=table.events,
        notice=stated,
        today=today or datetime.now(JST).date(),
    )


@dataclass(frozen=True)
class StaffingRow:
    day: date
    staffing: DayStaffing


def staffing_table(
    db: Database,
    slug: str,
    assumptions: Assumptions | None = None,
    *,
    agents: int | None = None,
    lines: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[StaffingRow]:
    """Each counted day: the answer rate, the agents it implies, what the target needs, and
    what `agents` on `lines` lines (default: one per agent), when given, would have done."""
    table = daily_table(db, slug, start=start, end=end)
    return staffing_rows(table, assumptions, agents=agents, lines=lines)


def staffing_rows(
    table: DailyTable,
    assumptions: Assumptions | None = None,
    *,
    agents: int | None = None,
    lines: int | None = None,
) -> list[StaffingRow]:
    """`staffing_table` over a daily table already read."""
    if agents is not None and lines is None:
        lines = agents  # a plan's agents each have a line unless told otherwise
    return [
        StaffingRow(
            r.day,
            staffing_for_day(r.offered, r.answered, assumptions, agents=agents, lines=lines),
        )
        for r in table.rows
        if r.offered and r.answered is not None
    ]


def staffing_csv(rows: list[StaffingRow], *, japanese: bool = False) -> str:
    """The staffing table as CSV, with the plan's columns when it has one; `japanese` names
    the columns in Japanese (the console's download, for people)."""
    planned = any(r.staffing.plan is not None for r in rows)
    head = (STAFFING_HEADER + (PLAN_HEADER if planned else "")).split(",")
    if japanese:
        head = [label("staffing", column) for column in head]
    return csv_text([head, *(staffing_cells(r.day, r.staffing) for r in rows)])


@dataclass(frozen=True)
class ForecastRow:
    day: ForecastDay
    agents_needed: int | None
    closed: bool = False
    """The desk's published days say it is closed (no calls taken, no agents needed)."""


def next_planned_campaign(db: Database, slug: str, *, today: date | None = None) -> CampaignView:
    """The first campaign recorded after `today` (default: today in JST), the one a forecast
    is usually for; `InvalidInputError` when none is."""
    day = today or datetime.now(JST).date()
    planned = [c for c in list_campaigns(db, slug) if c.sent_on > day]
    if not planned:
        raise InvalidInputError(
            "今日より後に予定されたキャンペーンがありません（--on で予定日を指定してください）",
            where="on",
        )
    return planned[0]


def forecast_table(
    db: Database,
    slug: str,
    *,
    on: date,
    days: int = 14,
    audience: int | None = None,
    assumptions: Assumptions | None = None,
) -> tuple[DailyTable, list[ForecastRow]]:
    """The calls expected after a campaign planned for `on`, read from how the incident's
    earlier campaigns played out, each day with the agents its expected calls need.

    Scaled by audience when `audience` is given and earlier campaigns recorded theirs (their
    median). The desk's published days are kept (`inquiries.desk_days`): past days it was
    closed are not read as quiet days, and a forecast day it is closed takes no calls — the
    calls it would have had are added to the next open day — and needs no agents."""
    a = assumptions or Assumptions()
    table = daily_table(db, slug)
    is_open = desk_days(db, slug)
    history = replace(
        table,
        rows=[
            r
            if is_open(r.day)
            else DayRow(r.day, None, None, dict.fromkeys(r.categories), r.events)
            for r in table.rows
        ],
    )
    past = [c.audience for c in list_campaigns(db, slug) if c.audience and c.sent_on < on]
    past_audience = int(median(past)) if past else None
    days_ = forecast_after(history, on, days, audience=audience, past_audience=past_audience)
    rows: list[ForecastRow] = []
    held = (0.0, 0.0, 0.0)
    for d in days_:
        if not is_open(d.day):
            held = (held[0] + d.expected, held[1] + d.low, held[2] + d.high)
            rows.append(ForecastRow(ForecastDay(d.day, 0.0, 0.0, 0.0), None, closed=True))
            continue
        day = ForecastDay(d.day, d.expected + held[0], d.low + held[1], d.high + held[2])
        held = (0.0, 0.0, 0.0)
        rows.append(ForecastRow(day, a.agents_needed(day.expected)))
    return table, rows


def forecast_csv(rows: list[ForecastRow]) -> str:
    """The forecast as CSV: date, expected, low, high, agents_needed."""
    return csv_text(
        [
            ["date", "expected", "low", "high", "agents_needed"],
            *(
                [
                    str(r.day.day),
                    f"{r.day.expected:.1f}",
                    f"{r.day.low:.1f}",
                    f"{r.day.high:.1f}",
                    str(r.agents_needed or ""),
                ]
                for r in rows
            ),
        ]
    )
