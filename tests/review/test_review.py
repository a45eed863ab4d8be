"""The public question log and the review queue: what was shown, redacted, and what editors do."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachdesk.answer.engine import AnswerEngine
from breachdesk.answer.tokens import default_tokenizer
from breachdesk.db import Database
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.kb import editing
from breachdesk.kb.service import import_documents, list_entries
from breachdesk.review import service as review

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"
SLUG = "midori"
ODD = "店の前の植木鉢が割れていた件について知りたい"


@pytest.fixture
def engine(db: Database) -> AnswerEngine:
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    return AnswerEngine(db, tokenizer=default_tokenizer(), encoder=None)


def ask(engine: AnswerEngine, question: str) -> int:
    return review.record_question(engine.db, engine.ask(SLUG, question), channel="web")


def test_a_logged_question_records_the_exact_version_shown(engine: AnswerEngine) -> None:
    answer = engine.ask(SLUG, "漏えいした情報は何ですか")
    assert answer.answered
    qid = review.record_question(engine.db, answer)
    logged = review.get_question(engine.db, qid)
    assert (logged.entry, logged.entry_version, logged.answered) == (
        answer.entry,
        answer.entry_version,
        True,
    )


def test_personal_data_in_a_question_never_reaches_the_log(engine: AnswerEngine) -> None:
    qid = ask(engine, "4111-1111-1111-1111 と 090-1234-5678 と aki@example.jp は大丈夫？")
    text = review.get_question(engine.db, qid).question
    for secret in ("4111", "090-1234", "aki@example.jp"):
        assert secret not in text
    assert "[カード番号]" in text and "[電話番号]" in text and "[メールアドレス]" in text


def test_unanswered_questions_come_first_in_the_queue(engine: AnswerEngine) -> None:
    answered = ask(engine, "漏えいした情報は何ですか")
    unanswered = ask(engine, ODD)
    items, total = review.review_queue(engine.db, SLUG)
    assert total == 2
    assert [i.id for i in items] == [unanswered, answered]
    assert items[0].answered is False and items[0].candidates


def test_attaching_a_question_teaches_the_engine_that_wording(engine: AnswerEngine) -> None:
    db = engine.db
    qid = ask(engine, ODD)
    assert not engine.ask(SLUG, ODD).answered
    target = next(e.id for e in list_entries(db, SLUG) if "補償" in e.question)
    assert review.attach_question(db, qid, target, actor="eri") is True
    assert review.attach_question(db, qid, target, actor="eri") is False  # already attached
    after = engine.ask(SLUG, ODD)
    assert after.entry == target or (after.candidates and after.candidates[0].entry == target)
    assert editing.entry_detail(db, SLUG, target).phrasings == [ODD]
    items, _ = review.review_queue(db, SLUG, review="attached")
    assert [(i.id, i.reviewed_by) for i in items] == [(qid, "eri")]
    assert review.review_queue(db, SLUG)[1] == 0


def test_marking_and_feedback(engine: AnswerEngine) -> None:
    db = engine.db
    qid = ask(engine, "漏えいした情報は何ですか")
    review.mark_question(db, qid, "needs_entry", actor="eri")
    assert review.get_question(db, qid).review == "needs_entry"
    with pytest.raises(InvalidInputError):
        review.mark_question(db, qid, "attached", actor="eri")
    review.record_feedback(db, qid, False)
    review.record_feedback(db, qid, True)
    counts = review.feedback_counts(db, SLUG)
    shown = review.get_question(db, qid)
    assert [(c.entry, c.shown, c.helpful, c.not_helpful) for c in counts] == [
        (shown.entry, 1, 1, 0)
    ]
    with pytest.raises(NotFoundError):
        review.record_feedback(db, 10_000, True)
