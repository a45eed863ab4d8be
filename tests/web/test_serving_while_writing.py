"""Requests are served while the database's writer is busy (an import on SQLite holds it for
seconds): a logged question is answered at once with the id its log row will have, and the
row is written by the worker's question-log writer once the writer is free."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from breachdesk.config import Settings
from breachdesk.db.tables import Inquiry, PublicQuestion
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app


def test_a_logged_question_is_answered_while_the_writer_is_held_and_logged_after(
    tmp_path: Path,
) -> None:
    settings = Settings(
        db=str(tmp_path / "web.db"), dense_model="none", cache_dir=tmp_path / "cache"
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    writer = sqlite3.connect(tmp_path / "web.db", isolation_level=None)
    with TestClient(create_app(settings, desk=desk)) as client:
        assert client.get("/api/v1/incidents").status_code == 200
        writer.execute("BEGIN IMMEDIATE")  # as an import does, for the whole of it
        asked = client.post(
            f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "カードの再発行"}
        )
        listed = client.get("/api/v1/incidents")
        # Answered while the writer is still held: the log row waits, the person does not.
        assert asked.status_code == 200 and listed.status_code == 200
        question_id = asked.json()["question_id"]
        with desk.db.read() as s:
            assert s.get(PublicQuestion, question_id) is None  # not written yet
        writer.execute("COMMIT")
        desk.flush_question_log()
        with desk.db.read() as s:
            row = s.get(PublicQuestion, question_id)
            assert row is not None and row.question == "カードの再発行"
            logged = s.scalars(
                select(Inquiry).where(Inquiry.public_question_id == question_id)
            ).all()
            assert [(i.channel, i.source) for i in logged] == [("web", "web")]
    writer.close()
