"""The public face: the help page of an incident (`GET /i/{slug}`), its no-JavaScript feedback
and suggestion forms (`POST /i/{slug}/feedback`, `POST /i/{slug}/choose`) and the list of
incidents (`GET /`); what the page shows is built by `web.public_views`.

A question gets one of three outcomes: an approved answer (with 役に立ちましたか？ under it), 「お探し
の質問はこちらですか？」 with up to five suggested entries and the desk card (a chosen one shows its
approved text and is logged for review), or a short apology with the desk card — nothing else.
The public never sees file names or line numbers, only the organisation's own section titles.

Progressive enhancement: the page works as plain HTML. The question box is a GET form answered
here; the 役に立ちましたか？ buttons and the suggestions post forms that redirect back.
`static/help.js`, when it runs, answers as the person types through the JSON API and fills the
very same markup (rendered here into `<template>` elements) with `textContent` only. Every
response of this router carries a strict Content-Security-Policy: no inline script or style,
nothing from another origin.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, cast
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from breachdesk.answer.model import ANSWERED
from breachdesk.desk import Desk
from breachdesk.errors import InvalidInputError
from breachdesk.kb.contacts import JST
from breachdesk.kb.scope import CHANNEL_NAMES
from breachdesk.web.deps import DeskDep, callback_desk
from breachdesk.web.public_pages import PublicPages
from breachdesk.web.public_views import (
    SCOPE_INTENTS,
    answer_card,
    desk_views,
    entry_card,
    outcome_of,
    question_problem,
    suggestion_views,
    wants_scope_offer,
)

router = APIRouter(tags=["public"], include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
MIN_LIVE_CHARS = 6
"""help.js asks as the person types once the question has this many characters."""
_R = TypeVar("_R", bound=Response)


def secured(response: _R, *, private: bool = False) -> _R:
    """Add the public pages' security headers; `private` pages (a question in the URL) are
    never stored by a cache."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store" if private else "no-cache"
    return response


def current_time() -> datetime:
    """Now, in JST (a dependency, so that a test can fix the clock the desk status is read at)."""
    return datetime.now(JST)


Now = Annotated[datetime, Depends(current_time)]


# ---------------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def index(request: Request, desk: DeskDep) -> Response:
    """The incidents this desk serves, each linking to its help page."""
    response = templates.TemplateResponse(
        request, "public/index.html", {"incidents": desk.incidents()}
    )
    return secured(response)


@router.get("/i/{slug}", response_class=HTMLResponse)
def help_page(
    slug: str,
    request: Request,
    desk: DeskDep,
    now: Now,
    q: str | None = None,
    thanks: bool = False,
    shown: str | None = None,
    chosen: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The incident's public help page; `?q=` answers a question (links made before the form
    posted)."""
    return _help_page(slug, request, desk, now, q, thanks, shown, chosen)


@router.post("/i/{slug}", response_class=HTMLResponse)
def help_page_asked(
    slug: str,
    request: Request,
    desk: DeskDep,
    now: Now,
    q: Annotated[str, Form()] = "",
) -> Response:
    """The help page answering the question its form sent without JavaScript."""
    # Posted, not `?q=`: a question may carry a name or a card number, and an address bar's
    # query lands in browser history and in every proxy's and server's access log.
    return _help_page(slug, request, desk, now, q)


def pages(request: Request) -> PublicPages:
    """This worker's help-page parts (`web.public_pages`), made with the app."""
    return cast(PublicPages, request.app.state.public_pages)


def _help_page(
    slug: str,
    request: Request,
    desk: Desk,
    now: datetime,
    q: str | None,
    thanks: bool = False,
    shown: str | None = None,
    chosen: str | None = None,
) -> Response:
    parts = pages(request).parts(slug)
    asked = (q or "").strip()
    limit = desk.settings.max_question_chars
    context: dict[str, Any] = {
        "asked": asked,
        "outcome": None,
        "card": None,
        "suggestions": (),
        "question_id": None,
        "feedback_token": None,
        "thanks": thanks,
        "problem": None,
        "scope_offer": False,
    }
    status = 200
    if asked:
        try:
            public = desk.ask_public(slug, asked, channel="web")
        except InvalidInputError:
            context["problem"] = question_problem(asked, limit)
            status = 422
        else:
            context["outcome"] = outcome_of(public.answer)
            context["card"] = answer_card(public.answer)
            context["suggestions"] = suggestion_views(public.answer)
            context["question_id"] = public.question_id
            context["feedback_token"] = public.feedback_token
            context["scope_offer"] = wants_scope_offer(public.answer)
    elif (thanks and shown) or chosen:
        entry = parts.entry(chosen or shown)
        if entry is not None:
            context["card"] = entry_card(entry)
            context["outcome"] = "chosen" if chosen else ANSWERED
    context.update(parts.static)
    context.update(
        incident=parts.incident,
        desks=desk_views(parts.incident.contacts, now),
        now_label=now.astimezone(JST).strftime("%H:%M"),
        max_chars=limit,
        min_chars=MIN_LIVE_CHARS,
        scope_intents=SCOPE_INTENTS,
        channel_names=CHANNEL_NAMES,
    )
    # Every desk card links to the callback form when requests can be stored.
    context["callback_url"] = f"/i/{slug}/callback" if callback_desk(desk).offered(slug) else ""
    response = templates.TemplateResponse(request, "incident.html", context, status_code=status)
    return secured(response, private=bool(asked))


@router.post("/i/{slug}/feedback")
def feedback(
    slug: str,
    desk: DeskDep,
    question_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    feedback_token: Annotated[str, Form(min_length=1, max_length=100)],
    helpful: Annotated[Literal["yes", "no"], Form()],
    entry: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Record a 役に立ちましたか？ vote sent without JavaScript, then go back to the page."""
    desk.record_feedback(question_id, helpful == "yes", token=feedback_token, slug=slug)
    params = {"thanks": "1", **({"shown": entry} if entry else {})}
    target = f"/i/{quote(slug, safe='')}?{urlencode(params)}#answer"
    return secured(RedirectResponse(target, status_code=303))


@router.post("/i/{slug}/choose")
def choose(
    slug: str,
    desk: DeskDep,
    question_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    feedback_token: Annotated[str, Form(min_length=1, max_length=100)],
    entry: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    """Record the suggestion a person chose without JavaScript, then show its approved answer."""
    desk.record_choice(question_id, entry, token=feedback_token, slug=slug)
    target = f"/i/{quote(slug, safe='')}?{urlencode({'chosen': entry})}#answer"
    return secured(RedirectResponse(target, status_code=303))


_ERROR_TITLES = {
    400: ("リクエストを処理できませんでした", "内容をご確認のうえ、もう一度お試しください。"),
    401: ("ログインが必要です", "ログインしてから、もう一度お試しください。"),
    403: ("この操作は許可されていません", "権限をお持ちの方にご依頼ください。"),
    404: ("ページが見つかりません", "アドレス（URL）に誤りがないかご確認ください。"),
    405: ("この方法ではご利用いただけません", "ページを開き直してから、もう一度お試しください。"),
    409: ("ほかの変更と重なりました", "ページを開き直してから、もう一度お試しください。"),
    413: ("送信された内容が大きすぎます", "内容を短くして、もう一度お試しください。"),
    422: ("入力内容をご確認ください", "内容をご確認のうえ、もう一度お試しください。"),
    429: (
        "アクセスが集中しています",
        "短時間に多くのリクエストがありました。少し時間をおいてから、もう一度お試しください。",
    ),
}


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    """The HTML error page for a status, with the technical message in small print."""
    title, advice = _ERROR_TITLES.get(
        status,
        ("エラーが発生しました", "お手数ですが、時間をおいてもう一度お試しください。"),
    )
    # A console page's error leads back into the console, not to the public list.
    console = request.url.path.startswith("/console")
    home = ("/console", "管理画面のトップへ戻る") if console else ("/", "お知らせの一覧へ戻る")
    response = templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "advice": advice, "message": message, "status": status, "home": home},
        status_code=status,
    )
    return secured(response)
