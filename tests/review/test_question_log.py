"""The question log's batch writer (`review.log`): ids handed out before the rows are written,
unique across writers (workers, servers); every submitted question written once with its web
inquiry; a refused row loses only itself; a store that is away is waited for, not given up on."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from breachdesk.answer.engine import AnswerEngine
from breachdesk.db import Database
from breachdesk.db.tables import Incident, Inquiry, PublicQuestion
from breachdesk.kb.service import import_documents
from breachdesk.review import service as review
from breachdesk.review.log import QuestionLog
from breachdesk.text.tokens import default_tokenizer

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"


def engine_for(db: Database, *slugs: str) -> AnswerEngine:
    for slug in slugs:
        import_documents(db, slug, [FIXTURES / "qa_faq.txt"])
    return AnswerEngine(db, tokenizer=default_tokenizer(), encoder=None)


def rows(db: Database) -> list[tuple[int, str, str]]:
    with db.read() as s:
        return [
            (q.id, q.question, q.outcome)
            for q in s.scalars(select(PublicQuestion).order_by(PublicQuestion.id))
        ]


def test_two_writers_and_the_direct_path_never_share_an_id(db: Database) -> None:
    engine = engine_for(db, "midori")
    answers = [engine.ask("midori", f"カードの再発行はできますか {i}") for i in range(3)]
    # Two logs on one store stand for two worker processes (or two servers); small blocks so
    # that both come back for more while the other holds ids, and a direct write in between.
    logs = [QuestionLog(db, block=7), QuestionLog(db, block=5)]
    handed: list[int] = []
    lock = threading.Lock()

    def ask(log: QuestionLog, n: int) -> None:
        for i in range(n):
            qid = log.submit(answers[i % 3], channel="web", feedback_token=f"t{i}")
            with lock:
                handed.append(qid)

    threads = [threading.Thread(target=ask, args=(logs[i % 2], 40)) for i in range(6)]
    for t in threads:
        t.start()
    direct = [review.record_question(db, answers[0], channel="api") for _ in range(5)]
    for t in threads:
        t.join()
    for log in logs:
        log.close()
    ids = handed + direct
    assert len(ids) == len(set(ids)) == 245
    stored = rows(db)
    assert sorted(i for i, _, _ in stored) == sorted(ids)
    with db.read() as s:
        logged = s.scalars(select(Inquiry.public_question_id)).all()
    # Each question is one web inquiry, pointing at its own row.
    assert sorted(logged) == sorted(ids)
    assert sum(log.written for log in logs) == 240 and not any(log.dropped for log in logs)


def test_the_rows_are_those_of_the_direct_path(db: Database) -> None:
    engine = engine_for(db, "midori")
    answer = engine.ask("midori", "カード番号 4111 1111 1111 1111 の再発行はできますか")
    direct = review.record_question(db, answer, channel="web", feedback_token="tok")
    log = QuestionLog(db)
    batched = log.submit(answer, channel="web", feedback_token="tok")
    log.close()
    with db.read() as s:
        a, b = s.get(PublicQuestion, direct), s.get(PublicQuestion, batched)
        assert a is not None and b is not None
        assert "4111" not in b.question  # redacted before it is stored
        for column in (
            "question",
            "channel",
            "answered",
            "entry_id",
            "entry_version",
            "outcome",
            "candidates",
            "suggested",
            "group_key",
            "feedback_token_hash",
            "review",
        ):
            assert getattr(a, column) == getattr(b, column), column
        inquiries = {
            i.public_question_id: (i.channel, i.outcome, i.category_id, i.day)
            for i in s.scalars(select(Inquiry))
        }
    assert inquiries[direct] == inquiries[batched]


def test_a_refused_row_loses_only_itself(db: Database) -> None:
    engine = engine_for(db, "midori", "aoba")
    kept = engine.ask("midori", "カードの再発行はできますか")
    gone = engine.ask("aoba", "カードの再発行はできますか")
    with db.transaction() as s:
        s.execute(delete(Incident).where(Incident.slug == "aoba"))
    log = QuestionLog(db)
    ids = [log.submit(kept), log.submit(gone), log.submit(kept)]
    log.close()
    assert [i for i, _, _ in rows(db)] == [ids[0], ids[2]]
    assert (log.written, log.dropped) == (2, 1)


def test_a_store_that_is_away_is_waited_for(db: Database, caplog) -> None:  # type: ignore[no-untyped-def]
    engine = engine_for(db, "midori")
    answer = engine.ask("midori", "カードの再発行はできますか")
    failures = [2]

    def flaky(database: Database, batch: list[review.LoggedQuestion]) -> None:
        if failures[0]:
            failures[0] -= 1
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        with database.transaction() as s:
            review.write_questions(s, batch)

    log = QuestionLog(db, write=flaky)
    qid = log.submit(answer, feedback_token="secret-token")
    assert log.flush(timeout=30)
    log.close()
    assert [i for i, _, _ in rows(db)] == [qid]
    assert failures == [0]
    assert "secret-token" not in caplog.text and "カード" not in caplog.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Inquiry)) == 1
