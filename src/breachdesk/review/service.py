"""Record what the public asked and was shown; let editors learn from it.

Every question asked on the public page or the API is stored — redacted first, so card numbers,
phone numbers, mail addresses and My Numbers never reach the database — with the exact entry
version that was shown. Unanswered questions come first in the review queue; an editor attaches
one to the entry that should have answered it (it becomes a phrasing the engine matches), marks
it as needing a new entry, or dismisses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from breachdesk.answer.model import Answer
from breachdesk.db import Database
from breachdesk.db.tables import Entry, EntryVersion, Feedback, Incident, PublicQuestion, utcnow
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.inquiries import service as inquiries
from breachdesk.kb.editing import add_phrasing
from breachdesk.kb.service import get_incident
from breachdesk.privacy.redact import redact

CHANNELS = ("web", "api")
REVIEW_STATES = ("open", "attached", "needs_entry", "dismissed")


@dataclass(frozen=True)
class QuestionView:
    id: int
    incident: str
    asked_at: datetime
    question: str
    channel: str
    answered: bool
    entry: str | None
    entry_version: int | None
    score: float
    candidates: list[dict[str, Any]]
    review: str
    reviewed_by: str | None
    helpful: bool | None


def record_question(db: Database, answer: Answer, *, channel: str = "web") -> int:
    """Store an asked question (redacted) with what was shown; returns its id.

    The same transaction logs it on the inquiry desk as a `web` inquiry when that module is
    present, so the daily report counts web questions too.
    """
    if channel not in CHANNELS:
        raise InvalidInputError(f"unknown channel {channel!r}")
    with db.transaction() as s:
        incident = get_incident(s, answer.incident)
        row = PublicQuestion(
            incident_id=incident.id,
            question=redact(answer.question),
            channel=channel,
            answered=answer.answered,
            entry_id=answer.entry,
            entry_version=answer.entry_version,
            score=float(answer.score),
            candidates=[
                {"entry": c.entry, "question": c.question, "score": round(c.score, 4)}
                for c in answer.candidates
            ],
        )
        s.add(row)
        s.flush()
        _log_inquiry(s, incident, row)
        return int(row.id)


def _log_inquiry(s: Session, incident: Incident, row: PublicQuestion) -> None:
    inquiries.log_web_question(
        s,
        incident_id=incident.id,
        public_question_id=row.id,
        received_at=row.asked_at,
        answered=row.answered,
        entry_id=row.entry_id,
        entry_version=row.entry_version,
    )


def record_feedback(db: Database, question_id: int, helpful: bool) -> None:
    """A 役に立ちましたか？ vote on the answer shown for a question; a second vote replaces it."""
    with db.transaction() as s:
        question = s.get(PublicQuestion, question_id)
        if question is None:
            raise NotFoundError("question", str(question_id))
        vote = s.scalar(select(Feedback).where(Feedback.question_id == question_id))
        if vote is None:
            s.add(
                Feedback(
                    question_id=question_id,
                    entry_id=question.entry_id,
                    entry_version=question.entry_version,
                    helpful=helpful,
                )
            )
        else:
            vote.helpful = helpful
            vote.at = utcnow()


def review_queue(
    db: Database, slug: str, *, review: str | None = "open", limit: int = 50, offset: int = 0
) -> tuple[list[QuestionView], int]:
    """Asked questions, unanswered first, then newest first; with the total for paging."""
    if review is not None and review not in REVIEW_STATES:
        raise InvalidInputError(f"unknown review state {review!r}", where="review")
    with db.read() as s:
        incident = get_incident(s, slug)
        where = [PublicQuestion.incident_id == incident.id]
        if review is not None:
            where.append(PublicQuestion.review == review)
        total = s.scalar(select(func.count()).select_from(PublicQuestion).where(*where)) or 0
        rows = s.execute(
            select(PublicQuestion, Feedback.helpful)
            .outerjoin(Feedback, Feedback.question_id == PublicQuestion.id)
            .where(*where)
            .order_by(
                PublicQuestion.answered,
                PublicQuestion.asked_at.desc(),
                PublicQuestion.id.desc(),
            )
            .limit(limit)
            .offset(offset)
        ).all()
        return [_view(slug, q, helpful) for q, helpful in rows], int(total)


def get_question(db: Database, question_id: int) -> QuestionView:
    with db.read() as s:
        row = s.execute(
            select(PublicQuestion, Feedback.helpful, Incident.slug)
            .join(Incident, Incident.id == PublicQuestion.incident_id)
            .outerjoin(Feedback, Feedback.question_id == PublicQuestion.id)
            .where(PublicQuestion.id == question_id)
        ).first()
        if row is None:
            raise NotFoundError("question", str(question_id))
        return _view(row[2], row[0], row[1])


def _view(slug: str, q: PublicQuestion, helpful: bool | None) -> QuestionView:
    return QuestionView(
        q.id,
        slug,
        q.asked_at,
        q.question,
        q.channel,
        q.answered,
        q.entry_id,
        q.entry_version,
        q.score,
        list(q.candidates or []),
        q.review,
        q.reviewed_by,
        helpful,
    )


def attach_question(db: Database, question_id: int, entry_id: str, *, actor: str) -> bool:
    """Attach an asked question to the entry that should have answered it, as a phrasing."""
    with db.transaction() as s:
        question = s.get(PublicQuestion, question_id)
        if question is None:
            raise NotFoundError("question", str(question_id))
        incident = s.get(Incident, question.incident_id)
        assert incident is not None
        added = add_phrasing(s, incident, entry_id, question.question, actor=actor)
        question.review = "attached"
        question.reviewed_by = actor
        question.reviewed_at = utcnow()
        return added


def mark_question(db: Database, question_id: int, review: str, *, actor: str) -> None:
    """Set a question's review state: needs_entry, dismissed, or open again."""
    if review not in ("open", "needs_entry", "dismissed"):
        raise InvalidInputError(f"cannot mark a question {review!r}", where="review")
    with db.transaction() as s:
        question = s.get(PublicQuestion, question_id)
        if question is None:
            raise NotFoundError("question", str(question_id))
        question.review = review
        question.reviewed_by = actor
        question.reviewed_at = utcnow()


@dataclass(frozen=True)
class EntryFeedback:
    entry: str
    question: str | None
    shown: int
    helpful: int
    not_helpful: int


def feedback_counts(db: Database, slug: str) -> list[EntryFeedback]:
    """Per entry: how often it was shown, and the votes; most shown first."""
    with db.read() as s:
        incident = get_incident(s, slug)
        helpful = func.sum(case((Feedback.helpful.is_(True), 1), else_=0))
        unhelpful = func.sum(case((Feedback.helpful.is_(False), 1), else_=0))
        rows = s.execute(
            select(PublicQuestion.entry_id, func.count(PublicQuestion.id), helpful, unhelpful)
            .outerjoin(Feedback, Feedback.question_id == PublicQuestion.id)
            .where(PublicQuestion.incident_id == incident.id, PublicQuestion.entry_id.is_not(None))
            .group_by(PublicQuestion.entry_id)
            .order_by(func.count(PublicQuestion.id).desc())
        ).all()
        questions = _current_questions(s, [r[0] for r in rows])
        return [
            EntryFeedback(eid, questions.get(eid), int(n), int(h or 0), int(u or 0))
            for eid, n, h, u in rows
        ]


def _current_questions(s: Session, entry_ids: list[str]) -> dict[str, str]:
    if not entry_ids:
        return {}
    out: dict[str, str] = {}
    for eid, question in s.execute(
        select(EntryVersion.entry_id, EntryVersion.question)
        .join(Entry, Entry.id == EntryVersion.entry_id)
        .where(EntryVersion.entry_id.in_(entry_ids), EntryVersion.status == "approved")
        .order_by(EntryVersion.version)
    ):
        out[eid] = question
    return out
