"""The public question log and the review queue: what was shown, redacted, and what editors do."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachdesk.answer.engine import AnswerEngine
from breachdesk.db import Database
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.kb import editing
from breachdesk.kb.service import import_documents, list_entries
from breachdesk.review import service as review
from breachdesk.text.tokens import default_tokenizer

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"
SLUG = "midori"
ODD = "店の前の植木鉢が割れていた件について知りたい"


@pytest.fixture
def engine(db: Database) -> AnswerEngine:
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    # A low threshold: these tests are about the log, not about when the engine answers.
    return AnswerEngine(db, tokenizer=default_tokenizer(), encoder=None, threshold=0.3)


TOKEN = "the-token-issued-with-the-answer"


def ask(engine: AnswerEngine, question: str) -> int:
    return review.record_question(
        engine.db, engine.ask(SLUG, question), channel="web", feedback_token=TOKEN
    )


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
    items, total = review.review_queue(engine.db, SLUG, review="open")
    assert total == 2
    assert [i.id for i in items] == [unanswered, answered]
    assert items[0].answered is False and items[0].candidates
    assert [i.id for i in review.review_queue(engine.db, SLUG)[0]] == [unanswered]


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
    review.record_feedback(db, qid, False, token=TOKEN)
    review.record_feedback(db, qid, True, token=TOKEN)
    counts = review.feedback_counts(db, SLUG)
    shown = review.get_question(db, qid)
    assert [(c.entry, c.shown, c.helpful, c.not_helpful) for c in counts] == [
        (shown.entry, 1, 1, 0)
    ]
    with pytest.raises(NotFoundError):
        review.record_feedback(db, 10_000, True, token=TOKEN)


# --- suggestions, choices, twins ---------------------------------------------------------------

VAGUE = "カードは再発行が必要？"


@pytest.fixture
def suggesting(engine: AnswerEngine) -> AnswerEngine:
    """The same desk, never sure enough to answer: every plausible question gets suggestions."""
    return AnswerEngine(engine.db, tokenizer=engine.tokenizer, encoder=None, threshold=1.01)


def test_a_suggested_outcome_is_logged_with_what_was_offered(suggesting: AnswerEngine) -> None:
    answer = suggesting.ask(SLUG, VAGUE)
    assert answer.outcome == "suggested"
    qid = review.record_question(suggesting.db, answer)
    logged = review.get_question(suggesting.db, qid)
    assert logged.outcome == "suggested" and not logged.answered
    assert [s["entry"] for s in logged.suggested] == [s.entry for s in answer.suggestions]
    assert logged.chosen_entry is None


def test_a_choice_is_logged_and_proposed_first_in_the_queue(suggesting: AnswerEngine) -> None:
    db = suggesting.db
    other = ask(suggesting, ODD)
    qid = ask(suggesting, VAGUE)
    chosen = review.get_question(db, qid).suggested[1]["entry"]
    review.record_choice(db, qid, chosen, token=TOKEN)
    items, total = review.review_queue(db, SLUG)
    assert [i.id for i in items] == [qid, other] and total == 2
    assert items[0].chosen_entry == chosen
    assert items[0].target == chosen  # pre-selected: one click accepts it
    assert items[0].targets[0]["entry"] == chosen


def test_only_an_entry_that_was_suggested_can_be_chosen(suggesting: AnswerEngine) -> None:
    db = suggesting.db
    qid = ask(suggesting, VAGUE)
    offered = {s["entry"] for s in review.get_question(db, qid).suggested}
    # Up to five are offered: on this four-entry FAQ, maybe all of them; another incident's
    # entry is never one.
    import_documents(db, "aoba", [FIXTURES / "qa_faq.txt"])
    stranger = next(
        e.id for e in [*list_entries(db, SLUG), *list_entries(db, "aoba")] if e.id not in offered
    )
    with pytest.raises(InvalidInputError):
        review.record_choice(db, qid, stranger, token=TOKEN)
    with pytest.raises(NotFoundError):
        review.record_choice(db, 10_000, stranger, token=TOKEN)
    assert review.get_question(db, qid).chosen_entry is None


def test_accepting_a_choice_attaches_the_question_as_a_phrasing(suggesting: AnswerEngine) -> None:
    db = suggesting.db
    qid = ask(suggesting, VAGUE)
    chosen = review.get_question(db, qid).suggested[0]["entry"]
    review.record_choice(db, qid, chosen, token=TOKEN)
    assert review.attach_question(db, qid, chosen, actor="eri") is True
    assert editing.entry_detail(db, SLUG, chosen).phrasings == [VAGUE]
    assert review.pending_count(db, SLUG) == 0


def test_twins_are_one_item_and_attaching_one_closes_them_all(engine: AnswerEngine) -> None:
    db = engine.db
    twins = [
        ask(engine, q)
        for q in (ODD, ODD + "。", "店の前の 植木鉢が割れていた件について知りたいです")
    ]
    other = ask(engine, "店の看板が倒れていた件について知りたい")
    items, total = review.review_queue(db, SLUG)
    assert total == 2
    by_id = {i.id: i for i in items}
    assert by_id[twins[-1]].twins == 3 and by_id[other].twins == 1
    assert items[0].id == twins[-1]  # the larger group first
    assert review.get_question(db, twins[0]).twins == 3
    target = next(e.id for e in list_entries(db, SLUG) if "補償" in e.question)
    review.attach_question(db, twins[-1], target, actor="eri")
    assert [review.get_question(db, t).review for t in twins] == ["attached"] * 3
    assert review.get_question(db, other).review == "open"
    assert review.pending_count(db, SLUG) == 1


def test_the_badge_counts_only_what_needs_a_decision(engine: AnswerEngine) -> None:
    db = engine.db
    answered = ask(engine, "漏えいした情報は何ですか")
    assert review.get_question(db, answered).answered
    assert review.pending_count(db, SLUG) == 0
    assert review.review_queue(db, SLUG, review="open")[1] == 1  # still open, nothing to decide
    ask(engine, ODD)
    assert review.pending_count(db, SLUG) == 1
    review.record_feedback(
        db, answered, False, token=TOKEN
    )  # an answer voted unhelpful needs a look
    assert review.pending_count(db, SLUG) == 2


def test_the_preselected_target_is_a_faq_question_rather_than_a_passage(
    engine: AnswerEngine,
) -> None:
    db = engine.db
    qid = ask(engine, "パスワードは含まれますか")
    question = review.get_question(db, qid)
    kinds = {e.id: e.kind for e in list_entries(db, SLUG)}
    ranked = [c["entry"] for c in question.candidates]
    assert any(kinds[e] == "qa" for e in ranked)
    assert question.target is not None and kinds[question.target] == "qa"
    assert question.target == next(e for e in ranked if kinds[e] == "qa")
