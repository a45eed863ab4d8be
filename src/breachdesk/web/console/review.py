"""Console: the public's questions — review queue, attach to an entry, mark; feedback counts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from breachdesk.desk import Desk
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.review import service as review
from breachdesk.review.service import QuestionView
from breachdesk.web.automation import actor_of
from breachdesk.web.console.catalogue import entry_catalogue, filter_entries
from breachdesk.web.console.pages import (
    Editor,
    Paging,
    Reader,
    Reviewer,
    Slug,
    incident_context,
    redirect,
    render,
    slug_url,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.security import InquiryReader

router = APIRouter()

QuestionId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Back = Annotated[str, Form(max_length=500)]
PAGE_SIZE = 20
MAX_MATCHES = 20
STATES = (
    ("pending", "要対応"),
    ("open", "未対応（回答済みを含む）"),
    ("needs_entry", "新しいFAQが必要"),
    ("dismissed", "対応不要"),
    ("attached", "FAQに紐付け済み"),
    ("all", "すべて"),
)
MARK_MESSAGES = {
    "needs_entry": "「新しいFAQが必要」にしました。",
    "dismissed": "「対応不要」にしました。",
    "open": "未対応に戻しました。",
}


def _question(desk: Desk, slug: str, question_id: int) -> QuestionView:
    """The question, if it was asked about this incident (else not found)."""
    question = review.get_question(desk.db, question_id)
    if question.incident != slug:
        raise NotFoundError("question", str(question_id))
    return question


def _served_questions(desk: Desk, slug: str) -> dict[str, str]:
    return {e.id: e.question for e in desk.entries(slug)}


def _back(slug: str, back: str) -> str:
    """Where to return after an action: a review page of this incident, never elsewhere."""
    home = slug_url(slug, "review")
    if back.startswith(home) and "//" not in back and "\\" not in back:
        return back
    return home


@router.get("/i/{slug}/review")
def queue(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: InquiryReader,
    state: Literal["pending", "open", "needs_entry", "dismissed", "attached", "all"] = "pending",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The public's questions needing a decision (twins as one), with their best candidates."""
    context = incident_context(desk, slug, "review")
    items, total = review.review_queue(
        desk.db,
        slug,
        review=None if state == "all" else state,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    context.update(
        items=items,
        paging=Paging(page, PAGE_SIZE, total, {"state": state}),
        state=state,
        states=STATES,
        served=_served_questions(desk, slug),
        back=here,
    )
    return render(request, me, "console/review.html", context)


@router.get("/i/{slug}/review/{question_id}")
def question_page(
    request: Request,
    slug: Slug,
    question_id: QuestionId,
    desk: DeskDep,
    me: InquiryReader,
    find: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """One question, with a search for the entry to attach it to (by id or words)."""
    question = _question(desk, slug, question_id)
    matches = []
    if find.strip():
        served = filter_entries(entry_catalogue(desk.db, slug), show="served")
        exact = [row for row in served if row.id == find.strip()]
        matches = exact or filter_entries(served, text=find)
    context = incident_context(desk, slug, "review")
    context.update(
        question=question,
        served=_served_questions(desk, slug),
        find=find,
        matches=matches[:MAX_MATCHES],
        more=len(matches) > MAX_MATCHES,
        back=slug_url(slug, "review", str(question_id)),
    )
    return render(request, me, "console/review_item.html", context)


@router.post("/i/{slug}/review/{question_id}/attach")
def attach(
    request: Request,
    slug: Slug,
    question_id: QuestionId,
    desk: DeskDep,
    me: Editor,
    entry: Annotated[str, Form(max_length=40)] = "",
    back: Back = "",
) -> Response:
    """Attach the question to an entry: the engine then answers that wording with it."""
    _question(desk, slug, question_id)
    target = _back(slug, back)
    try:
        added = review.attach_question(
            desk.db, question_id, entry.strip(), actor=me.name, by=actor_of(request, me)
        )
    except (NotFoundError, InvalidInputError):
        message = "紐付けるFAQ項目が見つかりません。候補から選ぶか、検索してください。"
        return redirect(request, target, message, kind="error")
    question = _served_questions(desk, slug).get(entry.strip(), entry)
    message = (
        f"「{question}」に紐付けました。次からこの聞き方にもこの項目で回答します。"
        if added
        else f"「{question}」にはすでに同じ聞き方が登録されています。"
    )
    return redirect(request, target, message)


@router.post("/i/{slug}/review/{question_id}/mark")
def mark(
    request: Request,
    slug: Slug,
    question_id: QuestionId,
    desk: DeskDep,
    me: Reviewer,
    review_state: Annotated[Literal["open", "needs_entry", "dismissed"], Form(alias="review")],
    back: Back = "",
) -> Response:
    """Mark a question as needing a new entry, not needing anything, or open again."""
    _question(desk, slug, question_id)
    review.mark_question(
        desk.db, question_id, review_state, actor=me.name, by=actor_of(request, me)
    )
    return redirect(request, _back(slug, back), MARK_MESSAGES[review_state])


@router.get("/i/{slug}/feedback")
def feedback(request: Request, slug: Slug, desk: DeskDep, me: Reader) -> Response:
    """Per entry: how often its answer was shown and the 役に立ちましたか？ votes."""
    context = incident_context(desk, slug, "feedback")
    context["rows"] = review.feedback_counts(desk.db, slug)
    return render(request, me, "console/feedback.html", context)
