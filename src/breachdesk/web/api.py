"""REST API under /api/v1: the public endpoints (rate-limited, no login) and the console's
actions for automation (API tokens or a console session, scoped to a role)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from breachdesk.inquiries.day_input import parse_day
from breachdesk.web.deps import DeskDep

router = APIRouter(prefix="/api/v1", tags=["public"])

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, the `total` count, and the `limit`/`offset` asked for."""

    items: list[T]
    total: int
    limit: int
    offset: int


Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
Slug = Annotated[str, Path(max_length=64, description="The incident's slug.")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, in words.")


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such incident, entry or question."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    422: {"model": ErrorBody, "description": "The request is malformed."},
    429: {"model": ErrorBody, "description": "Too many requests from this address."},
}


class IncidentOut(BaseModel):
    slug: str
    name: str
    organisation: str | None
    entries: int
    documents: int
    kb_version: int


class EntryOut(BaseModel):
    entry: str
    kind: str
    section: str
    question: str
    answer: str
    version: int
    source: str


class DeskCardOut(BaseModel):
    label: str | None
    phone: str | None
    hours: str | None
    mail: str | None
    open_now: bool | None


class CandidateOut(BaseModel):
    entry: str
    question: str
    score: float


class SuggestionOut(BaseModel):
    entry: str
    question: str
    answer: str = Field(description="The entry's approved answer, verbatim.")
    section: str | None = None


class AnswerOut(BaseModel):
    """The answer object of `breachdesk ask --json`, plus the id to send feedback with."""

    incident: str
    question: str
    answered: bool
    answer: str | None
    matched_question: str | None
    entry: str | None
    entry_version: int | None
    section: str | None
    source: str | None
    score: float
    candidates: list[CandidateOut]
    contact: DeskCardOut | None
    outcome: Literal["answered", "suggested", "abstained"] = Field(
        description="answered; suggested (not sure enough: choose among `suggestions`); abstained."
    )
    suggestions: list[SuggestionOut] = Field(
        description="Up to five approved entries to choose from when the outcome is suggested."
    )
    intent: str | None = Field(
        default=None,
        description="The question's most likely breach intent (a taxonomy id from "
        "GET /api/v1/intents, e.g. am_i_affected), or null when the engine is unsure.",
    )
    question_id: int | None = Field(description="Send feedback with this; null for a draft.")
    feedback_token: str | None = Field(
        description="Send this back with feedback or a suggestion choice (it proves the answer "
        "was yours); null for a draft."
    )


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, description="The question, in Japanese.")
    channel: Literal["web", "api"] = Field(
        default="api", description="Where it was asked: the help page sends web."
    )
    draft: bool = Field(
        default=False,
        description="An as-you-type preview: answered but not logged (question_id is null).",
    )


class FeedbackRequest(BaseModel):
    helpful: bool = Field(description="役に立ちましたか？ — true for はい, false for いいえ.")
    feedback_token: str = Field(
        min_length=1, max_length=100, description="The feedback_token that came with the answer."
    )


class ChoiceRequest(BaseModel):
    entry: str = Field(
        min_length=1, max_length=40, description="The suggested entry the person chose."
    )
    feedback_token: str = Field(
        min_length=1, max_length=100, description="The feedback_token that came with the answer."
    )


@router.get("/incidents", responses=ERRORS)
def list_incidents(desk: DeskDep, limit: Limit = 100, offset: Offset = 0) -> Page[IncidentOut]:
    """List incidents."""
    rows = desk.incidents()
    items = [
        IncidentOut(
            slug=i.slug,
            name=i.name,
            organisation=i.organisation,
            entries=i.entries,
            documents=i.documents,
            kb_version=i.kb_version,
        )
        for i in rows[offset : offset + limit]
    ]
    return Page(items=items, total=len(rows), limit=limit, offset=offset)


@router.get("/incidents/{slug}/entries", responses=ERRORS)
def list_entries(
    slug: Slug, desk: DeskDep, limit: Limit = 100, offset: Offset = 0
) -> Page[EntryOut]:
    """List an incident's entries as served: the newest approved version of each."""
    rows = desk.entries(slug)
    items = [
        EntryOut(
            entry=e.id,
            kind=e.kind,
            section=e.section,
            question=e.question,
            answer=e.answer,
            version=e.version,
            source=f"{e.file_name}:{e.line_start}-{e.line_end}",
        )
        for e in rows[offset : offset + limit]
    ]
    return Page(items=items, total=len(rows), limit=limit, offset=offset)


ASK_THREADS = 4
"""Questions a worker answers at once: enough for their encoder calls to share a batch
(`text.batching`), few enough that they do not fight over the GIL (32 threads made p99 seconds)."""


@cache
def ask_pool() -> ThreadPoolExecutor:
    """The threads that answer questions the engine has not answered lately."""
    return ThreadPoolExecutor(max_workers=ASK_THREADS, thread_name_prefix="ask")


@router.post("/incidents/{slug}/ask", responses=ERRORS)
async def ask(slug: Slug, body: AskRequest, desk: DeskDep) -> AnswerOut:
    """Answer a question with approved text, or abstain and name the desk."""
    engine = desk.engine
    if not engine.is_ready(slug):  # an incident's first index: seconds, off the event loop
        await asyncio.to_thread(engine.load, slug)
    # The same question asked lately is answered on the event loop (microseconds); a new one
    # goes to the ask threads, where its encoder calls share a batch with the others'.
    answer = engine.recent(slug, body.question)
    if answer is None:
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(ask_pool(), engine.ask, slug, body.question)
    # Logged by the worker's question-log writer, in a batch, off this request's path.
    shown = desk.log_public_answer(answer, channel=body.channel) if not body.draft else None
    return AnswerOut.model_validate(
        {
            **answer.to_dict(),
            "question_id": shown.question_id if shown else None,
            "feedback_token": shown.feedback_token if shown else None,
        }
    )


class CitationOut(BaseModel):
    entry: str = Field(description="The entry the sentence is published in.")
    text: str = Field(description="The published sentence, verbatim.")


class ScopeOut(BaseModel):
    """The answer of `breachdesk scope --json`."""

    verdict: Literal["inside", "outside", "unknown"] = Field(
        description="inside or outside the published scope; unknown when the published text "
        "does not settle it (ask the desk)."
    )
    because: list[CitationOut] = Field(description="The published sentences it rests on.")


@router.get("/incidents/{slug}/scope", responses=ERRORS)
def scope(
    slug: Slug,
    desk: DeskDep,
    day: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            description="The purchase day: 2026-09-10, 2026/9/10 or 2026年9月10日.",
        ),
    ],
    channel: Annotated[
        Literal["web", "phone", "marketplace", "store"],
        Query(description="Own web shop; phone/FAX/mail/subscription order; marketplace; store."),
    ],
    payment: Annotated[Literal["card", "other"], Query(description="How it was paid.")],
) -> ScopeOut:
    """Whether a purchase is inside the incident's published scope, citing the sentences."""
    answer = desk.scope(slug, day=parse_day(day, where="day"), channel=channel, payment=payment)
    return ScopeOut.model_validate(answer.to_dict())


@router.post("/questions/{question_id}/feedback", status_code=204, responses=ERRORS)
def feedback(question_id: Id, body: FeedbackRequest, desk: DeskDep) -> Response:
    """Record whether the answer shown for a question helped (a second vote replaces the first)."""
    desk.record_feedback(question_id, body.helpful, token=body.feedback_token)
    return Response(status_code=204)


@router.post("/questions/{question_id}/choice", status_code=204, responses=ERRORS)
def choice(question_id: Id, body: ChoiceRequest, desk: DeskDep) -> Response:
    """Record which suggested entry the person chose (only an entry suggested for that question)."""
    desk.record_choice(question_id, body.entry, token=body.feedback_token)
    return Response(status_code=204)
