"""The inquiry desk and its reports under /api/v1 (API tokens or a console session)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, BeforeValidator, Field

from breachdesk.errors import InvalidInputError
from breachdesk.inquiries import campaigns as campaign_service
from breachdesk.inquiries import service as inquiries
from breachdesk.inquiries.calllog import import_call_log
from breachdesk.inquiries.day_input import parse_moment
from breachdesk.notify.plan import is_planned
from breachdesk.reports import daily
from breachdesk.reports.service import forecast_table, staffing_table
from breachdesk.reports.staffing import Assumptions
from breachdesk.web.api import ERRORS, Id, Limit, Offset, Page, Slug
from breachdesk.web.automation import Editor, Reader, Reviewer, actor_of
from breachdesk.web.deps import DeskDep
from breachdesk.web.security import InquiryReader
from breachdesk.web.uploads import saved_upload

router = APIRouter(prefix="/api/v1", tags=["desk"])

Day = Annotated[date | None, Query(description="A day, YYYY-MM-DD.")]


def _typed_moment(value: object) -> object:
    """A received time as people type it, through the one date-time parser (ISO 8601 too)."""
    if isinstance(value, str):
        try:
            return parse_moment(value, where="received_at", field="受付日時")
        except InvalidInputError as exc:
            raise ValueError(exc.reason) from exc
    return value


class InquiryIn(BaseModel):
    channel: Literal["phone", "mail", "web", "sms", "letter", "counter"]
    outcome: Literal["answered", "busy", "callback", "escalated"]
    received_at: Annotated[datetime | None, BeforeValidator(_typed_moment)] = Field(
        default=None,
        description="When the call (mail, letter…) was received: ISO 8601 or as an operator "
        "types it (2026/9/3 10:15, 2026年9月3日 10時15分, 令和8年9月3日 午後3時); without an "
        "offset, Japan time; default now. A time in the future (beyond five minutes of clock "
        "difference) or before 2000 is refused.",
    )
    duration_seconds: int | None = Field(default=None, ge=0, le=86_400)
    category: str | None = Field(default=None, max_length=100)
    fraud_report: bool = False
    note: str = Field(default="", max_length=4000, description="Redacted before it is stored.")
    entry: str | None = Field(default=None, max_length=40)


class InquiryOut(BaseModel):
    id: int
    channel: str
    received_at: datetime
    day: date
    outcome: str
    handled_by: str | None
    duration_seconds: int | None
    category: str | None
    fraud_report: bool
    note: str
    entry: str | None
    entry_version: int | None


class CampaignIn(BaseModel):
    channel: Literal["mail", "sms", "letter", "web"]
    sent_on: date
    audience: int | None = Field(default=None, ge=0, le=1_000_000_000)
    note: str = Field(default="", max_length=2000)
    follows: int | None = Field(default=None, ge=1, le=2**31 - 1)


class CampaignOut(BaseModel):
    id: int
    channel: str
    sent_on: date
    audience: int | None
    note: str
    follows: int | None
    delivered: int
    bounced: int


class EventOut(BaseModel):
    channel: str
    note: str


class DayOut(BaseModel):
    date: date
    offered: int | None
    answered: int | None
    answer_rate: float | None
    categories: dict[str, int | None]
    events: list[EventOut]


class DailyOut(BaseModel):
    incident: str
    categories: list[str]
    days: list[DayOut]
    notes: list[str] = Field(
        default=[], description="What the table left out and why (rows with implausible dates)."
    )


class PeriodOut(BaseModel):
    start: date
    end: date
    days: int
    offered: int | None
    answered: int | None
    answer_rate: float | None
    categories: dict[str, int | None]
    events: int


class CategoryOut(BaseModel):
    name: str
    count: int | None
    days_counted: int
    share: float | None


def _inquiry(v: inquiries.InquiryView) -> InquiryOut:
    return InquiryOut(
        id=v.id,
        channel=v.channel,
        received_at=v.received_at,
        day=v.day,
        outcome=v.outcome,
        handled_by=v.handled_by,
        duration_seconds=v.duration_seconds,
        category=v.category,
        fraud_report=v.fraud_report,
        note=v.note,
        entry=v.entry,
        entry_version=v.entry_version,
    )


@router.post("/incidents/{slug}/inquiries", status_code=201, responses=ERRORS)
def log_inquiry(
    slug: Slug, body: InquiryIn, request: Request, desk: DeskDep, who: Reviewer
) -> InquiryOut:
    """Log a call, mail, letter… (operators and up); the note is redacted on save."""
    view = inquiries.log_inquiry(
        desk.db,
        slug,
        inquiries.InquiryInput(
            channel=body.channel,
            outcome=body.outcome,
            received_at=body.received_at,
            handled_by=who.name,
            duration_seconds=body.duration_seconds,
            category=body.category,
            fraud_report=body.fraud_report,
            note=body.note,
            entry=body.entry,
            source="api",
        ),
        by=actor_of(request, who),
    )
    return _inquiry(view)


@router.get("/incidents/{slug}/inquiries", responses=ERRORS)
def list_inquiries(
    slug: Slug,
    desk: DeskDep,
    who: InquiryReader,
    day: Day = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[InquiryOut]:
    """Inquiries, newest first (notes as stored: redacted)."""
    rows, total = inquiries.list_inquiries(desk.db, slug, day=day, limit=limit, offset=offset)
    return Page(items=[_inquiry(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/incidents/{slug}/campaigns", responses=ERRORS)
def list_campaigns(slug: Slug, desk: DeskDep, who: Reader) -> list[CampaignOut]:
    """Campaigns with their delivery counts."""
    return [
        CampaignOut(
            id=c.id,
            channel=c.channel,
            sent_on=c.sent_on,
            audience=c.audience,
            note=c.note,
            follows=c.follows,
            delivered=c.delivered,
            bounced=c.bounced,
        )
        for c in campaign_service.list_campaigns(desk.db, slug)
    ]


@router.post("/incidents/{slug}/campaigns", status_code=201, responses=ERRORS)
def add_campaign(
    slug: Slug, body: CampaignIn, request: Request, desk: DeskDep, who: Editor
) -> CampaignOut:
    """Record a campaign (editors)."""
    c = campaign_service.add_campaign(
        desk.db,
        slug,
        channel=body.channel,
        sent_on=body.sent_on,
        audience=body.audience,
        note=body.note,
        follows=body.follows,
        by=actor_of(request, who),
    )
    return CampaignOut(
        id=c.id,
        channel=c.channel,
        sent_on=c.sent_on,
        audience=c.audience,
        note=c.note,
        follows=c.follows,
        delivered=0,
        bounced=0,
    )


class CallLogOut(BaseModel):
    file_name: str
    calls: int
    answered: int
    busy: int
    other: int


class DeliveryOut(BaseModel):
    delivered: int
    bounced: int


UploadedFile = Annotated[UploadFile, File(description="The file, as multipart form data.")]


@router.post("/incidents/{slug}/calls", status_code=201, responses=ERRORS)
def import_calls(
    slug: Slug, file: UploadedFile, request: Request, desk: DeskDep, who: Editor
) -> CallLogOut:
    """Import a phone system's call log (CSV or XLSX, one row per call): all rows or none; a
    bad file is a 422 naming every bad row."""

    with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
        r = import_call_log(desk.db, slug, saved.path, name=saved.name, by=actor_of(request, who))
    return CallLogOut(
        file_name=r.file_name, calls=r.calls, answered=r.answered, busy=r.busy, other=r.other
    )


@router.post("/incidents/{slug}/campaigns/{campaign_id}/results", responses=ERRORS)
def import_campaign_results(
    slug: Slug,
    campaign_id: Id,
    file: UploadedFile,
    request: Request,
    desk: DeskDep,
    who: Editor,
) -> DeliveryOut:
    """Import the mail/SMS vendor's CSV of delivery results (recipient and status columns).
    For a campaign planned from the register, bounces move people down its chain."""
    if is_planned(desk.db, campaign_id):
        desk.notify.plan_of(slug, campaign_id)  # 404 for another incident's
        with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
            done = desk.notify.import_results(
                campaign_id, saved.path, name=saved.name, by=actor_of(request, who)
            )
        return DeliveryOut(delivered=done.delivered, bounced=done.bounced)
    with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
        delivered, bounced = campaign_service.import_delivery_results(
            desk.db,
            campaign_id,
            saved.path,
            slug=slug,
            name=saved.name,
            by=actor_of(request, who),
        )
    return DeliveryOut(delivered=delivered, bounced=bounced)


@router.get(
    "/incidents/{slug}/campaigns/{campaign_id}/bounced",
    response_class=Response,
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
)
def bounced(slug: Slug, campaign_id: Id, request: Request, desk: DeskDep, who: Editor) -> Response:
    """The bounced recipients as CSV (`recipient,reason`), the next campaign's audience.
    Personal data: editors only, and every export is audited."""
    body = campaign_service.export_bounced(
        desk.db, campaign_id, slug=slug, by=actor_of(request, who)
    )
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Cache-Control": "no-store"}
    )


@router.get("/incidents/{slug}/reports/daily", responses=ERRORS)
def daily_report(
    slug: Slug,
    desk: DeskDep,
    who: Reader,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    format: Literal["json", "csv"] = "json",
) -> DailyOut:
    """The daily table: offered, answered, answer rate, per category, campaign events."""
    table = daily.daily_table(desk.db, slug, start=start, end=end)
    if format == "csv":
        return Response(  # type: ignore[return-value]
            daily.to_csv(table), media_type="text/csv; charset=utf-8"
        )
    return DailyOut(
        incident=table.incident,
        categories=table.categories,
        days=[
            DayOut(
                date=r.day,
                offered=r.offered,
                answered=r.answered,
                answer_rate=r.answer_rate,
                categories=r.categories,
                events=[EventOut(channel=e.channel, note=e.note) for e in r.events],
            )
            for r in table.rows
        ],
        notes=table.notes,
    )


@router.get("/incidents/{slug}/reports/weekly", responses=ERRORS)
def weekly_report(slug: Slug, desk: DeskDep, who: Reader) -> list[PeriodOut]:
    """Totals and answer rate per week (Monday to Sunday)."""
    table = daily.daily_table(desk.db, slug)
    return [
        PeriodOut(
            start=w.start,
            end=w.end,
            days=w.days,
            offered=w.offered,
            answered=w.answered,
            answer_rate=w.answer_rate,
            categories=w.categories,
            events=w.events,
        )
        for w in daily.weekly_totals(table)
    ]


@router.get("/incidents/{slug}/reports/categories", responses=ERRORS)
def category_report(slug: Slug, desk: DeskDep, who: Reader) -> list[CategoryOut]:
    """Totals per category over the whole table, with each one's share."""
    table = daily.daily_table(desk.db, slug)
    return [
        CategoryOut(name=c.name, count=c.count, days_counted=c.days_counted, share=c.share)
        for c in daily.category_totals(table)
    ]


class PlanOut(BaseModel):
    agents: int
    lines: int | None
    answer_rate: float
    busy: float
    abandoned: float


class StaffingDayOut(BaseModel):
    date: date
    offered: int
    answered: int
    answer_rate: float
    implied_agents: float | None
    agents_needed: int | None
    lines_needed: int | None
    plan: PlanOut | None


class StaffingOut(BaseModel):
    assumptions: str
    days: list[StaffingDayOut]


class ForecastDayOut(BaseModel):
    date: date
    expected: float
    low: float
    high: float
    agents_needed: int | None


Target = Annotated[float, Query(gt=0, lt=1, description="Target answer rate.")]
Aht = Annotated[float, Query(ge=1, le=36_000, description="Mean handling time, seconds.")]
Hours = Annotated[int | None, Query(ge=1, le=24, description="Open hours (default 8).")]
Patience = Annotated[float, Query(ge=1, le=36_000, description="Mean patience, seconds.")]
Profile = Annotated[
    str | None, Query(max_length=200, description='Weights per open hour, "1,2,3,…".')
]


@router.get("/incidents/{slug}/reports/staffing", responses=ERRORS)
def staffing_report(
    slug: Slug,
    desk: DeskDep,
    who: Reader,
    target: Target = 0.9,
    aht: Aht = 300.0,
    hours: Hours = None,
    patience: Patience = 60.0,
    profile: Profile = None,
    agents: Annotated[int | None, Query(ge=1, le=500)] = None,
    lines: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> StaffingOut:
    """Per counted day: the answer rate, the agents it implies, the agents and lines the target
    needs, and with `agents` (and `lines`, default one per agent) what that plan would give."""
    a = Assumptions.from_inputs(target, aht, hours, patience, profile)
    rows = staffing_table(desk.db, slug, a, agents=agents, lines=lines)
    return StaffingOut(
        assumptions=a.describe(),
        days=[
            StaffingDayOut(
                date=r.day,
                offered=r.staffing.offered,
                answered=r.staffing.answered,
                answer_rate=r.staffing.answer_rate,
                implied_agents=r.staffing.implied_agents,
                agents_needed=r.staffing.agents_needed,
                lines_needed=r.staffing.lines_needed,
                plan=None if r.staffing.plan is None else PlanOut(**vars(r.staffing.plan)),
            )
            for r in rows
        ],
    )


@router.get("/incidents/{slug}/reports/forecast", responses=ERRORS)
def forecast_report(
    slug: Slug,
    desk: DeskDep,
    who: Reader,
    on: Annotated[date, Query(description="Day of the planned campaign.")],
    days: Annotated[int, Query(ge=1, le=120)] = 14,
    audience: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
    target: Target = 0.9,
    aht: Aht = 300.0,
    hours: Hours = None,
    patience: Patience = 60.0,
    profile: Profile = None,
) -> list[ForecastDayOut]:
    """Calls expected after a planned campaign, from the incident's earlier campaigns, each day
    with the agents its expected calls need for the target."""
    a = Assumptions.from_inputs(target, aht, hours, patience, profile)
    _, rows = forecast_table(desk.db, slug, on=on, days=days, audience=audience, assumptions=a)
    return [
        ForecastDayOut(
            date=r.day.day,
            expected=r.day.expected,
            low=r.day.low,
            high=r.day.high,
            agents_needed=r.agents_needed,
        )
        for r in rows
    ]
