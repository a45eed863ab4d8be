"""Two app instances on one database serve the same answers: a change made through one is
picked up by the other (as several workers or servers on one PostgreSQL would)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.desk import Desk
from breachdesk.kb import editing
from breachdesk.web.app import create_app

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"
SLUG = "midori"
QUESTION = "漏えいした情報は何ですか？"


def instance(db: Database, tmp_path: Path) -> tuple[Desk, TestClient]:
    settings = Settings(
        db=db.url, dense_model="none", cache_dir=tmp_path / "cache", kb_refresh_seconds=0
    )
    desk = Desk(settings, db=Database(db.url, schema=db.schema))
    return desk, TestClient(create_app(settings, desk=desk))


def ask(client: TestClient) -> dict[str, object]:
    response = client.post(f"/api/v1/incidents/{SLUG}/ask", json={"question": QUESTION})
    assert response.status_code == 200
    data: dict[str, object] = response.json()
    return data


def test_an_approved_edit_in_one_instance_is_served_by_the_other(
    db: Database, tmp_path: Path
) -> None:
    one, client_one = instance(db, tmp_path)
    _two, client_two = instance(db, tmp_path)
    one.import_documents(SLUG, [FIXTURES / "qa_faq.txt"])
    before = ask(client_two)
    first = ask(client_one)
    assert before["answered"]
    assert (before["entry"], before["answer"], before["entry_version"]) == (
        first["entry"],
        first["answer"],
        first["entry_version"],
    )
    entry = str(before["entry"])
    number = editing.propose_version(
        one.db, SLUG, entry, question=QUESTION, answer="氏名と住所です（訂正）。", actor="eri"
    )
    assert ask(client_two)["answer"] == before["answer"]  # a draft is not served
    editing.approve_version(one.db, SLUG, entry, number, actor="eri")
    # Each instance notices the change on its next question and keeps serving the previous
    # index while a thread builds the new one.
    ask(client_two)
    ask(client_one)
    _two.engine.wait_for_rebuilds()
    one.engine.wait_for_rebuilds()
    after = ask(client_two)
    assert after["answer"] == "氏名と住所です（訂正）。"
    assert after["entry_version"] == number
    assert ask(client_one)["answer"] == after["answer"]
