"""The console on the desk's worst day: the dashboard's desk figures, the call log kept apart
from web questions, campaign results not yet imported, purging recipients, plain Japanese."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.inquiries.campaigns import add_campaign, import_delivery_results
from breachdesk.inquiries.service import InquiryInput, log_inquiry


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "d.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    for name, role in (("ada", "admin"), ("eve", "editor")):
        auth.create_user(the_desk.db, name, PASSWORD, role)
    return the_desk


def test_the_dashboard_shows_the_desk_today(desk: Desk) -> None:
    for outcome in ("answered", "answered", "busy"):
        log_inquiry(desk.db, DEMO_SLUG, InquiryInput(channel="phone", outcome=outcome))
    client, _ = signed_in(desk, "eve")
    tree = HTMLParser(client.get("/console").text)
    stats = {
        s.css_first("dt").text(strip=True): s.css_first("dd").text(strip=True)
        for s in tree.css(".desk-today .stat")
    }
    assert stats["今日の入電"] == "3"
    assert stats["今日の応答率"].startswith("67%")
    assert set(stats) >= {"公開ページの質問（今日）", "未対応の質問", "次のキャンペーン"}
    state = tree.css_first(".open-state")
    assert state is not None and state.text(strip=True) in {"受付中", "受付時間外"}


def test_web_questions_do_not_push_the_calls_off_the_desk_page(desk: Desk) -> None:
    log_inquiry(desk.db, DEMO_SLUG, InquiryInput(channel="phone", outcome="answered", note="電話"))
    for _ in range(20):
        log_inquiry(desk.db, DEMO_SLUG, InquiryInput(channel="web", outcome="escalated"))
    client, _ = signed_in(desk, "eve")
    rows = HTMLParser(client.get(f"/console/i/{DEMO_SLUG}/desk").text).css(
        'table[aria-label="最近の受付記録"] tbody tr'
    )
    assert [r.css("td")[2].text() for r in rows] == ["電話"]
    web = HTMLParser(client.get(f"/console/i/{DEMO_SLUG}/desk?show=web").text)
    cells = [r.css("td")[2].text() for r in web.css('table[aria-label="最近の受付記録"] tbody tr')]
    assert cells and set(cells) == {"ウェブ"}
    assert "escalated" not in web.text() and "エスカレーション" in web.text()


def test_a_campaign_without_results_says_so_and_an_admin_purges_after_confirming(
    desk: Desk, tmp_path: Path
) -> None:
    campaign = add_campaign(desk.db, DEMO_SLUG, channel="mail", sent_on=date(2026, 9, 10))
    admin, csrf = signed_in(desk, "ada")
    page = HTMLParser(admin.get(f"/console/i/{DEMO_SLUG}/campaigns").text)
    row = page.css_first('table[aria-label="キャンペーン"] tbody tr')
    assert row is not None and "結果未取込" in row.text() and "メール" in row.text()
    results = tmp_path / "results.csv"
    results.write_text("宛先,結果\na@example.com,配信済\nb@example.com,不達\n", encoding="utf-8")
    import_delivery_results(desk.db, campaign.id, results)
    url = f"/console/i/{DEMO_SLUG}/campaigns/{campaign.id}/purge"
    unconfirmed = admin.post(url, data={"csrf_token": csrf})
    assert "確認のチェック" in unconfirmed.text
    done = admin.post(url, data={"csrf_token": csrf, "confirm": "yes"})
    assert "2件を削除しました" in done.text
    after = HTMLParser(done.text).css_first('table[aria-label="キャンペーン"] tbody tr')
    assert after is not None and "結果未取込" not in after.text()  # the counts stay
    assert [r.action for r in auth.list_audit(desk.db, action="campaign.purge")[0]] == [
        "campaign.purge"
    ]
    editor, editor_csrf = signed_in(desk, "eve")
    refused = editor.post(url, data={"csrf_token": editor_csrf, "confirm": "yes"})
    assert refused.status_code == 403
    other = editor.post(f"/console/i/{DEMO_SLUG}/campaigns/999/purge", data={"csrf_token": csrf})
    assert other.status_code in (403, 404)


def test_the_public_404_says_what_was_not_found_in_japanese(desk: Desk) -> None:
    client, _ = signed_in(desk, "eve")
    page = client.get("/i/nope")
    assert page.status_code == 404
    text = HTMLParser(page.text).body.text()  # type: ignore[union-attr]
    assert "「nope」は見つかりませんでした" in text and "not found" not in text
    assert "Not Found" not in HTMLParser(client.get("/no/such/page").text).body.text()  # type: ignore[union-attr]


def test_report_days_may_be_typed_as_people_write_them(desk: Desk) -> None:
    for day in (7, 8, 9, 10, 11):
        log_inquiry(
            desk.db,
            DEMO_SLUG,
            InquiryInput(
                channel="phone", outcome="answered", received_at=datetime(2026, 9, day, 11)
            ),
        )
    client, _ = signed_in(desk, "eve")
    page = client.get(
        f"/console/i/{DEMO_SLUG}/report", params={"from": "2026/9/8", "to": "2026年9月10日"}
    )
    assert page.status_code == 200
    assert len(HTMLParser(page.text).css("#daily tbody tr")) == 3
    wrong = client.get(f"/console/i/{DEMO_SLUG}/report", params={"from": "9/8"})
    assert wrong.status_code == 422
    # The downloads are for people: Japanese column names (the CLI keeps the codes).
    staffing = client.get(f"/console/i/{DEMO_SLUG}/report/download/staffing.csv")
    head = staffing.content.decode("utf-8-sig").splitlines()[0]
    assert head.startswith("日付,入電,応答,応答率,実効人数（推定）,必要人数")


def test_the_incident_overview_leads_with_its_desk_today(desk: Desk) -> None:
    log_inquiry(desk.db, DEMO_SLUG, InquiryInput(channel="phone", outcome="answered"))
    client, _ = signed_in(desk, "eve")
    tree = HTMLParser(client.get(f"/console/i/{DEMO_SLUG}").text)
    calls = tree.css_first(".desk-today .stat dd")
    assert calls is not None and calls.text(strip=True) == "1"
    line = tree.css_first(".desk-line")
    assert line is not None and "0120-000-111" in line.text()


def test_a_malformed_address_value_is_explained_in_japanese(desk: Desk) -> None:
    client, _ = signed_in(desk, "ada")
    page = client.get("/console/audit", params={"day": "きのう"})
    assert page.status_code == 422
    detail = HTMLParser(page.text).text()
    assert "「day」の値を確認してください" in detail
    assert "invalid request" not in detail and "query." not in detail
