"""Console: the campaigns tab — the campaigns planned from the register (their own pages are
`console/notify.py`) listed above the ones recorded by hand, recording one, a vendor's delivery
results, the bounced list and forgetting its recipients."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from breachdesk import labels
from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import (
    BreachdeskError,
    NotFoundError,
)
from breachdesk.inquiries import campaigns as campaign_service
from breachdesk.notify.plan import is_planned
from breachdesk.web.api import Id
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import (
    Admin,
    Editor,
    Reader,
    Slug,
    TypedDay,
    incident_context,
    redirect,
    render,
    slug_url,
    upload_failed,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.uploads import saved_upload

router = APIRouter()


@router.get("/i/{slug}/campaigns")
def campaigns(request: Request, slug: Slug, desk: DeskDep, me: Reader) -> Response:
    """Notification campaigns with their delivery results."""
    context = incident_context(desk, slug, "campaigns")
    plans = desk.notify.list_plans(slug)
    planned = {p.campaign for p in plans}
    context["plans"] = plans
    context["campaigns"] = [
        c for c in campaign_service.list_campaigns(desk.db, slug) if c.id not in planned
    ]
    context["channels"] = tuple(
        (code, labels.CHANNELS[code]) for code in ("mail", "sms", "letter", "web")
    )
    return render(request, me, "console/desk_campaigns.html", context)


@router.post("/i/{slug}/campaigns")
def add_campaign(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Editor,
    channel: Annotated[Literal["mail", "sms", "letter", "web"], Form()],
    sent_on: Annotated[date, Form(), TypedDay],
    audience: Annotated[int | None, Form(ge=0, le=1_000_000_000)] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a campaign."""
    campaign_service.add_campaign(
        desk.db,
        slug,
        channel=channel,
        sent_on=sent_on,
        audience=audience,
        note=note,
        by=actor_of(request, me),
    )
    return redirect(request, slug_url(slug, "campaigns"), "キャンペーンを記録しました。")


@router.post("/i/{slug}/campaigns/{campaign_id}/results")
def import_campaign_results(
    request: Request,
    slug: Slug,
    campaign_id: Id,
    desk: DeskDep,
    me: Editor,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Import the mail/SMS vendor's CSV of delivery results into one campaign."""
    if is_planned(desk.db, campaign_id):
        return _planned_results(request, slug, campaign_id, desk, me, file)
    try:
        with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
            delivered, bounced = campaign_service.import_delivery_results(
                desk.db,
                campaign_id,
                saved.path,
                slug=slug,
                name=saved.name,
                by=actor_of(request, me),
            )
    except NotFoundError:
        raise  # a campaign of another incident is a 404, not a flash message
    except BreachdeskError as exc:
        text, lines = upload_failed(exc)
        return redirect(request, slug_url(slug, "campaigns"), text, kind="error", lines=lines)
    return redirect(
        request,
        slug_url(slug, "campaigns"),
        f"#{campaign_id} の配信結果を取り込みました（配信済 {delivered}・不達 {bounced}）。",
    )


def _planned_results(
    request: Request, slug: str, campaign_id: int, desk: Desk, me: Principal, file: UploadFile
) -> Response:
    """A planned campaign's vendor results: bounces move people down the chain (nothing of
    the file is stored); back to the campaign's page."""
    desk.notify.plan_of(slug, campaign_id)  # 404 for another incident's
    url = slug_url(slug, "campaigns", str(campaign_id))
    try:
        with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
            done = desk.notify.import_results(
                campaign_id, saved.path, name=saved.name, by=actor_of(request, me)
            )
    except BreachdeskError as exc:
        text, lines = upload_failed(exc)
        return redirect(request, url, text, kind="error", lines=lines)
    return redirect(
        request,
        url,
        f"配信結果を取り込みました（配信済 {done.delivered:,}・不達 {done.bounced:,}・"
        f"次のチャネルへ {done.moved:,}）。",
    )


@router.get("/i/{slug}/campaigns/{campaign_id}/bounced.csv")
def bounced_csv(
    request: Request, slug: Slug, campaign_id: Id, desk: DeskDep, me: Editor
) -> Response:
    """The bounced recipients (personal data: editors only, audited) as the next audience."""
    body = campaign_service.export_bounced(
        desk.db, campaign_id, slug=slug, by=actor_of(request, me)
    )
    return Response(
        body.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{slug}-campaign-{campaign_id}-bounced.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/i/{slug}/campaigns/{campaign_id}/purge")
def purge_campaign(
    request: Request,
    slug: Slug,
    campaign_id: Id,
    desk: DeskDep,
    me: Admin,
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Forget a campaign's recipients (admins, after confirming; audited); the counts stay."""
    campaign_service.campaign_of(desk.db, slug, campaign_id)  # 404 for another incident's
    if confirm != "yes":
        return redirect(
            request,
            slug_url(slug, "campaigns"),
            "削除しませんでした：確認のチェックを入れてください。",
            kind="error",
        )
    removed = campaign_service.purge_deliveries(
        desk.db, campaign_id, slug=slug, by=actor_of(request, me)
    )
    return redirect(
        request,
        slug_url(slug, "campaigns"),
        f"#{campaign_id} の宛先 {removed}件を削除しました（配信済・不達の件数は残ります）。",
    )
