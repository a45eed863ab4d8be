"""The console in real Chromium: an editor uploads, edits and approves, and the public page
serves the new version; a viewer cannot edit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from breachdesk.auth import service as auth
from breachdesk.kb import editing

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
SLUG = "browser-shop"
FAQ = (
    "Q1. 漏えいした情報は何ですか？\nA1. 氏名と住所です。\n\n"
    "Q2. お詫びの品はありますか？\nA2. 500円分のポイントをお送りします。\n"
)


def log_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("ユーザー名").fill(user)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator(".console-me")).to_contain_text(user)


@pytest.fixture(scope="module")
def people(live_server: Any) -> None:
    db = live_server.desk.db
    editing.create_incident(db, SLUG, "ブラウザ書店（架空）")
    for name, role in (("b-editor", "editor"), ("b-viewer", "viewer")):
        auth.create_user(db, name, PASSWORD, role)


def test_an_editor_uploads_edits_approves_and_the_public_page_serves_it(
    page: Any, live_server: Any, people: None, tmp_path: Path, shots: Path
) -> None:
    base = live_server.url
    log_in(page, base, "b-editor")
    faq = tmp_path / "shop-faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    page.goto(f"{base}/console/i/{SLUG}/upload")
    page.locator("#files").set_input_files(str(faq))
    page.get_by_role("button", name="取り込む").click()
    expect(page.locator("body")).to_contain_text("shop-faq.txt")
    entry = next(e for e in live_server.desk.entries(SLUG) if "お詫び" in e.question)
    page.goto(f"{base}/console/i/{SLUG}/entries/{entry.id}")
    page.get_by_role("link", name="編集する").click()
    page.locator("#answer").fill("1,000円分のポイントをお送りします。")
    page.locator("form:has(#answer) button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("承認待ち")
    page.locator('form[action$="/versions/2/approve"] button').click()
    expect(page.locator("body")).to_contain_text("公開中")
    page.screenshot(path=str(shots / "console-entry.png"), full_page=True)

    page.goto(f"{base}/i/{SLUG}")
    page.locator("#q").fill("お詫びの品はありますか")
    page.locator("#q").press("Enter")
    expect(page.locator('#answer [data-slot="text"]')).to_have_text(
        "1,000円分のポイントをお送りします。"
    )


def test_a_viewer_sees_no_edit_form_and_a_forced_post_is_refused(
    page: Any, live_server: Any, people: None
) -> None:
    base = live_server.url
    entries = live_server.desk.entries(SLUG)
    if not entries:
        pytest.skip("needs the editor test's upload (run the module in order)")
    log_in(page, base, "b-viewer")
    page.goto(f"{base}/console/i/{SLUG}/entries/{entries[0].id}")
    expect(page.get_by_role("link", name="編集する")).to_have_count(0)
    forms = page.locator("form").evaluate_all("fs => fs.map(f => f.getAttribute('action'))")
    assert forms == ["/console/logout"]
    response = page.request.post(
        f"{base}/console/i/{SLUG}/entries/{entries[0].id}/edit",
        form={"question": "x", "answer": "y"},
    )
    assert response.status == 403


def test_the_report_page_draws_the_seed_table(
    page: Any, live_server: Any, people: None, seeds: dict[str, Path], shots: Path
) -> None:
    live_server.desk.import_documents("kokocoupon", [seeds["kokocoupon"]])
    log_in(page, live_server.url, "b-viewer")
    page.goto(f"{live_server.url}/console/i/kokocoupon/report")
    expect(page.locator("#daily tbody tr")).to_have_count(42)
    expect(page.locator("figure.chart svg")).to_be_visible()
    page.screenshot(path=str(shots / "console-report.png"), full_page=False)
