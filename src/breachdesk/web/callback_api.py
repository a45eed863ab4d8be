"""Callback requests under /api/v1 (an operator's token or console session): the worklist,
one request's contact (audited), completing one. People request callbacks through the public
form (`web.callback_public`), not here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from breachdesk.inquiries.callbacks import MAX_NOTE, CallbackView
from breachdesk.web.api import ERRORS, Id, Slug
from breachdesk.web.automation import actor_of
from breachdesk.web.deps import DeskDep, callback_desk
from breachdesk.web.security import InquiryReader

router = APIRouter(prefix="/api/v1", tags=["callbacks"])


class CallbackOut(BaseModel):
    id: int
    incident: str
    channel: Literal["phone", "mail"]
    created_at: datetime
    due_at: datetime = Field(description="The start of the preferred time the person chose.")
    state: str = Field(description="open, done or cancelled.")
    attempts: int = Field(description="Calls that reached nobody.")
    attempted_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    inquiry: int | None = Field(description="The inquiry the request logged when it closed.")
    overdue: bool


class CallbackDetailOut(BaseModel):
    request: CallbackOut
    contact: str = Field(description="Phone digits or mail address, in clear (audited).")
    name: str
    question: str


class CompleteIn(BaseModel):
    outcome: Literal["answered", "escalated", "no_answer", "unreachable"] = Field(
        description="answered and escalated close the request; no_answer counts an attempt "
        "(the third closes it as not reached); unreachable closes it as not reached."
    )
    category: str | None = Field(default=None, max_length=100)
    note: str = Field(default="", max_length=MAX_NOTE, description="Redacted before it is stored.")


class CompletionOut(BaseModel):
    id: int
    state: str
    attempts: int
    inquiry: int | None


def _out(view: CallbackView) -> CallbackOut:
    return CallbackOut.model_validate(view.as_json())


@router.get("/incidents/{slug}/callbacks", responses=ERRORS)
def list_callbacks(
    slug: Slug,
    desk: DeskDep,
    _: InquiryReader,
    state: Annotated[
        Literal["open", "done"], Query(description="Open (by due time) or closed.")
    ] = "open",
) -> list[CallbackOut]:
    """Callback requests: open ones by due time, or the closed ones latest first."""
    views = callback_desk(desk).worklist(slug, done=state == "done")
    return [_out(v) for v in views]


@router.get("/incidents/{slug}/callbacks/{callback_id}", responses=ERRORS)
def show_callback(
    request: Request, slug: Slug, callback_id: Id, desk: DeskDep, me: InquiryReader
) -> CallbackDetailOut:
    """One request with its contact and question in clear (audited as callback.view)."""
    detail = callback_desk(desk).show(slug, callback_id, by=actor_of(request, me))
    return CallbackDetailOut(
        request=_out(detail.request),
        contact=detail.contact,
        name=detail.name,
        question=detail.question,
    )


@router.post("/incidents/{slug}/callbacks/{callback_id}/complete", responses=ERRORS)
def complete_callback(
    request: Request,
    slug: Slug,
    callback_id: Id,
    body: CompleteIn,
    desk: DeskDep,
    me: InquiryReader,
) -> CompletionOut:
    """Record what came of a request; 409 when another operator completed it first."""
    done = callback_desk(desk).complete(
        slug,
        callback_id,
        outcome=body.outcome,
        category=body.category,
        note=body.note,
        by=actor_of(request, me),
    )
    return CompletionOut(
        id=done.id, state=done.state, attempts=done.attempts, inquiry=done.inquiry_id
    )
