"""Console: campaigns planned from the register, on the キャンペーン tab — the templates
(editors draft, admins approve, a preview with masked values), the plan form with its per-day
forecast shown before anyone approves, and each planned campaign's page (approve, send in the
background, status, the unreachable, the letters' print file, the vendor's results).

Who does what: an editor drafts templates, plans and sends; an admin approves templates and
plans (approval is the gate: once an admin approved a plan, sending it — and resuming it after a
stop — is an editor's routine work). The letters' print file holds names and addresses: only
admins download it, and every download is audited. The unreachable list (masked) is for the
desk: operators read it, audited.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import (
    BreachdeskError,
    ConflictError,
    DocumentFormatError,
    InvalidInputError,
    NotFoundError,
)
from breachdesk.inquiries.campaigns import campaign_of
from breachdesk.inquiries.dates import today_jst
from breachdesk.inquiries.day_input import parse_day
from breachdesk.notify.jobs import start_send
from breachdesk.notify.plan import MAX_CAP, PlanView
from breachdesk.notify.templates import CHANNEL_LABELS, CHANNELS, MAX_TEMPLATE_CHARS, TemplateView
from breachdesk.web.api import Id
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import (
    Admin,
    Editor,
    Reader,
    Reviewer,
    Slug,
    incident_context,
    redirect,
    render,
    slug_url,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.notify_api import send_jobs

router = APIRouter()

PLACEHOLDER_LABELS = {
    "name": "その方の氏名",
    "items": "その方の漏えいした項目（日本語で「、」区切り）",
    "check_url": "確認ページのURL（全員同じ）",
    "desk": "窓口の名前・電話番号・受付時間",
    "code": "その方の補償コード（使うと計画時に一人一つ割り当てます）",
}
AUDIENCE_LABELS = {
    "all": "全員",
    "unreached": "未到達の方（これまでの計画キャンペーンで届いていない方）",
    "unredeemed": "補償コード未利用の方",
}
STATE_LABELS = {
    "planned": "計画（承認待ち）",
    "approved": "承認済み・未送信",
    "sending": "送信中・未送信あり",
    "done": "送信完了",
}
STATE_BADGES = {"planned": "draft", "approved": "answered", "sending": "pending", "done": "served"}
TEMPLATE_STATES = {"draft": "下書き・承認待ち", "approved": "承認済み"}
Text = Annotated[str, Form(max_length=MAX_TEMPLATE_CHARS * 2)]
Channel = Annotated[Literal["mail", "sms", "letter"], Form()]
ChainStep = Annotated[Literal["", "mail", "sms", "letter"], Form()]
PLAN_FIELDS = {"templates": "chain"}
"""The core's `where` of a plan refusal → the form field it is shown beside."""


def template_text(t: TemplateView) -> str:
    """A version's text as an editor types it (a mail's subject back on its 件名 line)."""
    return (f"件名：{t.subject}\n" if t.subject else "") + t.body


def _templates_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    *,
    typed: dict[str, str] | None = None,
    error: BreachdeskError | None = None,
    error_channel: str | None = None,
    preview: Any = None,
) -> Response:
    context: dict[str, Any] = incident_context(desk, slug, "campaigns")
    notify = desk.notify
    versions = notify.list_templates(slug)
    by_channel = {c: [t for t in reversed(versions) if t.channel == c] for c in CHANNELS}
    approved = notify.approved_templates(slug)
    sms_lengths = {t.id: notify.sms_length(slug, template_text(t)) for t in by_channel["sms"]}
    texts = {c: (template_text(by_channel[c][0]) if by_channel[c] else "") for c in CHANNELS}
    context |= {
        "channels": CHANNEL_LABELS,
        "by_channel": by_channel,
        "in_use": {t.id for t in approved.values()},
        "sms_lengths": sms_lengths,
        "sms_limit": desk.settings.sms_max_chars,
        "texts": texts | (typed or {}),
        "placeholders": PLACEHOLDER_LABELS,
        "template_states": TEMPLATE_STATES,
        "error": None if error is None else _said(error),
        "error_channel": error_channel,
        "preview": preview,
        "max_chars": MAX_TEMPLATE_CHARS,
    }
    status = 422 if error is not None else 200
    return render(request, me, "console/notify_templates.html", context, status=status)


def _said(error: BreachdeskError) -> str:
    """A refusal as the page shows it beside the field: the line and the reason (the reason
    carries the column); never a value."""
    if isinstance(error, DocumentFormatError):
        return f"{error.line} 行目：{error.reason}" if error.line else error.reason
    if isinstance(error, InvalidInputError | ConflictError):
        return error.reason
    return str(error)


@router.get("/i/{slug}/campaigns/templates")
def templates_page(request: Request, slug: Slug, desk: DeskDep, me: Reader) -> Response:
    """Campaign templates per channel: versions, drafting, approval, preview."""
    return _templates_page(request, desk, me, slug)


@router.post("/i/{slug}/campaigns/templates")
def draft_template(
    request: Request, slug: Slug, desk: DeskDep, me: Editor, channel: Channel, text: Text = ""
) -> Response:
    """Draft a new version of a channel's template (checked; an admin approves it)."""
    try:
        view = desk.notify.draft_template(
            slug, channel, text, by=actor_of(request, me), where=f"{channel} の文面"
        )
    except (DocumentFormatError, InvalidInputError) as exc:
        return _templates_page(
            request, desk, me, slug, typed={channel: text}, error=exc, error_channel=channel
        )
    state = TEMPLATE_STATES.get(view.status, view.status)
    return redirect(
        request,
        slug_url(slug, "campaigns", "templates") + f"#channel-{channel}",
        f"{CHANNEL_LABELS[channel]}の文面 第{view.version}版（{state}）を保存しました。",
    )


@router.post("/i/{slug}/campaigns/templates/{template_id}/approve")
def approve_template(
    request: Request, slug: Slug, template_id: Id, desk: DeskDep, me: Admin
) -> Response:
    """Approve a drafted template version."""
    desk.notify.template_of(slug, template_id)
    view = desk.notify.approve_template(template_id, by=actor_of(request, me))
    return redirect(
        request,
        slug_url(slug, "campaigns", "templates") + f"#channel-{view.channel}",
        f"{CHANNEL_LABELS[view.channel]}の文面 第{view.version}版を承認しました。",
    )


@router.post("/i/{slug}/campaigns/templates/{template_id}/preview")
def preview_template(
    request: Request, slug: Slug, template_id: Id, desk: DeskDep, me: Editor
) -> Response:
    """Render a version for the register's first person, with their values masked (audited)."""
    template = desk.notify.template_of(slug, template_id)
    try:
        shown = desk.notify.preview(template_id, by=actor_of(request, me))
    except NotFoundError:
        return redirect(
            request,
            slug_url(slug, "campaigns", "templates"),
            "名簿に対象者がいないため、プレビューできません（名簿を取り込んでください）。",
            kind="error",
        )
    return _templates_page(request, desk, me, slug, preview={"template": template, "shown": shown})


EMPTY_PLAN = {
    "chain": ["mail", "sms", "letter"],
    "audience": "all",
    "start": "",
    "max_calls_per_day": "",
    "agents": "",
}


def _plan_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    *,
    form: dict[str, Any] | None = None,
    error: InvalidInputError | None = None,
) -> Response:
    context: dict[str, Any] = incident_context(desk, slug, "campaigns")
    approved = desk.notify.approved_templates(slug)
    where = None if error is None else (error.where or "")
    context |= {
        "channels": CHANNEL_LABELS,
        "approved": approved,
        "audiences": AUDIENCE_LABELS,
        "form": form or (EMPTY_PLAN | {"start": today_jst().isoformat()}),
        "error": None if error is None else error.reason,
        "error_field": PLAN_FIELDS.get(where or "", where),
        "max_cap": MAX_CAP,
    }
    return render(
        request, me, "console/notify_plan.html", context, status=200 if error is None else 422
    )


@router.get("/i/{slug}/campaigns/plan")
def plan_form(request: Request, slug: Slug, desk: DeskDep, me: Editor) -> Response:
    """The plan form: chain, audience, start day, the desk's daily call cap."""
    return _plan_page(request, desk, me, slug)


def _cap(text: str) -> int | None:
    folded = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not folded:
        return None
    if not folded.isdigit():
        raise InvalidInputError(
            f"1日の入電上限は 1〜{MAX_CAP:,} の整数で入力してください（空欄は上限なし）",
            where="max_calls_per_day",
        )
    return int(folded)


def _agents(text: str) -> int | None:
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        return None
    if not folded.isdigit() or not 1 <= int(folded) <= 500:
        raise InvalidInputError(
            "オペレーターの人数は 1〜500 の整数で入力してください（空欄は指定なし）",
            where="agents",
        )
    return int(folded)


@router.post("/i/{slug}/campaigns/plan")
def plan_campaign(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Editor,
    chain1: ChainStep = "",
    chain2: ChainStep = "",
    chain3: ChainStep = "",
    audience: Annotated[Literal["all", "unreached", "unredeemed"], Form()] = "all",
    start: Annotated[str, Form(max_length=100)] = "",
    max_calls_per_day: Annotated[str, Form(max_length=20)] = "",
    agents: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Plan a campaign with the approved templates; shows its per-day forecast to approve."""
    chain: list[str] = [c for c in (chain1, chain2, chain3) if c]
    typed = {
        "chain": [chain1, chain2, chain3],
        "audience": audience,
        "start": start,
        "max_calls_per_day": max_calls_per_day,
        "agents": agents,
    }
    try:
        view = desk.notify.plan_approved(
            slug,
            chain=chain,
            start=parse_day(start, where="start"),
            audience=audience,
            max_calls_per_day=_cap(max_calls_per_day),
            agents=_agents(agents),
            by=actor_of(request, me),
        )
    except InvalidInputError as exc:
        return _plan_page(request, desk, me, slug, form=typed, error=exc)
    return redirect(
        request,
        slug_url(slug, "campaigns", str(view.campaign)),
        f"キャンペーン #{view.campaign} を計画しました（対象 {view.people:,} 人・"
        f"送信日 {len(view.days)} 日）。日ごとの予測を確かめ、管理者が承認してから送信します。",
    )


def _campaign_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    view: PlanView,
    *,
    unreachable: Any = None,
) -> Response:
    context: dict[str, Any] = incident_context(desk, slug, "campaigns")
    job = send_jobs(request).latest(view.campaign)
    status = desk.notify.status(view.campaign)
    peak = max((d.forecast_calls for d in view.days), default=0.0)
    context |= {
        "plan": view,
        "status": status,
        "job": job,
        "job_error": None if job is None or job.error is None else _said(job.error),
        "channels": CHANNEL_LABELS,
        "audiences": AUDIENCE_LABELS,
        "state_label": STATE_LABELS.get(status.state, status.state),
        "state_badge": STATE_BADGES.get(status.state, "draft"),
        "totals": {c: sum(d.counts.get(c, 0) for d in view.days) for c in CHANNELS},
        "peak": peak,
        "letters": desk.notify.letters_path(view.campaign).is_file(),
        "unreachable": unreachable,
        "today": today_jst(),
    }
    return render(request, me, "console/notify_campaign.html", context)


@router.get("/i/{slug}/campaigns/{campaign_id}")
def campaign_page(
    request: Request, slug: Slug, campaign_id: Id, desk: DeskDep, me: Reader
) -> Response:
    """A planned campaign: its days and forecast, state, status; approve and send."""
    try:
        view = desk.notify.plan_of(slug, campaign_id)
    except NotFoundError:
        # A campaign recorded by hand has no page of its own: its row in the list is it (and
        # one of another incident stays not found).
        campaign_of(desk.db, slug, campaign_id)
        return RedirectResponse(slug_url(slug, "campaigns") + f"#campaign-{campaign_id}", 303)
    return _campaign_page(request, desk, me, slug, view)


@router.post("/i/{slug}/campaigns/{campaign_id}/approve")
def approve_campaign(
    request: Request, slug: Slug, campaign_id: Id, desk: DeskDep, me: Admin
) -> Response:
    """Approve a plan (and its templates): it may then be sent."""
    desk.notify.plan_of(slug, campaign_id)
    url = slug_url(slug, "campaigns", str(campaign_id))
    try:
        desk.notify.approve(campaign_id, by=actor_of(request, me))
    except ConflictError as exc:
        return redirect(request, url, exc.reason, kind="error")
    return redirect(request, url, f"キャンペーン #{campaign_id} を承認しました。")


@router.post("/i/{slug}/campaigns/{campaign_id}/send")
def send_campaign(
    request: Request, slug: Slug, campaign_id: Id, desk: DeskDep, me: Editor
) -> Response:
    """Send what is due today in the background (pressing again resumes a stopped send)."""
    url = slug_url(slug, "campaigns", str(campaign_id))
    try:
        start_send(send_jobs(request), desk.notify, slug, campaign_id, by=actor_of(request, me))
    except ConflictError as exc:
        return redirect(request, url, exc.reason, kind="error")
    return redirect(
        request, url, "送信を始めました。このページは送信が終わるまで自動で更新されます。"
    )


@router.post("/i/{slug}/campaigns/{campaign_id}/unreachable")
def unreachable(
    request: Request, slug: Slug, campaign_id: Id, desk: DeskDep, me: Reviewer
) -> Response:
    """The people no channel reached, masked, for the desk to contact by hand (audited)."""
    view = desk.notify.plan_of(slug, campaign_id)
    people = desk.notify.unreachable(campaign_id, by=actor_of(request, me))
    return _campaign_page(request, desk, me, slug, view, unreachable=people)


@router.get("/i/{slug}/campaigns/{campaign_id}/letters.csv")
def letters(request: Request, slug: Slug, campaign_id: Id, desk: DeskDep, me: Admin) -> Response:
    """The letters' print file for the mailing house (names and addresses: admins, audited)."""
    desk.notify.plan_of(slug, campaign_id)
    data = desk.notify.letters(slug, campaign_id, by=actor_of(request, me))
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-campaign-{campaign_id}-letters.csv"',
            "Cache-Control": "no-store",
        },
    )
