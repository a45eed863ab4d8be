"""An entry's edit, approval, rejection and retirement commit with their audit row or not at all,
on both faces: the audit row used to be written in a second transaction after the change had
committed, so a crash (or a failed write) between left a served change nobody had recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.kb import editing
from breachdesk.web.app import create_app


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "a.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    auth.create_user(the_desk.db, "eri", PASSWORD, "editor")
    return the_desk


@pytest.fixture
def failing_audit(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The audit write fails (a full disk, a dropped connection) for the entry actions."""
    attempted: list[str] = []
    real = auth.record

    def record(s: Any, actor: str, action: str, *args: Any, **kwargs: Any) -> None:
        if action.startswith("entry."):
            attempted.append(action)
            raise RuntimeError("the audit row could not be written")
        real(s, actor, action, *args, **kwargs)

    monkeypatch.setattr(auth, "record", record)
    return attempted


def draft(desk: Desk) -> tuple[str, int]:
    entry = desk.entries(DEMO_SLUG)[0]
    number = editing.propose_version(
        desk.db, DEMO_SLUG, entry.id, question=entry.question, answer="改訂。", actor="eri"
    )
    return entry.id, number


def statuses(desk: Desk, entry_id: str) -> list[str]:
    return [v.status for v in editing.entry_detail(desk.db, DEMO_SLUG, entry_id).versions]


def test_an_api_edit_and_approval_are_undone_when_their_audit_row_fails(
    desk: Desk, failing_audit: list[str]
) -> None:
    entry_id, number = draft(desk)
    token = auth.create_token(desk.db, "robot", "editor")
    client = TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )
    url = f"/api/v1/incidents/{DEMO_SLUG}/entries/{entry_id}/versions"
    with pytest.raises(RuntimeError):
        client.post(f"{url}/{number}/approve")
    assert statuses(desk, entry_id) == ["approved", "draft"]  # still a draft: nothing served
    with pytest.raises(RuntimeError):
        client.post(url, json={"question": "質問", "answer": "回答です。"})
    assert statuses(desk, entry_id) == ["approved", "draft"]  # no version without its record
    assert failing_audit == ["entry.approve", "entry.edit"]


def test_console_actions_are_undone_when_their_audit_row_fails(
    desk: Desk, failing_audit: list[str]
) -> None:
    entry_id, number = draft(desk)
    client, csrf = signed_in(desk, "eri")
    form = {"csrf_token": csrf}
    base = f"/console/i/{DEMO_SLUG}/entries/{entry_id}"
    served_before = desk.entries(DEMO_SLUG)
    for path in (f"{base}/versions/{number}/approve", f"{base}/versions/{number}/reject"):
        with pytest.raises(RuntimeError):
            client.post(path, data=form)
        assert statuses(desk, entry_id) == ["approved", "draft"]
    with pytest.raises(RuntimeError):
        client.post(f"{base}/retire", data=form)
    assert desk.entries(DEMO_SLUG) == served_before  # still served
    with pytest.raises(RuntimeError):
        client.post(f"{base}/edit", data={**form, "question": "質問", "answer": "回答です。"})
    assert statuses(desk, entry_id) == ["approved", "draft"]
    assert failing_audit == ["entry.approve", "entry.reject", "entry.retire", "entry.edit"]
