"""Campaigns planned from the register under /api/v1/incidents/{slug}/campaigns/… (API tokens
or a console session): templates (list, draft, approve, preview), plan (with the approved
templates), approve, send (a background job: 202 and the status URL), status (the CLI's
`campaign status --json`, and whether a send runs in this worker), the unreachable (masked,
audited).

Permissions as on the console: editors draft, plan and send; admins approve; operators read
the unreachable list; everyone signed in reads templates, plans and status.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from breachdesk.notify.jobs import SendJobs, start_send
from breachdesk.notify.plan import MAX_CAP, PlanView
from breachdesk.notify.templates import MAX_TEMPLATE_CHARS, TemplateView
from breachdesk.web.api import ERRORS, Id, Slug
from breachdesk.web.automation import Admin, Editor, Reader, Reviewer, actor_of
from breachdesk.web.deps import DeskDep

router = APIRouter(prefix="/api/v1", tags=["campaigns"])

ChannelName = Literal["mail", "sms", "letter"]


def send_jobs(request: Request) -> SendJobs:
    """This worker's send jobs (`create_app` makes one registry per app)."""
    jobs: SendJobs = request.app.state.send_jobs
    return jobs


class TemplateIn(BaseModel):
    channel: ChannelName
    text: str = Field(
        min_length=1,
        max_length=MAX_TEMPLATE_CHARS,
        description="The template; a mail's first line `件名：…` is its subject. Placeholders: "
        "{name} {items} {check_url} {desk} {code}; {{ and }} are literal braces.",
    )


class TemplateOut(BaseModel):
    id: int
    channel: str
    version: int
    subject: str
    body: str
    status: str = Field(description="draft or approved.")
    created_by: str
    approved_by: str | None


class PreviewOut(BaseModel):
    template: int
    channel: str
    person: int = Field(description="The register person rendered (their values masked).")
    subject: str
    text: str
    chars: int


class PlanIn(BaseModel):
    chain: list[ChannelName] = Field(
        min_length=1, max_length=3, description="Channels in order, e.g. [mail, sms, letter]."
    )
    audience: Literal["all", "unreached", "unredeemed"] = "all"
    start: date
    max_calls_per_day: int | None = Field(default=None, ge=1, le=MAX_CAP)
    agents: int | None = Field(
        default=None,
        ge=1,
        le=500,
        description="Instead of a cap: what this many agents answer a day (staffing model).",
    )


class DayOut(BaseModel):
    date: date
    mail: int
    sms: int
    letter: int
    forecast_calls: float


class PlanOut(BaseModel):
    """`breachdesk campaign plan --json`, and the plan's state and templates."""

    campaign: int
    state: str
    chain: list[str]
    audience: str
    people: int
    unreachable: int = Field(description="People no channel of the chain can reach.")
    max_calls_per_day: int | None
    templates: dict[str, int]
    days: list[DayOut]


class SendStarted(BaseModel):
    campaign: int
    status_url: str


class StatusOut(BaseModel):
    """`breachdesk campaign status ID --json`, plus this worker's send job."""

    campaign: int
    state: str
    people: int
    sent: dict[str, int]
    bounced: dict[str, int]
    pending: int
    unreachable: int
    running: bool = Field(description="A send of this campaign runs in this worker.")
    error: str | None = Field(description="Why this worker's last send stopped, if it failed.")


class UnreachableOut(BaseModel):
    person: int
    masked: dict[str, str]
    outcome: dict[str, str] = Field(description="Each channel of the chain: what happened.")


def template_out(t: TemplateView) -> TemplateOut:
    return TemplateOut(
        id=t.id,
        channel=t.channel,
        version=t.version,
        subject=t.subject,
        body=t.body,
        status=t.status,
        created_by=t.created_by,
        approved_by=t.approved_by,
    )


def plan_out(view: PlanView) -> PlanOut:
    data = view.as_json()
    data.pop("incident")
    return PlanOut(**data)


@router.get("/incidents/{slug}/campaigns/templates", responses=ERRORS)
def list_templates(slug: Slug, desk: DeskDep, who: Reader) -> list[TemplateOut]:
    """Every version of the incident's campaign templates, by channel and version."""
    return [template_out(t) for t in desk.notify.list_templates(slug)]


@router.post("/incidents/{slug}/campaigns/templates", status_code=201, responses=ERRORS)
def draft_template(
    slug: Slug, body: TemplateIn, request: Request, desk: DeskDep, who: Editor
) -> TemplateOut:
    """Draft a new version (checked: a bad placeholder is refused with its line and column;
    an SMS with its worst-case length); the same text as the latest version returns it."""
    view = desk.notify.draft_template(
        slug, body.channel, body.text, by=actor_of(request, who), where=body.channel
    )
    return template_out(view)


@router.post("/incidents/{slug}/campaigns/templates/{template_id}/approve", responses=ERRORS)
def approve_template(
    slug: Slug, template_id: Id, request: Request, desk: DeskDep, who: Admin
) -> TemplateOut:
    """Approve a drafted version: plans use the latest approved version of each channel."""
    desk.notify.template_of(slug, template_id)
    return template_out(desk.notify.approve_template(template_id, by=actor_of(request, who)))


@router.post("/incidents/{slug}/campaigns/templates/{template_id}/preview", responses=ERRORS)
def preview_template(
    slug: Slug, template_id: Id, request: Request, desk: DeskDep, who: Editor
) -> PreviewOut:
    """The version rendered for the register's first person, their values masked (audited)."""
    desk.notify.template_of(slug, template_id)
    shown = desk.notify.preview(template_id, by=actor_of(request, who))
    return PreviewOut(
        template=shown.template,
        channel=shown.channel,
        person=shown.person,
        subject=shown.subject,
        text=shown.text,
        chars=shown.chars,
    )


@router.post("/incidents/{slug}/campaigns/plan", status_code=201, responses=ERRORS)
def plan_campaign(
    slug: Slug, body: PlanIn, request: Request, desk: DeskDep, who: Editor
) -> PlanOut:
    """Plan a campaign from the register with the latest approved template of each channel
    of the chain; the per-day sends and forecast calls come back before anyone approves."""
    view = desk.notify.plan_approved(
        slug,
        chain=list(body.chain),
        start=body.start,
        audience=body.audience,
        max_calls_per_day=body.max_calls_per_day,
        agents=body.agents,
        by=actor_of(request, who),
    )
    return plan_out(view)


@router.get("/incidents/{slug}/campaigns/{campaign_id}/plan", responses=ERRORS)
def get_plan(slug: Slug, campaign_id: Id, desk: DeskDep, who: Reader) -> PlanOut:
    """A planned campaign: its state, chain, and per-day sends and forecast calls."""
    return plan_out(desk.notify.plan_of(slug, campaign_id))


@router.post("/incidents/{slug}/campaigns/{campaign_id}/approve", responses=ERRORS)
def approve_campaign(
    slug: Slug, campaign_id: Id, request: Request, desk: DeskDep, who: Admin
) -> PlanOut:
    """Approve a plan (and its templates); 409 when it is approved already."""
    desk.notify.plan_of(slug, campaign_id)
    return plan_out(desk.notify.approve(campaign_id, by=actor_of(request, who)))


@router.post(
    "/incidents/{slug}/campaigns/{campaign_id}/send",
    status_code=202,
    responses={**ERRORS, 202: {"model": SendStarted}},
)
def send_campaign(
    slug: Slug, campaign_id: Id, request: Request, desk: DeskDep, who: Editor
) -> JSONResponse:
    """Start sending what is due today in the background; poll the status URL. Sending again
    resumes a stopped send and sends nobody twice; 409 before approval or while one runs."""
    start_send(send_jobs(request), desk.notify, slug, campaign_id, by=actor_of(request, who))
    started = SendStarted(
        campaign=campaign_id,
        status_url=f"/api/v1/incidents/{slug}/campaigns/{campaign_id}/status",
    )
    return JSONResponse(
        started.model_dump(), status_code=202, headers={"Location": started.status_url}
    )


@router.get("/incidents/{slug}/campaigns/{campaign_id}/status", responses=ERRORS)
def campaign_status(
    slug: Slug, campaign_id: Id, request: Request, desk: DeskDep, who: Reader
) -> StatusOut:
    """Sent and bounced per channel, pending, unreachable (`campaign status --json`)."""
    desk.notify.plan_of(slug, campaign_id)
    status = desk.notify.status(campaign_id)
    job = send_jobs(request).latest(campaign_id)
    return StatusOut(
        **status.as_json(),
        running=job is not None and not job.done,
        error=None if job is None or job.error is None else str(job.error),
    )


@router.get("/incidents/{slug}/campaigns/{campaign_id}/unreachable", responses=ERRORS)
def unreachable(
    slug: Slug, campaign_id: Id, request: Request, desk: DeskDep, who: Reviewer
) -> list[UnreachableOut]:
    """The people no channel reached, masked, for the desk (every read is audited)."""
    desk.notify.plan_of(slug, campaign_id)
    return [
        UnreachableOut(person=p.person, masked=p.masked, outcome=p.outcome)
        for p in desk.notify.unreachable(campaign_id, by=actor_of(request, who))
    ]
