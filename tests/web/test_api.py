"""The HTTP face: the ask endpoint's contract, errors as JSON, the public page without JS."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(
        db=str(tmp_path / "web.db"), dense_model="none", cache_dir=tmp_path / "cache"
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    return TestClient(create_app(settings, desk=desk))


def test_ask_returns_the_same_answer_object_as_the_cli(client: TestClient) -> None:
    response = client.post(
        f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "流出した情報は何ですか"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["incident"] == DEMO_SLUG
    assert set(data) >= {"answered", "answer", "matched_question", "entry", "score", "contact"}
    assert data["contact"]["phone"] == "0120-000-111"


def test_an_unknown_incident_is_a_json_404(client: TestClient) -> None:
    response = client.post("/api/v1/incidents/nope/ask", json={"question": "質問"})
    assert response.status_code == 404
    assert "incident" in response.json()["error"]


def test_a_100_kb_question_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post(f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "あ" * 100_000})
    assert response.status_code == 413
    assert "byte limit" in response.json()["error"]


def test_a_question_over_the_character_limit_is_a_clear_422(client: TestClient) -> None:
    response = client.post(f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "あ" * 1001})
    assert response.status_code == 422
    assert "question" in response.json()["error"]


def test_a_malformed_body_is_a_json_error_with_a_message(client: TestClient) -> None:
    response = client.post(
        f"/api/v1/incidents/{DEMO_SLUG}/ask",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"].startswith("invalid request")


def test_an_unknown_api_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "error" in response.json()


def test_lists_are_paginated(client: TestClient) -> None:
    first = client.get(f"/api/v1/incidents/{DEMO_SLUG}/entries", params={"limit": 2}).json()
    second = client.get(
        f"/api/v1/incidents/{DEMO_SLUG}/entries", params={"limit": 2, "offset": 2}
    ).json()
    assert first["total"] == second["total"] > 4
    assert len(first["items"]) == len(second["items"]) == 2
    assert {e["entry"] for e in first["items"]}.isdisjoint(e["entry"] for e in second["items"])
    assert client.get("/api/v1/incidents", params={"limit": 0}).status_code == 422


def test_an_asked_question_can_get_feedback_and_is_logged_redacted(client: TestClient) -> None:
    from breachdesk.review.service import get_question

    card = "4111 1111 1111 1111"
    response = client.post(
        f"/api/v1/incidents/{DEMO_SLUG}/ask",
        json={"question": f"カード {card} は再発行が必要ですか"},
    )
    data = response.json()
    qid, token = data["question_id"], data["feedback_token"]
    url = f"/api/v1/questions/{qid}/feedback"
    assert client.post(url, json={"helpful": False, "feedback_token": token}).status_code == 204
    assert client.post(url, json={"helpful": True, "feedback_token": token}).status_code == 204
    desk = client.app.state.desk  # type: ignore[attr-defined]
    logged = get_question(desk.db, qid)
    assert card not in logged.question and "[カード番号]" in logged.question
    assert logged.helpful is True
    assert logged.channel == "api"
    unknown = {"helpful": True, "feedback_token": token}
    assert client.post("/api/v1/questions/999999/feedback", json=unknown).status_code == 404


def test_the_public_page_answers_a_plain_form_post_and_escapes_text(client: TestClient) -> None:
    response = client.get(f"/i/{DEMO_SLUG}", params={"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    assert all(s.attributes.get("src") for s in tree.css("script"))  # no inline script
    assert tree.css_first("input#q").attributes["value"] == "<script>alert(1)</script>"
    faq = tree.css("#faq article")
    assert len(faq) >= 10
    assert all(a.attributes.get("id") for a in faq)


def test_the_openapi_document_lists_the_ask_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/incidents/{slug}/ask" in paths


def test_a_chosen_suggestion_is_recorded_only_for_an_entry_that_was_suggested(
    tmp_path: Path,
) -> None:
    from breachdesk.review.service import get_question

    settings = Settings(
        db=str(tmp_path / "web.db"),
        dense_model="none",
        cache_dir=tmp_path / "cache",
        answer_threshold=1.0,  # never sure enough to answer: plausible questions get suggestions
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    client = TestClient(create_app(settings, desk=desk))
    data = client.post(
        f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "カードの再発行について"}
    ).json()
    assert data["outcome"] == "suggested" and data["suggestions"]
    qid, chosen = data["question_id"], data["suggestions"][-1]["entry"]
    token = data["feedback_token"]
    offered = {s["entry"] for s in data["suggestions"]}
    stranger = next(e.id for e in desk.entries(DEMO_SLUG) if e.id not in offered)
    url = f"/api/v1/questions/{qid}/choice"
    assert client.post(url, json={"entry": stranger, "feedback_token": token}).status_code == 422
    assert client.post(url, json={"entry": chosen, "feedback_token": token}).status_code == 204
    assert get_question(desk.db, qid).chosen_entry == chosen
    unknown = {"entry": chosen, "feedback_token": token}
    assert client.post("/api/v1/questions/999999/choice", json=unknown).status_code == 404
