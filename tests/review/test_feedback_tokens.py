"""Feedback and suggestion choices belong to whoever was shown the answer: they must bring
back the token issued with it, for a question of the incident they name."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from breachdesk.answer.engine import AnswerEngine
from breachdesk.auth.service import digest
from breachdesk.db import Database
from breachdesk.db.tables import Feedback, PublicQuestion
from breachdesk.errors import NotFoundError
from breachdesk.kb.service import import_documents
from breachdesk.review import service as review
from breachdesk.text.tokens import default_tokenizer

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"
SLUG = "midori"
OTHER = "aoba"


@pytest.fixture
def engine(db: Database) -> AnswerEngine:
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    import_documents(db, OTHER, [FIXTURES / "qa_faq.txt"])
    return AnswerEngine(db, tokenizer=default_tokenizer(), encoder=None)


def votes(db: Database) -> list[tuple[int, bool]]:
    with db.read() as s:
        return [(f.question_id, f.helpful) for f in s.scalars(select(Feedback))]


def test_only_the_token_issued_with_the_answer_records_a_vote(engine: AnswerEngine) -> None:
    db = engine.db
    token = review.new_feedback_token()
    qid = review.record_question(
        db, engine.ask(SLUG, "漏えいした情報は何ですか"), feedback_token=token
    )
    for wrong in ("", "guess", token[:-1], review.new_feedback_token()):
        with pytest.raises(NotFoundError):
            review.record_feedback(db, qid, False, token=wrong)
    assert votes(db) == []
    review.record_feedback(db, qid, True, token=token, slug=SLUG)
    assert votes(db) == [(qid, True)]


def test_a_vote_through_another_incident_is_refused(engine: AnswerEngine) -> None:
    db = engine.db
    token = review.new_feedback_token()
    qid = review.record_question(
        db, engine.ask(OTHER, "漏えいした情報は何ですか"), feedback_token=token
    )
    with pytest.raises(NotFoundError):
        review.record_feedback(db, qid, False, token=token, slug=SLUG)
    with pytest.raises(NotFoundError):
        review.record_feedback(db, qid, False, token=token, slug="no-such-incident")
    assert votes(db) == []


def test_a_question_logged_without_a_token_takes_no_votes_or_choices(
    engine: AnswerEngine,
) -> None:
    db = engine.db
    qid = review.record_question(db, engine.ask(SLUG, "漏えいした情報は何ですか"))
    with pytest.raises(NotFoundError):
        review.record_feedback(db, qid, True, token="")
    with pytest.raises(NotFoundError):
        review.record_choice(db, qid, "anything", token="x")


def test_a_choice_needs_the_token_too(engine: AnswerEngine) -> None:
    db = engine.db
    suggesting = AnswerEngine(db, tokenizer=engine.tokenizer, encoder=None, threshold=1.01)
    answer = suggesting.ask(SLUG, "カードは再発行が必要？")
    assert answer.suggestions
    token = review.new_feedback_token()
    qid = review.record_question(db, answer, feedback_token=token)
    chosen = answer.suggestions[0].entry
    with pytest.raises(NotFoundError):
        review.record_choice(db, qid, chosen, token="guess", slug=SLUG)
    assert review.get_question(db, qid).chosen_entry is None
    review.record_choice(db, qid, chosen, token=token, slug=SLUG)
    assert review.get_question(db, qid).chosen_entry == chosen


def test_the_token_is_stored_only_as_its_hash(engine: AnswerEngine) -> None:
    db = engine.db
    tokens = {review.new_feedback_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 32 for t in tokens)
    token = tokens.pop()
    qid = review.record_question(
        db, engine.ask(SLUG, "漏えいした情報は何ですか"), feedback_token=token
    )
    with db.read() as s:
        row = s.get(PublicQuestion, qid)
        assert row is not None
        assert row.feedback_token_hash == digest(token) != token
