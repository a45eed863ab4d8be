"""The operator console end to end over HTTP: upload, edit, approve, review, users, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.desk import Desk

SLUG = "aozora"
FAQ = "Q1. 漏えいした情報は何ですか？\nA1. 氏名と住所です。\n\nQ2. 補償はありますか？\nA2. 500円分のポイントを付与します。\n"


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "c.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    for name, role in (("ada", "admin"), ("eri", "editor"), ("vic", "viewer"), ("ola", "operator")):
        auth.create_user(the_desk.db, name, PASSWORD, role)
    return the_desk


def upload(client: TestClient, csrf: str, name: str, text: str) -> object:
    return client.post(
        f"/console/i/{SLUG}/upload",
        data={"csrf_token": csrf, "format": "auto"},
        files={"files": (name, text.encode("utf-8"), "text/plain")},
    )


def test_an_editor_uploads_edits_and_approves_and_the_public_sees_it(desk: Desk) -> None:
    admin, admin_csrf = signed_in(desk, "ada")
    created = admin.post(
        "/console/incidents", data={"csrf_token": admin_csrf, "slug": SLUG, "name": "青空書店"}
    )
    assert created.status_code == 200, created.text
    editor, csrf = signed_in(desk, "eri")
    response = upload(editor, csrf, "faq.txt", FAQ)
    assert response.status_code == 200  # type: ignore[attr-defined]
    entries = {e.question: e for e in desk.entries(SLUG)}
    entry = entries["補償はありますか？"]
    page = editor.get(f"/console/i/{SLUG}/entries/{entry.id}/edit")
    assert page.status_code == 200
    editor.post(
        f"/console/i/{SLUG}/entries/{entry.id}/edit",
        data={
            "csrf_token": csrf,
            "question": entry.question,
            "answer": "1,000円分です。",
            "section": "",
            "note": "増額",
        },
    )
    assert {e.id: e.answer for e in desk.entries(SLUG)}[entry.id] == entry.answer  # a draft
    detail = editor.get(f"/console/i/{SLUG}/entries/{entry.id}")
    assert "1,000円分です。" in HTMLParser(detail.text).body.text()  # type: ignore[union-attr]
    editor.post(
        f"/console/i/{SLUG}/entries/{entry.id}/versions/2/approve", data={"csrf_token": csrf}
    )
    assert {e.id: e.answer for e in desk.entries(SLUG)}[entry.id] == "1,000円分です。"
    public = editor.get(f"/i/{SLUG}", params={"q": "補償はありますか"})
    assert "1,000円分です。" in public.text
    actions = {r.action for r in auth.list_audit(desk.db, limit=100)[0]}
    assert {"incident.create", "documents.import", "entry.edit", "entry.approve"} <= actions or len(
        actions
    ) >= 4


def test_a_broken_upload_names_the_file_and_line_and_changes_nothing(desk: Desk) -> None:
    admin, admin_csrf = signed_in(desk, "ada")
    admin.post(
        "/console/incidents", data={"csrf_token": admin_csrf, "slug": SLUG, "name": "青空書店"}
    )
    editor, csrf = signed_in(desk, "eri")
    upload(editor, csrf, "faq.txt", FAQ)
    before = desk.entries(SLUG)
    broken = upload(editor, csrf, "broken.csv", '質問,回答\n"閉じていない引用,x\n')
    assert broken.status_code == 422  # type: ignore[attr-defined]
    assert "broken.csv" in broken.text  # type: ignore[attr-defined]
    assert desk.entries(SLUG) == before


def test_script_in_entries_and_questions_is_shown_as_text(desk: Desk) -> None:
    admin, admin_csrf = signed_in(desk, "ada")
    admin.post(
        "/console/incidents", data={"csrf_token": admin_csrf, "slug": SLUG, "name": "青空書店"}
    )
    editor, csrf = signed_in(desk, "eri")
    upload(
        editor,
        csrf,
        "faq.txt",
        "Q1. <script>alert(1)</script>ですか？\nA1. <b>太字</b><script>x()</script>\n",
    )
    desk.ask_public(SLUG, "<script>alert('q')</script>について")
    for path in (f"/console/i/{SLUG}/entries", f"/console/i/{SLUG}/review?state=all"):
        page = editor.get(path)
        tree = HTMLParser(page.text)
        assert all(s.attributes.get("src") for s in tree.css("script")), path
        assert "<script>" in tree.body.text()  # type: ignore[union-attr]


def test_review_attach_teaches_the_engine(desk: Desk) -> None:
    admin, admin_csrf = signed_in(desk, "ada")
    admin.post(
        "/console/incidents", data={"csrf_token": admin_csrf, "slug": SLUG, "name": "青空書店"}
    )
    editor, csrf = signed_in(desk, "eri")
    upload(editor, csrf, "faq.txt", FAQ)
    odd = "店の前の植木鉢が割れていた件"
    shown = desk.ask_public(SLUG, odd)
    assert shown.question_id is not None and not shown.answer.answered
    target = next(e.id for e in desk.entries(SLUG) if "補償" in e.question)
    editor.post(
        f"/console/i/{SLUG}/review/{shown.question_id}/attach",
        data={"csrf_token": csrf, "entry": target, "back": f"/console/i/{SLUG}/review"},
    )
    again = desk.ask(SLUG, odd)
    assert target in {again.entry, *(c.entry for c in again.candidates)}
    operator, op_csrf = signed_in(desk, "ola")
    refused = operator.post(
        f"/console/i/{SLUG}/review/{shown.question_id}/attach",
        data={"csrf_token": op_csrf, "entry": target},
    )
    assert refused.status_code == 403


def test_a_viewer_sees_no_edit_forms(desk: Desk) -> None:
    admin, admin_csrf = signed_in(desk, "ada")
    admin.post(
        "/console/incidents", data={"csrf_token": admin_csrf, "slug": SLUG, "name": "青空書店"}
    )
    editor, csrf = signed_in(desk, "eri")
    upload(editor, csrf, "faq.txt", FAQ)
    viewer, _ = signed_in(desk, "vic")
    entry = desk.entries(SLUG)[0]
    page = viewer.get(f"/console/i/{SLUG}/entries/{entry.id}")
    assert page.status_code == 200
    forms = [f.attributes.get("action", "") for f in HTMLParser(page.text).css("form")]
    assert all(str(a).endswith("/console/logout") for a in forms)
    assert viewer.get("/console/users").status_code == 403


def test_a_reupload_that_would_overwrite_an_edit_says_its_new_text_waits_for_approval(
    desk: Desk,
) -> None:
    admin, admin_csrf = signed_in(desk, "ada")
    admin.post(
        "/console/incidents", data={"csrf_token": admin_csrf, "slug": SLUG, "name": "青空書店"}
    )
    editor, csrf = signed_in(desk, "eri")
    upload(editor, csrf, "faq.txt", FAQ)
    entry = next(e for e in desk.entries(SLUG) if "補償" in e.question)
    form = {"csrf_token": csrf, "question": entry.question, "answer": "編集した回答です。"}
    editor.post(f"/console/i/{SLUG}/entries/{entry.id}/edit", data=form)
    editor.post(f"/console/i/{SLUG}/entries/{entry.id}/versions/2/approve", data=form)
    response = upload(editor, csrf, "faq.txt", FAQ.replace("500円分", "1,000円分"))
    lines = [li.text() for li in HTMLParser(response.text).css(".flash li")]  # type: ignore[attr-defined]
    assert any("承認待ちの下書き" in line and "1件" in line for line in lines), lines
    assert {e.id: e.answer for e in desk.entries(SLUG)}[entry.id] == "編集した回答です。"
    token = auth.create_token(desk.db, "robot", "editor")
    api = editor.post(
        f"/api/v1/incidents/{SLUG}/documents",
        files={"files": ("faq.txt", FAQ.replace("500円分", "2,000円分").encode(), "text/plain")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [r["held"] for r in api.json()] == [1]
    rows, _ = auth.list_audit(desk.db, action="documents.import", limit=1)
    assert rows[0].detail["held"] == 1
