"""A chosen suggestion, once several askers of the same question agree on it, becomes a
phrasing of that entry (evidence for the next person's wording), exactly once, however many
choose at the same moment; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from breachdesk.answer.engine import AnswerEngine
from breachdesk.auth.service import list_audit
from breachdesk.db import Database
from breachdesk.db.tables import EntryPhrasing
from breachdesk.kb.editing import entry_detail
from breachdesk.kb.service import get_incident, import_documents
from breachdesk.review import service as review
from breachdesk.text.tokens import default_tokenizer

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"
SLUG = "midori"
VAGUE = "カードってどうしたらいい？"


@pytest.fixture
def engine(db: Database) -> AnswerEngine:
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    # Never sure enough to answer: every question gets suggestions to choose from.
    engine = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=None, threshold=1.0)
    engine.suggest_threshold = 0.0
    return engine


def asked(engine: AnswerEngine, question: str = VAGUE) -> tuple[int, str, str]:
    """A person asks; returns the logged question, its token and the first suggestion."""
    answer = engine.ask(SLUG, question)
    assert answer.outcome == "suggested", answer
    token = review.new_feedback_token()
    qid = review.record_question(engine.db, answer, feedback_token=token)
    return qid, token, answer.suggestions[0].entry


def kb_version(db: Database) -> int:
    with db.read() as s:
        return get_incident(s, SLUG).kb_version


def test_the_third_asker_choosing_the_same_entry_teaches_the_desk(engine: AnswerEngine) -> None:
    db = engine.db
    before = kb_version(db)
    learnt = []
    for _ in range(3):
        qid, token, entry = asked(engine)
        learnt.append(review.record_choice(db, qid, entry, token=token, slug=SLUG, agree=3))
    assert learnt == [False, False, True]
    detail = entry_detail(db, SLUG, entry)
    assert detail.phrasings == [VAGUE]
    assert kb_version(db) == before + 1
    rows, _ = list_audit(db, action="phrasing.learn")
    assert [(r.actor, r.detail["entry"], r.detail["askers"]) for r in rows] == [
        ("askers", entry, 3)
    ]
    # A fourth changes nothing: the phrasing is there once.
    qid, token, entry = asked(engine)
    assert not review.record_choice(db, qid, entry, token=token, slug=SLUG, agree=3)
    assert entry_detail(db, SLUG, entry).phrasings == [VAGUE]


def test_different_questions_or_a_dismissed_one_do_not_add_up(engine: AnswerEngine) -> None:
    db = engine.db
    qid, token, entry = asked(engine)
    review.record_choice(db, qid, entry, token=token, slug=SLUG, agree=2)
    review.mark_question(db, qid, "dismissed", actor="eri")
    other, other_token, other_entry = asked(engine, "再発行ってどうなりますか")
    assert not review.record_choice(db, other, other_entry, token=other_token, slug=SLUG, agree=2)
    qid, token, entry = asked(engine)
    assert not review.record_choice(db, qid, entry, token=token, slug=SLUG, agree=2)
    assert entry_detail(db, SLUG, entry).phrasings == []
    # Off by default in the core: agree=0 never learns.
    for _ in range(3):
        qid, token, entry = asked(engine)
        assert not review.record_choice(db, qid, entry, token=token, slug=SLUG)


def test_askers_choosing_at_the_same_moment_add_the_phrasing_once(engine: AnswerEngine) -> None:
    db = engine.db
    people = [asked(engine) for _ in range(8)]
    start = threading.Barrier(len(people))

    def choose(person: tuple[int, str, str]) -> bool:
        qid, token, entry = person
        start.wait()
        return review.record_choice(db, qid, entry, token=token, slug=SLUG, agree=3)

    with ThreadPoolExecutor(len(people)) as pool:
        learnt = list(pool.map(choose, people))
    assert sum(learnt) == 1
    with db.read() as s:
        assert s.scalar(select(func.count(EntryPhrasing.id))) == 1
    assert len(list_audit(db, action="phrasing.learn")[0]) == 1
