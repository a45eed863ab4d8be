"""Console: the 折返し worklist — callback requests by due time, the overdue marked; opening
one shows its contact and question (audited, POST only), completing it logs the inquiry.

Operators only (`READ_INQUIRIES`): what a person typed is theirs, as in the inquiry log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import ConflictError, InvalidInputError, KeyUnavailableError
from breachdesk.inquiries import service as inquiries
from breachdesk.inquiries.callbacks import (
    CHANNELS,
    MAX_ATTEMPTS,
    MAX_NOTE,
    OUTCOMES,
    CallbackDetail,
)
from breachdesk.kb.contacts import JST
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import Slug, incident_context, redirect, render, slug_url
from breachdesk.web.deps import DeskDep, callback_desk
from breachdesk.web.public import Now
from breachdesk.web.security import InquiryReader

router = APIRouter()

CallbackId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Outcome = Literal["answered", "escalated", "no_answer", "unreachable"]


def _page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    now: datetime,
    *,
    opened: CallbackDetail | None = None,
    status: int = 200,
) -> Response:
    callbacks = callback_desk(desk)
    context: dict[str, Any] = {
        **incident_context(desk, slug, "callbacks"),
        "open": callbacks.worklist(slug, now=now),
        "done": callbacks.worklist(slug, now=now, done=True, limit=20),
        "opened": opened,
        "channels": CHANNELS,
        "outcomes": OUTCOMES,
        "max_attempts": MAX_ATTEMPTS,
        "max_note": MAX_NOTE,
        "categories": inquiries.category_names(desk.db, slug),
        "now_label": now.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
    }
    return render(request, me, "console/callbacks.html", context, status=status)


@router.get("/i/{slug}/callbacks")
def worklist(request: Request, slug: Slug, desk: DeskDep, me: InquiryReader, now: Now) -> Response:
    """折返し: open callback requests by due time, the overdue first, and the latest done."""
    return _page(request, desk, me, slug, now)


@router.post("/i/{slug}/callbacks/{callback_id}/show")
def show(
    request: Request,
    slug: Slug,
    callback_id: CallbackId,
    desk: DeskDep,
    me: InquiryReader,
    now: Now,
) -> Response:
    """Show a request's contact and question (audited as callback.view)."""
    try:
        opened = callback_desk(desk).show(slug, callback_id, by=actor_of(request, me), now=now)
    except KeyUnavailableError:
        raise
    return _page(request, desk, me, slug, now, opened=opened)


@router.post("/i/{slug}/callbacks/{callback_id}/complete")
def complete(
    request: Request,
    slug: Slug,
    callback_id: CallbackId,
    desk: DeskDep,
    me: InquiryReader,
    now: Now,
    outcome: Annotated[Outcome, Form()],
    category: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
) -> Response:
    """Record what came of a request; a closed one logs its inquiry."""
    url = slug_url(slug, "callbacks")
    try:
        done = callback_desk(desk).complete(
            slug,
            callback_id,
            outcome=outcome,
            category=category or None,
            note=note,
            by=actor_of(request, me),
            now=now,
        )
    except ConflictError:
        return redirect(
            request,
            url,
            f"折返し #{callback_id} はすでにほかの担当者が完了しています。",
            kind="error",
        )
    except InvalidInputError:
        return redirect(request, url, "分類または結果を選び直してください。", kind="error")
    if done.state == "open":
        text = f"折返し #{callback_id}：不在のため未完了のままにしました（{done.attempts}/{MAX_ATTEMPTS}回）。"
    else:
        text = f"折返し #{callback_id} を完了し、受付記録 #{done.inquiry_id} に記録しました。"
    return redirect(request, url, text)
