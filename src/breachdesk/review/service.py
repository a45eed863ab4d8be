"""Record what the public asked and was shown; let editors learn from it.

Every question asked on the public page or the API is stored — redacted first, so card numbers,
phone numbers, mail addresses and My Numbers never reach the database — with the exact entry
version that was shown, or the entries suggested to choose from and the one the person chose.

The review queue shows twins (the same question typed differently, `grouping.question_key`) as
one item, those needing a decision first: not answered, a suggestion chosen (a proposed phrasing
of the chosen entry, accepted with one click), or an answer voted unhelpful. An editor attaches a
question to the entry that should have answered it (it becomes a phrasing the engine matches),
marks it as needing a new entry, or dismisses it; the decision closes its open twins too.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    case,
    cast,
    false,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from breachdesk.answer.model import ANSWERED, Answer
from breachdesk.auth.service import Actor, audited, digest
from breachdesk.db import Database
from breachdesk.db.ids import reserve_ids
from breachdesk.db.tables import Entry, EntryVersion, Feedback, Incident, PublicQuestion, utcnow
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.inquiries import service as inquiries
from breachdesk.kb.editing import add_phrasing
from breachdesk.kb.service import get_incident
from breachdesk.privacy.redact import redact
from breachdesk.review.grouping import question_key

CHANNELS = ("web", "api")
REVIEW_STATES = ("open", "attached", "needs_entry", "dismissed")
_KIND_ORDER = {"qa": 0, "passage": 1}
"""Which entries make the better attach targets: a FAQ question, then a notice passage."""
PENDING = "pending"
"""The queue's default view: open questions that need an editor's decision."""


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
    outcome: str = "abstained"
    suggested: list[dict[str, Any]] = field(default_factory=list)
    chosen_entry: str | None = None
    twins: int = 1
    """How many questions this item stands for in the queue (itself and its open twins)."""
    target: str | None = None
    """The entry pre-selected to attach to: the chosen suggestion, else the best-ranked FAQ
    question among the candidates, else the best-ranked passage, else the best-ranked one."""
    kinds: dict[str, str] = field(default_factory=dict)
    """The kind (qa, passage, note…) of each candidate, suggested and chosen entry."""

    @property
    def needs_decision(self) -> bool:
        """Whether an editor has something to decide about it (an answered question with no
        unhelpful vote does not)."""
        return self.review == "open" and (
            not self.answered or self.chosen_entry is not None or self.helpful is False
        )

    @property
    def targets(self) -> list[dict[str, Any]]:
        """The entries it may be attached to from the queue, each once: the target first, then
        the suggestions and candidates, FAQ questions before passages before the rest (notes,
        contact blocks). `suggested` says whether the person was offered it."""
        offered = {c["entry"] for c in self.suggested}
        seen: dict[str, dict[str, Any]] = {}
        for c in [*self.suggested, *self.candidates]:
            seen.setdefault(
                c["entry"],
                {
                    "entry": c["entry"],
                    "question": c["question"],
                    "suggested": c["entry"] in offered,
                },
            )
        if self.chosen_entry and self.chosen_entry not in seen:
            seen[self.chosen_entry] = {
                "entry": self.chosen_entry,
                "question": self.chosen_entry,
                "suggested": True,
            }
        first = [seen.pop(self.target)] if self.target in seen else []
        rest = sorted(
            seen.values(), key=lambda c: _KIND_ORDER.get(self.kinds.get(c["entry"], ""), 2)
        )
        return [*first, *rest]


def new_feedback_token() -> str:
    """An unguessable token to hand out with an answer: feedback and a suggestion choice on
    that question must bring it back (the database keeps only its SHA-256)."""
    return secrets.token_urlsafe(24)


def record_question(
    db: Database, answer: Answer, *, channel: str = "web", feedback_token: str | None = None
) -> int:
    """Store an asked question (redacted) with what was shown, now; returns its id.

    `feedback_token` (from `new_feedback_token`) is what the asker must send back to vote on
    the answer or choose a suggestion; without one, nobody can. The same transaction logs it
    on the inquiry desk as a `web` inquiry, so the daily report counts web questions too.
    The web faces log through the worker's batch writer instead (`review.log`), which writes
    the very same rows.
    """
    (question_id,) = reserve_ids(db, PublicQuestion, 1)
    row = question_row(question_id, answer, channel=channel, feedback_token=feedback_token)
    with db.transaction() as s:
        write_questions(s, [row])
    return question_id


@dataclass(frozen=True)
class LoggedQuestion:
    """A question to log, with the id already reserved for it (`db.ids`)."""

    id: int
    answer: Answer
    channel: str
    feedback_token: str | None
    asked_at: datetime


def question_row(
    question_id: int,
    answer: Answer,
    *,
    channel: str = "web",
    feedback_token: str | None = None,
    asked_at: datetime | None = None,
) -> LoggedQuestion:
    """A question to log under a reserved id (checked here, written by `write_questions`)."""
    if channel not in CHANNELS:
        raise InvalidInputError(f"unknown channel {channel!r}")
    return LoggedQuestion(question_id, answer, channel, feedback_token, asked_at or utcnow())


def write_questions(s: Session, logged: Sequence[LoggedQuestion]) -> None:
    """Insert logged questions and their `web` inquiries in the caller's transaction: two
    multi-row INSERTs whatever the batch's size, the question text redacted first."""
    if not logged:
        return
    slugs = {q.answer.incident for q in logged}
    incidents = {i.slug: i for i in s.scalars(select(Incident).where(Incident.slug.in_(slugs)))}
    for slug in slugs - incidents.keys():
        raise NotFoundError("incident", slug)
    rows = []
    for q in logged:
        answer = q.answer
        text = redact(answer.question)
        rows.append(
            {
                "id": q.id,
                "incident_id": incidents[answer.incident].id,
                "asked_at": q.asked_at,
                "question": text,
                "channel": q.channel,
                "answered": answer.answered,
                "entry_id": answer.entry,
                "entry_version": answer.entry_version,
                "score": float(answer.score),
                "candidates": [
                    {"entry": c.entry, "question": c.question, "score": round(c.score, 4)}
                    for c in answer.candidates
                ],
                "review": "open",
                "outcome": ANSWERED if answer.answered else answer.outcome,
                "suggested": [
                    {"entry": x.entry, "question": x.question} for x in answer.suggestions
                ],
                "group_key": question_key(text),
                "feedback_token_hash": digest(q.feedback_token) if q.feedback_token else None,
            }
        )
    s.execute(insert(typed(Table, PublicQuestion.__table__)), rows)  # Core: no ORM bulk machinery
    inquiries.log_web_questions(
        s,
        [
            inquiries.WebQuestion(
                incident=incidents[q.answer.incident],
                public_question_id=q.id,
                received_at=q.asked_at,
                answered=q.answer.answered,
                entry_id=q.answer.entry,
                entry_version=q.answer.entry_version,
            )
            for q in logged
        ],
    )


def _asker_question(s: Session, question_id: int, token: str, slug: str | None) -> PublicQuestion:
    """The question, if `token` is the one issued with its answer (and it was asked about
    `slug`, when given); else not found — a wrong token says nothing about the question."""
    question = s.get(PublicQuestion, question_id)
    expected = question.feedback_token_hash if question is not None else None
    if (
        question is None
        or not expected
        or not hmac.compare_digest(expected, digest(token))
        or (slug is not None and get_incident(s, slug).id != question.incident_id)
    ):
        raise NotFoundError("question", str(question_id))
    return question


def record_feedback(
    db: Database, question_id: int, helpful: bool, *, token: str, slug: str | None = None
) -> None:
    """A 役に立ちましたか？ vote on the answer shown for a question, by whoever holds the token
    issued with it; a second vote replaces the first."""
    with db.transaction() as s:
        question = _asker_question(s, question_id, token, slug)
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


ASKERS = "askers"  # who attached a phrasing that askers agreed on


def record_choice(
    db: Database,
    question_id: int,
    entry_id: str,
    *,
    token: str,
    slug: str | None = None,
    agree: int = 0,
) -> bool:
    """Log which suggested entry a person chose for their question (they hold the token issued
    with it); a second choice replaces the first. Only an entry that was actually suggested
    for that question can be chosen.

    With `agree` > 0, once that many askers of the same question (its twins: the same
    `group_key`) have chosen the same entry, the question becomes a phrasing of that entry —
    evidence for the next person's wording as an editor's attach is — written by `askers`
    with its audit row, in the same transaction. Returns whether it did. Only an entry the
    engine itself offered for that question can be chosen, so askers can only confirm one of
    its own candidates; an editor sees the phrasing on the entry and in the audit trail."""
    with db.transaction() as s:
        question = _asker_question(s, question_id, token, slug)
        if entry_id not in {c["entry"] for c in question.suggested or []}:
            raise InvalidInputError("that entry was not suggested for this question", where="entry")
        question.chosen_entry_id = entry_id
        question.chosen_at = utcnow()
        if agree <= 0 or not question.group_key:
            return False
        s.flush()
        agreeing = s.scalar(
            select(func.count(PublicQuestion.id)).where(
                PublicQuestion.incident_id == question.incident_id,
                PublicQuestion.group_key == question.group_key,
                PublicQuestion.chosen_entry_id == entry_id,
                PublicQuestion.review != "dismissed",
            )
        )
        if (agreeing or 0) < agree:
            return False
        incident = s.get(Incident, question.incident_id)
        assert incident is not None
        added = add_phrasing(s, incident, entry_id, question.question, actor=ASKERS)
        if added:
            detail = {"incident": incident.slug, "entry": entry_id, "askers": agreeing}
            audited(s, Actor(ASKERS), "phrasing.learn", str(question_id), detail)
        return added


def _needs_decision() -> ColumnElement[bool]:
    return and_(
        PublicQuestion.review == "open",
        or_(
            PublicQuestion.answered.is_(False),
            PublicQuestion.chosen_entry_id.is_not(None),
            func.coalesce(Feedback.helpful, true()) == false(),
        ),
    )


def review_queue(
    db: Database, slug: str, *, review: str | None = PENDING, limit: int = 50, offset: int = 0
) -> tuple[list[QuestionView], int]:
    """The queue, twins grouped into one item (the newest stands for them, `twins` says how
    many): those needing a decision first (a chosen suggestion, then the unanswered), larger
    groups first, then newest first; with the number of items for paging.

    `review` is a review state, `pending` (open and needing a decision) or None (every state).
    """
    if review is not None and review not in (*REVIEW_STATES, PENDING):
        raise InvalidInputError(f"unknown review state {review!r}", where="review")
    with db.read() as s:
        incident = get_incident(s, slug)
        where: list[ColumnElement[bool]] = [PublicQuestion.incident_id == incident.id]
        if review == PENDING:
            where.append(_needs_decision())
        elif review is not None:
            where.append(PublicQuestion.review == review)
        # A group is the questions sharing a key and a review state and whether they need a
        # decision; an empty key (nothing left after folding) never groups.
        key = case(
            (PublicQuestion.group_key == "", cast(PublicQuestion.id, String)),
            else_=PublicQuestion.group_key,
        )
        groups = (
            select(
                func.max(PublicQuestion.id).label("last"),
                func.count(PublicQuestion.id).label("twins"),
            )
            .outerjoin(Feedback, Feedback.question_id == PublicQuestion.id)
            .where(*where)
            .group_by(key, PublicQuestion.review, _needs_decision())
            .subquery()
        )
        total = s.scalar(select(func.count()).select_from(groups)) or 0
        rows = s.execute(
            select(PublicQuestion, Feedback.helpful, groups.c.twins)
            .join(groups, groups.c.last == PublicQuestion.id)
            .outerjoin(Feedback, Feedback.question_id == PublicQuestion.id)
            .order_by(
                PublicQuestion.chosen_entry_id.is_(None),
                PublicQuestion.answered,
                groups.c.twins.desc(),
                PublicQuestion.asked_at.desc(),
                PublicQuestion.id.desc(),
            )
            .limit(limit)
            .offset(offset)
        ).all()
        views = [replace(_view(slug, q, helpful), twins=int(n)) for q, helpful, n in rows]
        return _with_targets(s, views), int(total)


def pending_count(db: Database, slug: str) -> int:
    """How many items of the queue need an editor's decision (twins counted once)."""
    return review_queue(db, slug, review=PENDING, limit=1)[1]


def get_question(db: Database, question_id: int) -> QuestionView:
    """One logged question, with how many questions in its state it stands for (its twins)."""
    with db.read() as s:
        row = s.execute(
            select(PublicQuestion, Feedback.helpful, Incident.slug)
            .join(Incident, Incident.id == PublicQuestion.incident_id)
            .outerjoin(Feedback, Feedback.question_id == PublicQuestion.id)
            .where(PublicQuestion.id == question_id)
        ).first()
        if row is None:
            raise NotFoundError("question", str(question_id))
        question: PublicQuestion = row[0]
        twins = 1
        if question.group_key:
            twins = (
                s.scalar(
                    select(func.count(PublicQuestion.id)).where(
                        PublicQuestion.incident_id == question.incident_id,
                        PublicQuestion.group_key == question.group_key,
                        PublicQuestion.review == question.review,
                    )
                )
                or 1
            )
        view = replace(_view(row[2], question, row[1]), twins=int(twins))
        return _with_targets(s, [view])[0]


def _with_targets(s: Session, views: list[QuestionView]) -> list[QuestionView]:
    """The views with the kinds of the entries they name and their pre-selected target."""
    ids = {c["entry"] for v in views for c in [*v.candidates, *v.suggested]}
    ids |= {v.chosen_entry for v in views if v.chosen_entry}
    kinds = (
        {
            eid: kind
            for eid, kind in s.execute(select(Entry.id, Entry.kind).where(Entry.id.in_(ids)))
        }
        if ids
        else {}
    )
    out = []
    for v in views:
        ranked = [c["entry"] for c in [*v.candidates, *v.suggested] if c["entry"] in kinds]
        best = sorted(ranked, key=lambda e: _KIND_ORDER.get(kinds[e], 2))  # stable: rank kept
        target = v.chosen_entry or next(iter(best), None)
        mine = {e: kinds[e] for e in [*ranked, v.chosen_entry] if e in kinds}
        out.append(replace(v, target=target, kinds=mine))
    return out


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
        outcome=q.outcome,
        suggested=list(q.suggested or []),
        chosen_entry=q.chosen_entry_id,
    )


def attach_question(
    db: Database, question_id: int, entry_id: str, *, actor: str, by: Actor | None = None
) -> bool:
    """Attach an asked question to the entry that should have answered it, as a phrasing; its
    open twins are closed with it. Accepting a chosen suggestion is attaching to that entry.
    With `by`, the `question.attach` audit row is written in the same transaction."""
    with db.transaction() as s:
        question = s.get(PublicQuestion, question_id)
        if question is None:
            raise NotFoundError("question", str(question_id))
        incident = s.get(Incident, question.incident_id)
        assert incident is not None
        added = add_phrasing(s, incident, entry_id, question.question, actor=actor)
        _decide(s, question, "attached", actor)
        detail = {"incident": incident.slug, "entry": entry_id, "added": added}
        audited(s, by, "question.attach", str(question_id), detail)
        return added


def _decide(s: Session, question: PublicQuestion, review: str, actor: str) -> None:
    """Set a question's review state, and that of its open twins unless it is reopened."""
    rows = [question]
    if review != "open" and question.group_key:
        rows += s.scalars(
            select(PublicQuestion).where(
                PublicQuestion.incident_id == question.incident_id,
                PublicQuestion.group_key == question.group_key,
                PublicQuestion.review == "open",
                PublicQuestion.id != question.id,
            )
        ).all()
    now = utcnow()
    for row in rows:
        row.review = review
        row.reviewed_by = actor
        row.reviewed_at = now


def mark_question(
    db: Database, question_id: int, review: str, *, actor: str, by: Actor | None = None
) -> None:
    """Set a question's review state, and its open twins': needs_entry, dismissed, or open
    again (that one question only). With `by`, the `question.mark` audit row is written in the
    same transaction."""
    if review not in ("open", "needs_entry", "dismissed"):
        raise InvalidInputError(f"cannot mark a question {review!r}", where="review")
    with db.transaction() as s:
        question = s.get(PublicQuestion, question_id)
        if question is None:
            raise NotFoundError("question", str(question_id))
        _decide(s, question, review, actor)
        incident = s.get(Incident, question.incident_id)
        detail = {"incident": incident.slug if incident else "", "review": review}
        audited(s, by, "question.mark", str(question_id), detail)


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
