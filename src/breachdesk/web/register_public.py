"""The public self-check and scope check under `/i/{slug}/check`.

`POST /i/{slug}/check` answers every request with the same bytes (`register/sent.html` carries
no input, time or token), whatever the register holds; the work behind it is the same either way
(`register.selfcheck`). The link a listed person receives carries its secret in the query
parameter `k`, which no route declares, so the access log writes it as ``<unknown:1>`` — never
the value. Identifiers travel only in POST bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.inquiries.day_input import parse_day
from breachdesk.kb.contacts import JST
from breachdesk.kb.scope import CHANNEL_NAMES, CHANNELS, PAYMENTS, japanese_date
from breachdesk.register.messages import CONFIRMATION
from breachdesk.register.selfcheck import SelfView
from breachdesk.web.deps import DeskDep
from breachdesk.web.middleware import client_address
from breachdesk.web.public import Now, desk_views, secured, source_labels

router = APIRouter(tags=["public"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

IdentifierKind = Literal["mail", "phone", "customer"]
FactKind = Literal["postal", "birth"]
Channel = Literal["web", "phone", "marketplace", "store"]
Payment = Literal["card", "other"]
KIND_LABELS = {"mail": "メールアドレス", "phone": "電話番号", "customer": "お客様番号"}
FACT_LABELS = {"postal": "郵便番号", "birth": "生年月日"}
DAY_PROBLEM = "ご購入日を 2026-09-10、2026/9/10、2026年9月10日 のように入力してください。"


def _page(request: Request, name: str, context: dict[str, object], status: int = 200) -> Response:
    response = templates.TemplateResponse(
        request,
        f"register/{name}",
        {
            "kinds": KIND_LABELS,
            "facts": FACT_LABELS,
            "channels": CHANNELS,
            "payments": PAYMENTS,
            **context,
        },
        status_code=status,
    )
    return secured(response, private=True)


@router.get("/i/{slug}/check", response_class=HTMLResponse)
def check_form(request: Request, slug: str, desk: DeskDep) -> Response:
    """「対象かどうか確認する」: the self-check form and the scope check."""
    incident = desk.incident(slug)
    return _page(
        request, "check.html", {"incident": incident, "register": desk.register.exists(slug)}
    )


@router.post("/i/{slug}/check", response_class=HTMLResponse)
def check(
    request: Request,
    slug: str,
    desk: DeskDep,
    kind: Annotated[IdentifierKind, Form()],
    identifier: Annotated[str, Form(max_length=320)],
    fact_kind: Annotated[FactKind, Form()],
    fact: Annotated[str, Form(max_length=40)],
) -> Response:
    """Always the same answer; a listed person with a matching fact is sent a link or code."""
    incident = desk.incident(slug)
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
def open_link(request: Request, slug: str, desk: DeskDep) -> Response:
    """The page a mailed link opens (once, within its minutes): the person's own items."""
    incident = desk.incident(slug)
    token = request.query_params.get("k", "")[:100]
    try:
        view = desk.register.open_link(slug, token, address=client_address(request.scope))
    except NotFoundError:
        return _page(request, "invalid.html", {"incident": incident}, status=404)
    return _view(request, incident, view)


@router.get("/i/{slug}/check/code", response_class=HTMLResponse)
def code_form(request: Request, slug: str, desk: DeskDep) -> Response:
    """Where a person types the code that came by SMS."""
    return _page(request, "code.html", {"incident": desk.incident(slug)})


@router.post("/i/{slug}/check/code", response_class=HTMLResponse)
def redeem_code(
    request: Request,
    slug: str,
    desk: DeskDep,
    kind: Annotated[IdentifierKind, Form()],
    identifier: Annotated[str, Form(max_length=320)],
    code: Annotated[str, Form(max_length=20)],
) -> Response:
    """The person's own items for a right code (once, within its minutes)."""
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
        "register": desk.register.exists(slug),
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
