"""Votes and choices through both faces: only with the token that came with the answer, and
only on the incident the question was asked about (ids are sequential, so guessable)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.review.service import get_question
from breachdesk.web.app import create_app

OTHER = "other-shop"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("tokens")
    settings = Settings(db=str(folder / "t.db"), dense_model="none", cache_dir=folder / "c")
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    desk.import_documents(OTHER, demo_files())
    with TestClient(create_app(settings, desk=desk)) as client:
        yield client


def desk_of(client: TestClient) -> Desk:
    desk: Desk = client.app.state.desk  # type: ignore[attr-defined]
    return desk


def asked(client: TestClient, slug: str) -> tuple[int, str]:
    data = client.post(
        f"/api/v1/incidents/{slug}/ask", json={"question": "カードを再発行したい"}
    ).json()
    assert data["answered"]
    return int(data["question_id"]), str(data["feedback_token"])


def test_the_page_form_carries_the_token_and_a_stranger_cannot_vote(client: TestClient) -> None:
    theirs, token = asked(client, OTHER)
    # The probe: another incident's question id through this incident's form, with no token,
    # a guessed one, and even the right one.
    for sent in ({}, {"feedback_token": "guess"}, {"feedback_token": token}):
        response = client.post(
            f"/i/{DEMO_SLUG}/feedback",
            data={"question_id": str(theirs), "helpful": "no", **sent},
            follow_redirects=False,
        )
        assert response.status_code in (404, 422), sent
    assert get_question(desk_of(client).db, theirs).helpful is None

    page = HTMLParser(client.get(f"/i/{DEMO_SLUG}", params={"q": "カードを再発行したい"}).text)
    form = page.css_first("#answer form.feedback-form")
    assert form is not None
    fields = {
        str(i.attributes["name"]): i.attributes["value"] or ""
        for i in form.css("input[type=hidden]")
    }
    assert len(fields["feedback_token"]) >= 32
    mine = int(fields["question_id"])
    response = client.post(
        form.attributes["action"] or "", data={**fields, "helpful": "yes"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert get_question(desk_of(client).db, mine).helpful is True


def test_the_api_needs_the_answer_token_for_feedback_and_choices(client: TestClient) -> None:
    qid, token = asked(client, DEMO_SLUG)
    url = f"/api/v1/questions/{qid}/feedback"
    assert client.post(url, json={"helpful": False}).status_code == 422
    assert client.post(url, json={"helpful": False, "feedback_token": "x" * 32}).status_code == 404
    other_qid, other_token = asked(client, DEMO_SLUG)
    assert (
        client.post(url, json={"helpful": False, "feedback_token": other_token}).status_code == 404
    )
    assert get_question(desk_of(client).db, qid).helpful is None
    assert client.post(url, json={"helpful": False, "feedback_token": token}).status_code == 204
    assert get_question(desk_of(client).db, qid).helpful is False
    assert get_question(desk_of(client).db, other_qid).helpful is None

    choice = f"/api/v1/questions/{qid}/choice"
    assert client.post(choice, json={"entry": "x", "feedback_token": "guess"}).status_code == 404


def test_a_draft_has_neither_id_nor_token(client: TestClient) -> None:
    data = client.post(
        f"/api/v1/incidents/{DEMO_SLUG}/ask",
        json={"question": "カードを再発行したい", "draft": True},
    ).json()
    assert data["question_id"] is None and data["feedback_token"] is None
