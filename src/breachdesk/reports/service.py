"""Report inputs gathered from the database: the regulator draft's and the staffing table's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import Inquiry
from breachdesk.kb.service import describe_incident, get_incident, list_entries
from breachdesk.reports.daily import daily_table
from breachdesk.reports.regulator import DeskTotals, RegulatorInputs
from breachdesk.reports.staffing import DayStaffing, staffing_for_day


def regulator_inputs(
    db: Database, slug: str, *, discovered_on: date | None, unauthorised_access: bool
) -> RegulatorInputs:
    """The incident's facts, its notice passages by heading, the desk's totals and campaigns."""
    incident = describe_incident(db, slug)
    passages = [
        (e.section.split(" > ")[-1] if e.section else e.question, e.answer)
        for e in list_entries(db, slug)
        if e.kind in ("passage", "note")
    ]
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
    )


@dataclass(frozen=True)
class StaffingRow:
    day: date
    staffing: DayStaffing


def staffing_table(
    db: Database,
    slug: str,
    *,
    target: float = 0.9,
    aht: float = 300.0,
    hours_open: int = 8,
    patience: float = 60.0,
) -> list[StaffingRow]:
    """Each counted day: the answer rate, the agents it implies and what the target needs."""
    return [
        StaffingRow(
            r.day,
            staffing_for_day(
                r.offered,
                r.answered,
                target=target,
                aht=aht,
                hours_open=hours_open,
                patience=patience,
            ),
        )
        for r in daily_table(db, slug).rows
        if r.offered and r.answered is not None
    ]
