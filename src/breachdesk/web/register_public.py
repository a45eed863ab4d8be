"""The public self-check and scope check under `/i/{slug}/check`.

`POST /i/{slug}/check` answers every request with the same bytes and headers
(`register/sent.html` carries no input, time or token, and no cookie is set), whatever the
register holds; the work behind it is the same either way (`register.selfcheck`). The link a
listed person receives carries its secret in the query parameter `k`, which no route declares,
so the access log writes it as ``<unknown:1>`` — never the value. Its GET only shows a button
(a mail scanner that fetches links uses up nothing); the button POSTs the secret in the body.
Identifiers travel only in POST bodies.

The forms are CSRF-protected as the login form is: a double-submit token, set as a cookie on
the form's page and sent back as a field. Every route here is rate-limited per client address
(`web.middleware.PUBLIC_LIMITED`) before the self-check's own limits.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from breachdesk.desk import Desk
from breachdesk.errors import CsrfError, InvalidInputError, NotFoundError
from breachdesk.inquiries.day_input import parse_day
from breachdesk.kb.contacts import JST
from breachdesk.kb.scope import CHANNEL_NAMES, CHANNELS, PAYMENTS, japanese_date
from breachdesk.register.messages import CONFIRMATION
from breachdesk.register.selfcheck import SelfView
from breachdesk.web.deps import DeskDep
from breachdesk.web.middleware import client_address
from breachdesk.web.public import Now, secured
from breachdesk.web.public_views import desk_views, source_labels

router = APIRouter(tags=["public"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

IdentifierKind = Literal["mail", "phone", "customer"]
FactKind = Literal["postal", "birth"]
Channel = Literal["web", "phone", "marketplace", "store"]
Payment = Literal["card", "other"]
KIND_LABELS = {"mail": "メールアドレス", "phone": "電話番号", "customer": "お客様番号"}
FACT_LABELS = {"postal": "郵便番号", "birth": "生年月日"}
CHECK_CSRF = "bd_check_csrf"
CsrfToken = Annotated[str, Form(max_length=100)]
DAY_PROBLEM = "ご購入日を 2026-09-10、2026/9/10、2026年9月10日 のように入力してください。"


def _page(
    request: Request,
    name: str,
    context: dict[str, object],
    status: int = 200,
    *,
    form: str | None = None,
) -> Response:
    """A self-check page; `form` (the incident's slug) gives it a CSRF token, as a cookie for
    the /check pages and as the `csrf` of its template."""
    token = secrets.token_urlsafe(24) if form is not None else ""
    response = templates.TemplateResponse(
        request,
        f"register/{name}",
        {
            "kinds": KIND_LABELS,
            "facts": FACT_LABELS,
            "channels": CHANNELS,
            "payments": PAYMENTS,
            "csrf": token,
            **context,
        },
        status_code=status,
    )
    if form is not None:
        response.set_cookie(
            CHECK_CSRF,
            token,
            max_age=3600,
            path=f"/i/{form}/check",
            httponly=True,
            samesite="strict",
            secure=request.app.state.desk.settings.cookie_secure,
        )
    return secured(response, private=True)


def _check_csrf(request: Request, sent: str) -> None:
    expected = request.cookies.get(CHECK_CSRF, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfError()


def _check_page(
    request: Request, desk: Desk, slug: str, now: datetime, *, status: int = 200
) -> Response:
    """The self-check form and the scope check; without a usable register (none, or its key
    cannot be opened) the page says that the self-check is not available and where to turn
    instead — the scope check below, the desk — and nothing of why."""
    incident = desk.incident(slug)
    available = desk.register.available(slug)
    context: dict[str, object] = {
        "incident": incident,
        "register": available,
        "desks": [] if available else desk_views(incident.contacts, now),
        "now_label": now.astimezone(JST).strftime("%H:%M"),
    }
    return _page(request, "check.html", context, status, form=incident.slug)


@router.get("/i/{slug}/check", response_class=HTMLResponse)
def check_form(request: Request, slug: str, desk: DeskDep, now: Now) -> Response:
    """「対象かどうか確認する」: the self-check form and the scope check."""
    return _check_page(request, desk, slug, now)


@router.post("/i/{slug}/check", response_class=HTMLResponse)
def check(
    request: Request,
    slug: str,
    desk: DeskDep,
    now: Now,
    kind: Annotated[IdentifierKind, Form()],
    identifier: Annotated[str, Form(max_length=320)],
    fact_kind: Annotated[FactKind, Form()],
    fact: Annotated[str, Form(max_length=40)],
    csrf_token: CsrfToken = "",
) -> Response:
    """Always the same answer; a listed person with a matching fact is sent a link or code."""
    _check_csrf(request, csrf_token)
    incident = desk.incident(slug)
    if not desk.register.available(slug):  # a form left open, or a script: the same notice
        return _check_page(request, desk, slug, now, status=503)
    desk.register.self_check(
        slug,
        kind=kind,
        identifier=identifier,
        fact_kind=fact_kind,
        fact=fact,
        address=client_address(request.scope),
    )
    return _page(request, "sent.html", {"incident": incident, "message": CONFIRMATION})


@router.get("/i/{slug}/check/v", response_class=HTMLResponse)
def link_page(request: Request, slug: str, desk: DeskDep) -> Response:
    """The page a mailed link opens: a button that shows the person's items. Nothing is used
    up by this GET (mail scanners fetch links before the person reads the mail)."""
    incident = desk.incident(slug)
    token = request.query_params.get("k", "")[:100]
    return _page(request, "open.html", {"incident": incident, "token": token}, form=incident.slug)


@router.post("/i/{slug}/check/v", response_class=HTMLResponse)
def open_link(
    request: Request,
    slug: str,
    desk: DeskDep,
    k: Annotated[str, Form(max_length=100)],
    csrf_token: CsrfToken = "",
) -> Response:
    """The person's own items, once, within the link's minutes: the link is used up here."""
    _check_csrf(request, csrf_token)
    incident = desk.incident(slug)
    try:
        view = desk.register.open_link(slug, k, address=client_address(request.scope))
    except NotFoundError:
        return _page(request, "invalid.html", {"incident": incident}, status=404)
    return _view(request, incident, view)


@router.get("/i/{slug}/check/code", response_class=HTMLResponse)
def code_form(request: Request, slug: str, desk: DeskDep) -> Response:
    """Where a person types the code that came by SMS."""
    incident = desk.incident(slug)
    return _page(request, "code.html", {"incident": incident}, form=incident.slug)


@router.post("/i/{slug}/check/code", response_class=HTMLResponse)
def redeem_code(
    request: Request,
    slug: str,
    desk: DeskDep,
    kind: Annotated[IdentifierKind, Form()],
    identifier: Annotated[str, Form(max_length=320)],
    code: Annotated[str, Form(max_length=20)],
    csrf_token: CsrfToken = "",
) -> Response:
    """The person's own items for a right code (once, within its minutes)."""
    _check_csrf(request, csrf_token)
    incident = desk.incident(slug)
    try:
        view = desk.register.redeem_code(
            slug,
            kind=kind,
            identifier=identifier,
            code=code,
            address=client_address(request.scope),
        )
    except NotFoundError:
        return _page(request, "invalid.html", {"incident": incident}, status=404)
    return _view(request, incident, view)


def _view(request: Request, incident: object, view: SelfView) -> Response:
    return _page(request, "view.html", {"incident": incident, "view": view})


@router.get("/i/{slug}/check/scope", response_class=HTMLResponse)
def scope(
    request: Request,
    slug: str,
    desk: DeskDep,
    now: Now,
    day: Annotated[str | None, Query(max_length=40)] = None,
    channel: Annotated[Channel | None, Query()] = None,
    payment: Annotated[Payment | None, Query()] = None,
) -> Response:
    """「いつ・どこで・どう支払いましたか」: the form, and whether a purchase is inside the
    published scope (from the published entries only; no register)."""
    incident = desk.incident(slug)
    context: dict[str, object] = {
        "incident": incident,
        "periods": desk.published_scope(slug).periods(),
        "source_labels": source_labels(desk.entries(slug)),
        "channel_names": CHANNEL_NAMES,
        "desks": desk_views(incident.contacts, now),
        "now_label": now.astimezone(JST).strftime("%H:%M"),
        "day_value": "",
        "channel": channel or "web",
        "payment": payment or "card",
        "answer": None,
        "problem": None,
        "register": desk.register.available(slug),
    }
    status = 200
    if day and day.strip():
        try:
            on = parse_day(day, where="day")
        except InvalidInputError:
            context["problem"] = DAY_PROBLEM
            status = 422
        else:
            context["day_value"] = on.isoformat()
            if channel and payment:
                answer = desk.scope(slug, day=on, channel=channel, payment=payment)
                context.update(answer=answer, shown_day=japanese_date(on))
    return _page(request, "scope.html", context, status=status)
