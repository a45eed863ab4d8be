"""Uploads on the desk: a phone system's call log and a vendor's delivery results, from the
console (flash messages naming the bad rows) and the API (422 naming them), and the bounced
list as the next campaign's audience."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.inquiries import campaigns
from breachdesk.inquiries import service as inquiries
from breachdesk.kb import editing

CALLS = (
    "着信日時,結果,通話時間,分類,メモ\n"
    "2026/11/2 9:01,応答,120,不正利用,090-1234-5678 から身に覚えのない請求\n"
    "2026/11/2 9:05,話中,,,\n"
    "2026/11/2 9:10,折返し,60,,\n"
)
BAD_CALLS = "着信日時,結果,通話時間\n2026/11/2 9:01,応答,120\n昨日,応答,10\n2026/11/2 9:03,謎,10\n"
RESULTS = "宛先,配信結果,エラー内容\na@example.jp,配信済,\nb@example.jp,不達,User unknown\n"


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "u.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    auth.create_user(the_desk.db, "eri", PASSWORD, "editor")
    auth.create_user(the_desk.db, "ola", PASSWORD, "operator")
    return the_desk


def flash(response_text: str) -> tuple[str, list[str]]:
    box = HTMLParser(response_text).css_first(".flash")
    assert box is not None
    return box.text(), [li.text() for li in box.css("li")]


def calls_logged(desk: Desk) -> int:
    return inquiries.list_inquiries(desk.db, DEMO_SLUG, limit=1)[1]


def test_an_editor_imports_a_call_log_from_the_desk_page(desk: Desk) -> None:
    editor, csrf = signed_in(desk, "eri")
    page = editor.get(f"/console/i/{DEMO_SLUG}/desk")
    assert HTMLParser(page.text).css_first('form[action$="/calls"] input[type="file"]')
    response = editor.post(
        f"/console/i/{DEMO_SLUG}/calls",
        data={"csrf_token": csrf},
        files={"file": ("calls-1102.csv", CALLS.encode("cp932"), "text/csv")},
    )
    text, _ = flash(response.text)
    assert "3件" in text and "応答 1" in text and "話中/放棄 1" in text
    recent = HTMLParser(response.text).css('table[aria-label="最近の受付記録"] tbody tr')
    assert len(recent) == 3
    assert "090-1234-5678" not in response.text and "[電話番号]" in response.text


def test_a_bad_call_log_names_every_bad_row_and_stores_none(desk: Desk) -> None:
    editor, csrf = signed_in(desk, "eri")
    before = calls_logged(desk)
    response = editor.post(
        f"/console/i/{DEMO_SLUG}/calls",
        data={"csrf_token": csrf},
        files={"file": ("bad.csv", BAD_CALLS.encode(), "text/csv")},
    )
    text, lines = flash(response.text)
    assert "bad.csv" in text and "2行に誤り" in text
    assert [line.split("：")[0] for line in lines] == ["3行目", "4行目"]
    assert calls_logged(desk) == before


def test_an_operator_cannot_import_a_call_log(desk: Desk) -> None:
    operator, csrf = signed_in(desk, "ola")
    response = operator.post(
        f"/console/i/{DEMO_SLUG}/calls",
        data={"csrf_token": csrf},
        files={"file": ("calls.csv", CALLS.encode(), "text/csv")},
    )
    assert response.status_code == 403
    page = operator.get(f"/console/i/{DEMO_SLUG}/desk")
    assert not HTMLParser(page.text).css('form[action$="/calls"]')


def test_delivery_results_and_the_bounced_list_from_the_campaigns_page(desk: Desk) -> None:
    mail = campaigns.add_campaign(desk.db, DEMO_SLUG, channel="mail", sent_on=date(2026, 11, 2))
    editor, csrf = signed_in(desk, "eri")
    response = editor.post(
        f"/console/i/{DEMO_SLUG}/campaigns/{mail.id}/results",
        data={"csrf_token": csrf},
        files={"file": ("results.csv", RESULTS.encode(), "text/csv")},
    )
    text, _ = flash(response.text)
    assert "配信済 1" in text and "不達 1" in text
    link = HTMLParser(response.text).css_first(f'a[href$="/campaigns/{mail.id}/bounced.csv"]')
    assert link is not None
    exported = editor.get(link.attributes["href"] or "")
    assert exported.headers["cache-control"] == "no-store"
    assert exported.text.lstrip("\ufeff").splitlines() == [
        "recipient,reason",
        "b@example.jp,User unknown",
    ]
    audit = [a.action for a in auth.list_audit(desk.db, limit=10)[0]]
    assert "campaign.export_bounced" in audit and "campaign.results" in audit
    bad = editor.post(
        f"/console/i/{DEMO_SLUG}/campaigns/{mail.id}/results",
        data={"csrf_token": csrf},
        files={"file": ("results.csv", b"name,status\nx,delivered\n", "text/csv")},
    )
    assert "results.csv" in flash(bad.text)[0]


def test_a_campaign_of_another_incident_is_not_found_under_this_one(desk: Desk) -> None:
    editing.create_incident(desk.db, "other-shop", "別の店")
    theirs = campaigns.add_campaign(desk.db, "other-shop", channel="mail", sent_on=date.today())
    editor, csrf = signed_in(desk, "eri")
    response = editor.post(
        f"/console/i/{DEMO_SLUG}/campaigns/{theirs.id}/results",
        data={"csrf_token": csrf},
        files={"file": ("results.csv", RESULTS.encode(), "text/csv")},
    )
    assert response.status_code == 404
    assert (
        editor.get(f"/console/i/{DEMO_SLUG}/campaigns/{theirs.id}/bounced.csv").status_code == 404
    )


def api_client(desk: Desk, role: str) -> TestClient:
    from breachdesk.web.app import create_app

    token = auth.create_token(desk.db, f"robot-{role}", role)
    return TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_api_imports_calls_and_results_and_exports_the_bounced(desk: Desk) -> None:
    robot = api_client(desk, "editor")
    url = f"/api/v1/incidents/{DEMO_SLUG}"
    bad = robot.post(f"{url}/calls", files={"file": ("bad.csv", BAD_CALLS.encode(), "text/csv")})
    assert bad.status_code == 422
    assert "line 3" in bad.json()["error"] and "line 4" in bad.json()["error"]
    good = robot.post(f"{url}/calls", files={"file": ("calls.csv", CALLS.encode(), "text/csv")})
    assert good.status_code == 201
    assert good.json() == {
        "file_name": "calls.csv",
        "calls": 3,
        "answered": 1,
        "busy": 1,
        "other": 1,
    }
    again = robot.post(f"{url}/calls", files={"file": ("calls.csv", CALLS.encode(), "text/csv")})
    assert again.status_code == 409
    mail = robot.post(f"{url}/campaigns", json={"channel": "mail", "sent_on": "2026-11-02"})
    campaign_id = mail.json()["id"]
    results = robot.post(
        f"{url}/campaigns/{campaign_id}/results",
        files={"file": ("r.csv", RESULTS.encode(), "text/csv")},
    )
    assert results.json() == {"delivered": 1, "bounced": 1}
    exported = robot.get(f"{url}/campaigns/{campaign_id}/bounced")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "b@example.jp" in exported.text and "a@example.jp" not in exported.text
    viewer = api_client(desk, "viewer")
    assert viewer.get(f"{url}/campaigns/{campaign_id}/bounced").status_code == 403
