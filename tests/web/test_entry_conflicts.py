"""Two editors on one entry, through both faces: the stale edit is refused with a message naming
who changed it (409 on the API; on the console the form comes back with the editor's text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.kb import editing
from breachdesk.web.app import create_app


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "e.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    auth.create_user(the_desk.db, "alice", PASSWORD, "editor")
    auth.create_user(the_desk.db, "bob", PASSWORD, "editor")
    return the_desk


def an_entry(desk: Desk) -> str:
    return next(e.id for e in desk.entries(DEMO_SLUG) if e.kind == "qa")


def edit_form(client: TestClient, entry: str) -> dict[str, str]:
    page = HTMLParser(client.get(f"/console/i/{DEMO_SLUG}/entries/{entry}/edit").text)
    form = page.css_first("form textarea[name=answer]")
    assert form is not None
    fields = {
        node.attributes["name"] or "": node.attributes.get("value") or node.text()
        for node in page.css("form input[name], form textarea[name]")
    }
    assert "base_version" in fields
    return fields


def test_the_console_refuses_a_stale_edit_and_keeps_the_text(desk: Desk) -> None:
    entry = an_entry(desk)
    alice, csrf_a = signed_in(desk, "alice")
    bob, csrf_b = signed_in(desk, "bob")
    form_a, form_b = edit_form(alice, entry), edit_form(bob, entry)
    saved = alice.post(
        f"/console/i/{DEMO_SLUG}/entries/{entry}/edit",
        data={**form_a, "answer": "アリスの回答", "csrf_token": csrf_a},
    )
    assert saved.status_code == 200 and "下書き" in saved.text
    stale = bob.post(
        f"/console/i/{DEMO_SLUG}/entries/{entry}/edit",
        data={**form_b, "answer": "ボブの回答", "csrf_token": csrf_b},
    )
    assert stale.status_code == 409
    page = HTMLParser(stale.text)
    answer = page.css_first("textarea[name=answer]")
    assert answer is not None and answer.text() == "ボブの回答"
    assert "alice" in stale.text
    versions = editing.entry_detail(desk.db, DEMO_SLUG, entry).versions
    assert [v.created_by for v in versions][-1] == "alice"
    # Saving again from the returned form is deliberate: it is based on alice's version now.
    again = {
        n.attributes["name"] or "": n.attributes.get("value") or n.text()
        for n in page.css("form input[name], form textarea[name]")
    }
    retry = bob.post(f"/console/i/{DEMO_SLUG}/entries/{entry}/edit", data=again)
    assert retry.status_code == 200
    assert editing.entry_detail(desk.db, DEMO_SLUG, entry).versions[-1].created_by == "bob"


def test_the_api_refuses_a_stale_edit_with_409(desk: Desk) -> None:
    entry = an_entry(desk)
    token = auth.create_token(desk.db, "robot", "editor")
    api = TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )
    url = f"/api/v1/incidents/{DEMO_SLUG}/entries/{entry}"
    opened = max(v["version"] for v in api.get(url).json()["versions"])
    body = {"question": "質問", "base_version": opened}
    first = api.post(f"{url}/versions", json={**body, "answer": "一つ目"})
    assert first.status_code == 201
    second = api.post(f"{url}/versions", json={**body, "answer": "二つ目"})
    assert second.status_code == 409
    assert "robot" in second.json()["error"] and f"version {opened + 1}" in second.json()["error"]
