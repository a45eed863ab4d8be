"""Console: the affected register — operator look-up (reason, masked, reveal), upload with
progress, admin-only export. Viewers see nothing of it: every route needs REVIEW or ADMIN.

Identifiers and reasons travel in POST bodies only, never in a URL (URLs reach access logs).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response

from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import (
    BreachdeskError,
    InvalidInputError,
    KeyUnavailableError,
    NotFoundError,
)
from breachdesk.register.columns import FIELD_LABELS, FIELDS, ShownField, parse_mapping
from breachdesk.register.importer import RegisterFormatError
from breachdesk.register.items import ITEM_LABELS, item_label, item_mapping
from breachdesk.register.messages import NO_REGISTER, UNAVAILABLE_OPERATOR
from breachdesk.register.service import SHOWN, PersonView, person_target
from breachdesk.web.console.pages import (
    Admin,
    Reviewer,
    Slug,
    incident_context,
    redirect,
    render,
    slug_url,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.middleware import client_address
from breachdesk.web.uploads import saved_upload

router = APIRouter()
log = logging.getLogger("breachdesk.web")

Kind = Literal["mail", "phone", "customer"]
KIND_LABELS = {"mail": "メールアドレス", "phone": "電話番号", "customer": "顧客番号"}
Reason = Annotated[str, Form(max_length=500)]
PersonId = Annotated[int, Form(ge=1, le=2**31 - 1)]
JobId = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


def _page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    context: dict[str, Any] = {
        **incident_context(desk, slug, "register"),
        "kinds": KIND_LABELS,
        "field_labels": FIELD_LABELS,
        "shown": SHOWN,
        "fields": FIELDS,
        "item_labels": ITEM_LABELS,
        "item_label": item_label,
        "person_target": person_target,
        "people": None,
        "revealed": {},
        "form": {"kind": "phone", "value": "", "reason": ""},
        "error": None,
        **extra,
    }
    if "stats" not in context:
        try:
            context["stats"] = desk.register.stats(slug)
        except NotFoundError:
            desk.incident(slug)  # an unknown incident is a 404; an empty register is not
            context["stats"] = None
    return render(request, me, "console/register.html", context, status=status)


@router.get("/i/{slug}/register")
def register_page(request: Request, slug: Slug, desk: DeskDep, me: Reviewer) -> Response:
    """The affected register: counts, the look-up form, upload and export (admins)."""
    return _page(request, desk, me, slug)


@router.post("/i/{slug}/register/lookup")
def lookup(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reviewer,
    kind: Annotated[Kind, Form()],
    value: Annotated[str, Form(max_length=320)],
    reason: Reason = "",
) -> Response:
    """Find a caller by one identifier; masked values, audited with the reason."""
    form = {"kind": kind, "value": "", "reason": reason}
    try:
        people = desk.register.lookup(
            slug, kind, value, reason=reason, actor=me.name, address=client_address(request.scope)
        )
    except InvalidInputError as exc:
        error = "検索の理由を入力してください。" if exc.where == "reason" else exc.reason
        return _page(request, desk, me, slug, form=form, error=error, status=422)
    except NotFoundError as exc:
        if exc.kind != "affected register":
            raise
        return _page(request, desk, me, slug, form=form, error=NO_REGISTER, status=404)
    return _page(request, desk, me, slug, form=form, people=people, stats=False)


@router.post("/i/{slug}/register/reveal")
def reveal(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reviewer,
    person: PersonId,
    field: Annotated[ShownField, Form()],
    reason: Reason = "",
) -> Response:
    """Show one value of one person in clear: a second audit row, with its reason."""
    form = {"kind": "phone", "value": "", "reason": ""}
    try:
        revealed = desk.register.reveal(
            slug,
            person,
            field,
            reason=reason,
            actor=me.name,
            address=client_address(request.scope),
        )
    except InvalidInputError:
        # Nothing about the person: no audit row records this request, so nothing is shown.
        error = "表示する理由を入力してください。もう一度検索してから表示してください。"
        return _page(request, desk, me, slug, form=form, error=error, status=422)
    except NotFoundError as exc:
        if exc.kind != "affected register":
            raise
        return _page(request, desk, me, slug, form=form, error=NO_REGISTER, status=404)
    return _page(
        request,
        desk,
        me,
        slug,
        form=form,
        people=[revealed.person],
        revealed={(person, field): revealed.value},
        stats=False,
    )


@router.post("/i/{slug}/register/upload")
def upload(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Admin,
    file: Annotated[UploadFile, File()],
    mapping: Annotated[str, Form(max_length=2000)] = "",
    items: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Import the organisation's list (CSV or XLSX) in the background; shows its progress."""
    desk.incident(slug)
    try:
        pairs = parse_mapping(_pairs(mapping))
        labels = item_mapping(_pairs(items))
        with saved_upload(file, desk.settings.max_table_upload_bytes, where="file") as saved:
            data = saved.path.read_bytes()
        job = desk.register.start_import(
            slug,
            saved.name,
            data,
            mapping=pairs,
            items=labels,
            actor=me.name,
            address=client_address(request.scope),
        )
    except NotFoundError:
        raise
    except BreachdeskError as exc:
        return redirect(
            request, slug_url(slug, "register"), f"取り込みませんでした：{_said(exc)}", kind="error"
        )
    return redirect(request, slug_url(slug, "register", "imports", job.id))


def _said(error: BreachdeskError) -> str:
    """An import's error as an admin reads it; a key problem's details (the key file's path,
    the key ids) go to the server's log instead."""
    if isinstance(error, KeyUnavailableError):
        log.error("affected register unavailable: %s", error)
        return UNAVAILABLE_OPERATOR
    return str(error)


def _pairs(text: str) -> list[str]:
    """`a=b, c=d` (or 、 or new lines) as a list of pairs."""
    return [p.strip() for p in text.replace("、", ",").replace("\n", ",").split(",") if p.strip()]


@router.get("/i/{slug}/register/imports/{job_id}")
def import_progress(
    request: Request, slug: Slug, job_id: JobId, desk: DeskDep, me: Admin
) -> Response:
    """An import's progress (rows, rate, time left); refreshes itself until it is done."""
    job = desk.register.jobs.get(slug, job_id)
    problems: list[str] = []
    if isinstance(job.error, RegisterFormatError):
        problems = [f"{line}行目：{why}" for line, why in job.error.problems]
    context = {
        **incident_context(desk, slug, "register"),
        "job": job,
        "error": _said(job.error) if job.error is not None else None,
        "problems": problems,
        "self_url": slug_url(slug, "register", "imports", job.id),
    }
    return render(request, me, "console/register_import.html", context)


@router.post("/i/{slug}/register/export")
def export(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Admin,
    requested_by: Annotated[str, Form(max_length=200)] = "",
    reason: Reason = "",
) -> Response:
    """Download the register (masked), naming who asked and why; audited."""
    try:
        data = desk.register.export(
            slug,
            actor=me.name,
            requested_by=requested_by,
            reason=reason,
            address=client_address(request.scope),
        )
    except InvalidInputError:
        return redirect(
            request,
            slug_url(slug, "register"),
            "書き出しを依頼した人と理由を入力してください。",
            kind="error",
        )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    name = quote(f"{slug}-register-{stamp}.csv")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "Cache-Control": "no-store",
        },
    )


__all__ = ["PersonView", "router"]
