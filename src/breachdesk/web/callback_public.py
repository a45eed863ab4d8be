"""The public callback request under `/i/{slug}/callback` (`inquiries.callbacks`).

The form is offered when callbacks can be stored (a master key is configured); without one the
page shows the desk only. It is CSRF-protected as the self-check forms are (a double-submit
token: a cookie on the form's page, sent back as a field), rate-limited per client address by
the middleware and then by its hourly count, and answered with the same 受け付けました page
whoever asks: the register's people are never read. A wrong field is named next to it, in
Japanese; what was typed is shown back in the form only, never logged.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from breachdesk.desk import Desk
from breachdesk.errors import CsrfError, KeyUnavailableError, ThrottledError
from breachdesk.inquiries.callback_slots import chosen_slot, desk_closed, open_slots
from breachdesk.inquiries.callbacks import CHANNELS, MAX_NAME, MAX_QUESTION, CallbackInput, problems
from breachdesk.kb.contacts import JST
from breachdesk.kb.service import IncidentView
from breachdesk.web.deps import DeskDep, callback_desk
from breachdesk.web.middleware import client_address
from breachdesk.web.public import Now, secured
from breachdesk.web.public_views import desk_views

router = APIRouter(tags=["public"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

CALLBACK_CSRF = "bd_callback_csrf"
BUSY = (
    "短時間に多くのご依頼をいただいたため、受け付けられませんでした。"
    "時間をおいてから、もう一度お試しいただくか、窓口へお電話ください。"
)


def _page(
    request: Request,
    name: str,
    incident: IncidentView,
    context: dict[str, Any],
    *,
    status: int = 200,
    form: bool = False,
) -> Response:
    """A callback page; a `form` page carries a fresh CSRF token (cookie and field)."""
    token = secrets.token_urlsafe(24) if form else ""
    response = templates.TemplateResponse(
        request,
        f"public/{name}",
        {"incident": incident, "csrf": token, "channels": CHANNELS, **context},
        status_code=status,
    )
    if form:
        response.set_cookie(
            CALLBACK_CSRF,
            token,
            max_age=3600,
            path=f"/i/{incident.slug}/callback",
            httponly=True,
            samesite="strict",
            secure=request.app.state.desk.settings.cookie_secure,
        )
    return secured(response, private=True)


def _form(
    request: Request,
    desk: Desk,
    slug: str,
    now: datetime,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    incident = desk.incident(slug)
    offered = callback_desk(desk).offered(slug)
    context = {
        "offered": offered,
        "closed": desk_closed(incident.contacts, now),
        "desks": desk_views(incident.contacts, now),
        "now_label": now.astimezone(JST).strftime("%H:%M"),
        "slots": open_slots(incident.contacts, now) if offered else [],
        "values": {"channel": "phone", **(values or {})},
        "errors": errors or {},
        "notice": notice,
        "max_question": MAX_QUESTION,
        "max_name": MAX_NAME,
    }
    return _page(request, "callback.html", incident, context, status=status, form=offered)


@router.get("/i/{slug}/callback", response_class=HTMLResponse)
def callback_form(request: Request, slug: str, desk: DeskDep, now: Now) -> Response:
    """「折り返しのご連絡を依頼する」: phone or mail, a preferred time, the question."""
    return _form(request, desk, slug, now)


@router.post("/i/{slug}/callback", response_class=HTMLResponse)
def request_callback(
    request: Request,
    slug: str,
    desk: DeskDep,
    now: Now,
    channel: Annotated[str, Form(max_length=8)] = "",
    contact: Annotated[str, Form(max_length=320)] = "",
    slot: Annotated[str, Form(max_length=40)] = "",
    question: Annotated[str, Form(max_length=4000)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Take a callback request; the same 受け付けました page for everyone."""
    expected = request.cookies.get(CALLBACK_CSRF, "")
    if not csrf_token or not expected or not hmac.compare_digest(csrf_token, expected):
        raise CsrfError()
    incident = desk.incident(slug)
    callbacks = callback_desk(desk)
    if not callbacks.offered(slug):  # a form left open, or a script: the page with the desk
        return _form(request, desk, slug, now, status=503)
    data = CallbackInput(channel=channel, contact=contact, slot=slot, question=question, name=name)
    values = {"channel": channel, "contact": contact, "slot": slot, "question": question}
    values["name"] = name
    errors = problems(data, incident.contacts, now)
    if errors:
        return _form(request, desk, slug, now, values=values, errors=errors, status=422)
    try:
        callbacks.request(
            slug, data, contacts=incident.contacts, address=client_address(request.scope), now=now
        )
    except ThrottledError as exc:
        page = _form(request, desk, slug, now, values=values, notice=BUSY, status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except KeyUnavailableError:
        return _form(request, desk, slug, now, status=503)
    chosen = chosen_slot(incident.contacts, slot, now)
    context = {"slot": chosen.label if chosen else "", "channel": channel}
    return _page(request, "callback_sent.html", incident, context)
