"""受付日時 on the desk form and the API: a call logged after the fact keeps the time it came in,
typed as operators type dates; a future or implausible time is refused naming the field, and
the form comes back with what was typed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi import FastAPI
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.inquiries import service as inquiries
from breachdesk.inquiries.dates import JST
from breachdesk.web.app import create_app

SLUG = "aozora"
FAQ = "Q1. 補償はありますか？\nA1. 500円分のポイントを付与します。\n"
CALLED = datetime(2026, 11, 2, 15, 5, tzinfo=JST)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "r.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    faq = tmp_path / "faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    the_desk.import_documents(SLUG, [faq], name="青空書店")
    auth.create_user(the_desk.db, "ola", PASSWORD, "operator")
    return the_desk


def logged(desk: Desk) -> list[inquiries.InquiryView]:
    return inquiries.list_inquiries(desk.db, SLUG)[0]


def post(desk: Desk, **fields: str) -> tuple[int, HTMLParser]:
    operator, csrf = signed_in(desk, "ola")
    response = operator.post(
        f"/console/i/{SLUG}/desk",
        data={"csrf_token": csrf, "outcome": "answered", "channel": "phone", **fields},
    )
    return response.status_code, HTMLParser(response.text)


def test_the_form_has_an_optional_received_at_field_explained_in_japanese(desk: Desk) -> None:
    operator, _ = signed_in(desk, "ola")
    page = HTMLParser(operator.get(f"/console/i/{SLUG}/desk").text)
    field = page.css_first('form.desk-form input[name="received_at"]')
    assert field is not None and "required" not in field.attributes
    label = page.css_first('label[for="received_at"]')
    assert label is not None and label.text().startswith("受付日時")
    hint = page.css_first("#received-hint")
    assert hint is not None and "空欄なら記録した時刻" in hint.text()
    assert "received-hint" in str(field.attributes["aria-describedby"])


@pytest.mark.parametrize(
    "typed",
    [
        "2026/11/2 15:05",
        "2026-11-02T15:05",
        "2026-11-02 15:05+09:00",
        "2026年11月2日 午後3時5分",
        "令和8年11月2日 15時5分",
        "２０２６／１１／２　１５：０５",
    ],
)
def test_a_call_logged_after_the_fact_keeps_the_time_it_came_in(desk: Desk, typed: str) -> None:
    status, page = post(desk, received_at=typed, note="あとで記録")
    assert status == 200  # after the redirect
    (call,) = logged(desk)
    assert call.received_at == CALLED and call.day == CALLED.date()
    flash = page.css_first(".flash")
    assert flash is not None and "11/02 15:05" in flash.text()
    row = page.css_first('table[aria-label="最近の受付記録"] tbody tr')
    assert row is not None and "11/02 15:05" in row.text()


def test_a_blank_received_at_is_now(desk: Desk) -> None:
    before = datetime.now(JST)
    post(desk, received_at="  ")
    (call,) = logged(desk)
    assert before - timedelta(seconds=1) <= call.received_at <= datetime.now(JST)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ((datetime.now(JST) + timedelta(days=2)).strftime("%Y/%m/%d %H:%M"), "未来の日時"),
        ("1999/12/31 10:00", "ありえない日時"),
        ("昨日の夕方", "日時として読めません"),
        ("2026/11/2", "日時として読めません"),  # a day without a time of day
        ("2026/2/30 10:00", "日時として読めません"),
    ],
)
def test_a_future_implausible_or_unreadable_time_is_refused_naming_the_field(
    desk: Desk, typed: str, says: str
) -> None:
    status, page = post(desk, received_at=typed, note="折返し希望", category="補償・QUOカードPay")
    assert status == 422
    assert logged(desk) == []
    error = page.css_first("#received-error")
    assert error is not None and error.text().startswith("受付日時") and says in error.text()
    assert "received_at" not in error.text()  # the field's Japanese name, not its code
    field = page.css_first('input[name="received_at"]')
    assert field is not None and field.attributes["value"] == typed
    assert field.attributes["aria-invalid"] == "true"
    assert "received-error" in str(field.attributes["aria-describedby"])
    # What the operator typed comes back with the refusal.
    note = page.css_first('textarea[name="note"]')
    assert note is not None and note.text() == "折返し希望"
    chosen = page.css_first('input[name="category"][checked]')
    assert chosen is not None and chosen.attributes["value"] == "補償・QUOカードPay"


def test_another_refusal_is_shown_above_the_form_in_japanese(desk: Desk) -> None:
    status, page = post(desk, category="存在しない分類")
    assert status == 422 and logged(desk) == []
    error = page.css_first("#desk-error")
    assert error is not None and "問い合わせ分類" in error.text()
    assert "not found" not in error.text()


def test_the_api_reads_received_at_like_the_form(desk: Desk) -> None:
    token = auth.create_token(desk.db, "robot", "operator")
    api = TestClient(
        desk_app(desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )
    url = f"/api/v1/incidents/{SLUG}/inquiries"
    body = {"channel": "phone", "outcome": "answered", "received_at": "2026年11月2日 午後3時5分"}
    created = api.post(url, json=body)
    assert created.status_code == 201, created.text
    assert datetime.fromisoformat(created.json()["received_at"]) == CALLED
    iso = api.post(url, json={**body, "received_at": "2026-11-02T06:05:00Z"})
    assert datetime.fromisoformat(iso.json()["received_at"]) == CALLED
    future = (datetime.now(JST) + timedelta(hours=1)).isoformat()
    for typed, says in ((future, "未来の日時"), ("昨日", "日時として読めません")):
        refused = api.post(url, json={**body, "received_at": typed})
        assert refused.status_code == 422
        assert "received_at" in refused.json()["error"] and says in refused.json()["error"]
        assert "受付日時" in refused.json()["error"]
    assert len(logged(desk)) == 2


def desk_app(desk: Desk) -> FastAPI:
    return create_app(desk.settings, desk=desk)
