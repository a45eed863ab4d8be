"""The callback request through its faces: the public form (offered out of hours and from every
desk card, CSRF, errors next to the field, the same 受け付けました page for everyone, the
hourly limit), the console's 折返し worklist and the API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db.tables import AuditEvent, CallbackRequest, Inquiry
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST
from breachdesk.register.crypto import new_master_key
from breachdesk.web.app import create_app
from breachdesk.web.public import current_time

PASSWORD = "correct horse battery"
# Wednesday 10 June 2026, 18:30: the demo desk (10:00~17:00, 土日祝日を除く) has closed.
EVENING = datetime(2026, 6, 10, 18, 30, tzinfo=JST)
PHONE = "090-3141-5926"
FORM = f"/i/{DEMO_SLUG}/callback"


def make_desk(folder: Path, *, key: bool = True, limit: int = 5) -> Desk:
    settings = Settings(
        db=str(folder / "w.db"),
        dense_model="none",
        cache_dir=folder / "c",
        master_key=SecretStr(new_master_key()) if key else None,
        callback_limit_per_hour=limit,
        rate_limit_per_minute=0,
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    for name, role in (("vic", "viewer"), ("ola", "operator")):
        auth.create_user(desk.db, name, PASSWORD, role)
    return desk


def client_of(desk: Desk, when: datetime = EVENING) -> TestClient:
    app = create_app(desk.settings, desk=desk)
    app.dependency_overrides[current_time] = lambda: when
    return TestClient(app, base_url="https://testserver")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    made = make_desk(tmp_path)
    yield made
    made.db.dispose()


def tree(response: Any) -> HTMLParser:
    return HTMLParser(response.text)


def form_values(client: TestClient, **changes: str) -> dict[str, str]:
    page = tree(client.get(FORM))
    token = page.css_first('input[name="csrf_token"]')
    slot = page.css_first('input[name="slot"]')
    assert token is not None and slot is not None
    values = {
        "csrf_token": str(token.attributes["value"]),
        "channel": "phone",
        "contact": PHONE,
        "slot": str(slot.attributes["value"]),
        "question": "QUOカードはいつ届きますか",
        "name": "",
    }
    return {**values, **changes}


def stored(desk: Desk) -> list[tuple[int, str, str, bytes]]:
    """(id, channel, state, sealed) of every stored request."""
    c = CallbackRequest
    with desk.db.read() as s:
        rows = s.execute(select(c.id, c.channel, c.state, c.sealed).order_by(c.id))
        return [(i, ch, st, bytes(b)) for i, ch, st, b in rows]


def signed_in(desk: Desk, user: str) -> tuple[TestClient, str]:
    client = client_of(desk)
    page = tree(client.get("/console/login"))
    field = page.css_first('input[name="csrf_token"]')
    assert field is not None
    client.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": field.attributes["value"]},
    )
    principal = auth.resolve_session(desk.db, str(client.cookies.get("bd_session")), hours=1)
    assert principal is not None and principal.csrf_token
    return client, principal.csrf_token


# --- the public form ---------------------------------------------------------------------------


def test_the_desk_card_links_to_the_form_which_offers_the_next_open_slots(desk: Desk) -> None:
    client = client_of(desk)
    card = tree(client.get(f"/i/{DEMO_SLUG}")).css_first("#overview .desk-card .desk-callback")
    assert card is not None and "受付時間外です" in card.text()
    link = card.css_first("a")
    assert link is not None and link.attributes["href"] == FORM
    page = tree(client.get(FORM))
    slots = [str(i.attributes["value"]) for i in page.css('input[name="slot"]')]
    assert slots[:3] == ["2026-06-11T10:00", "2026-06-11T12:00", "2026-06-12T10:00"]
    assert len(slots) == 10  # five open days, 午前 and 午後
    assert "ただいま窓口の受付時間外です" in page.body.text() if page.body else False


def test_a_request_without_the_forms_token_is_refused(desk: Desk) -> None:
    client = client_of(desk)
    values = form_values(client)
    values["csrf_token"] = "forged"
    assert client.post(FORM, data=values).status_code == 403
    fresh = client_of(desk)  # no cookie at all
    assert fresh.post(FORM, data=form_values(client)).status_code == 403
    assert stored(desk) == []


def test_a_wrong_number_is_named_next_to_its_field_and_never_logged(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_of(desk)
    response = client.post(FORM, data=form_values(client, contact="1234-98765"))
    assert response.status_code == 422
    page = tree(response)
    error = page.css_first("#contact-error")
    assert error is not None and "電話番号" in error.text()
    field = page.css_first("#contact")
    assert field is not None and field.attributes.get("aria-invalid") == "true"
    assert "contact-error" in str(field.attributes.get("aria-describedby"))
    assert stored(desk) == []
    assert "1234-98765" not in caplog.text and "QUOカード" not in caplog.text


def test_everyone_gets_the_same_accepted_page(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_of(desk)
    first = client.post(FORM, data=form_values(client))
    second = client.post(
        FORM, data=form_values(client, channel="phone", contact="03-9999-0000", question="")
    )
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert "ご依頼を受け付けました" in first.text and "6月11日（木）午前" in first.text
    assert PHONE not in first.text
    rows = stored(desk)
    assert [(r[1], r[2]) for r in rows] == [("phone", "open"), ("phone", "open")]
    assert PHONE.replace("-", "").encode() not in rows[0][3]
    assert "3141" not in caplog.text
    # A key made for callbacks does not switch the self-check on for an empty register.
    assert not desk.register.available(DEMO_SLUG)


def test_over_the_hourly_limit_the_form_says_so_and_stores_nothing(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, limit=2)
    client = client_of(desk)
    for _ in range(2):
        assert client.post(FORM, data=form_values(client)).status_code == 200
    refused = client.post(FORM, data=form_values(client))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    notice = tree(refused).css_first("#callback-notice")
    assert notice is not None and "時間をおいて" in notice.text()
    assert len(stored(desk)) == 2


def test_without_a_master_key_the_page_shows_the_desk_only(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, key=False)
    client = client_of(desk)
    assert tree(client.get(f"/i/{DEMO_SLUG}")).css_first(".desk-callback") is None
    page = tree(client.get(FORM))
    assert page.css_first("#callback-form") is None
    assert page.css_first("#callback-unavailable .desk-card") is not None
    assert stored(desk) == []


# --- the console and the API -------------------------------------------------------------------


def test_an_operator_opens_and_completes_a_request_from_the_worklist(desk: Desk) -> None:
    public = client_of(desk)
    public.post(FORM, data=form_values(public))
    callback_id = stored(desk)[0][0]
    operator, csrf = signed_in(desk, "ola")
    worklist = tree(operator.get(f"/console/i/{DEMO_SLUG}/callbacks"))
    row = worklist.css_first(f"#callback-{callback_id}")
    assert row is not None and row.attributes["data-overdue"] == "no"
    assert PHONE.replace("-", "") not in worklist.html  # listed, not shown

    opened = operator.post(
        f"/console/i/{DEMO_SLUG}/callbacks/{callback_id}/show", data={"csrf_token": csrf}
    )
    contact = tree(opened).css_first("#opened-contact")
    assert contact is not None and contact.text().strip() == "09031415926"
    done = operator.post(
        f"/console/i/{DEMO_SLUG}/callbacks/{callback_id}/complete",
        data={"csrf_token": csrf, "outcome": "answered", "category": "", "note": "発送日を案内"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    again = operator.post(
        f"/console/i/{DEMO_SLUG}/callbacks/{callback_id}/complete",
        data={"csrf_token": csrf, "outcome": "answered"},
        follow_redirects=True,
    )
    assert "すでにほかの担当者が完了" in again.text
    with desk.db.read() as s:
        inquiries = [
            (i.channel, i.outcome, i.handled_by)
            for i in s.scalars(select(Inquiry).where(Inquiry.source == "callback"))
        ]
        actions = [a.action for a in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert inquiries == [("phone", "answered", "ola")]
    assert [a for a in actions if a.startswith("callback.")] == [
        "callback.request",
        "callback.view",
        "callback.complete",
    ]


def test_a_viewer_cannot_see_the_worklist(desk: Desk) -> None:
    viewer, _ = signed_in(desk, "vic")
    assert viewer.get(f"/console/i/{DEMO_SLUG}/callbacks").status_code == 403


def test_the_api_lists_shows_and_completes_once(desk: Desk) -> None:
    public = client_of(desk)
    public.post(FORM, data=form_values(public))
    callback_id = stored(desk)[0][0]
    token = auth.create_token(desk.db, "desk-bot", "operator")
    api = client_of(desk)
    headers = {"Authorization": f"Bearer {token}"}
    listed = api.get(f"/api/v1/incidents/{DEMO_SLUG}/callbacks", headers=headers).json()
    assert [(c["id"], c["channel"], c["state"]) for c in listed] == [(callback_id, "phone", "open")]
    assert "contact" not in listed[0]
    shown = api.get(f"/api/v1/incidents/{DEMO_SLUG}/callbacks/{callback_id}", headers=headers)
    assert shown.json()["contact"] == "09031415926"
    url = f"/api/v1/incidents/{DEMO_SLUG}/callbacks/{callback_id}/complete"
    first = api.post(url, json={"outcome": "no_answer"}, headers=headers)
    assert first.json() == {"id": callback_id, "state": "open", "attempts": 1, "inquiry": None}
    closed = api.post(url, json={"outcome": "escalated", "note": "担当部署へ"}, headers=headers)
    assert closed.json()["state"] == "done" and closed.json()["inquiry"] is not None
    assert api.post(url, json={"outcome": "answered"}, headers=headers).status_code == 409
    viewer = auth.create_token(desk.db, "viewer-bot", "viewer")
    refused = api.get(
        f"/api/v1/incidents/{DEMO_SLUG}/callbacks", headers={"Authorization": f"Bearer {viewer}"}
    )
    assert refused.status_code == 403
