"""The console in real Chromium: an editor uploads, edits and approves, and the public page
serves the new version; a viewer cannot edit. Every console page (walked from the app's own
routes, on the demo desk) shows no stored English code, fits 1280 px, has no WCAG 2.1 AA
violation (axe-core) and is photographed into the screenshots folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from breachdesk.auth import service as auth
from breachdesk.demo import DEMO_NAME, DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.inquiries.campaigns import list_campaigns
from breachdesk.kb import editing
from breachdesk.kb.contacts import JST
from breachdesk.web.app import create_app
from breachdesk.web.security import route_permissions

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
    # The server notices the approval and serves the previous index until the new one is
    # built in the background; the public check starts once it is.
    live_server.desk.engine.load(SLUG)
    live_server.desk.engine.wait_for_rebuilds(60)

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
    page.screenshot(path=str(shots / "console-report-kokocoupon.png"), full_page=False)


# --- every console page on the demo desk: Japanese only, no overflow, axe, screenshots ------

ADMIN = "b-admin"
# Codes the database stores and an operator must never have to read (whole words only).
CODE_WORDS = re.compile(
    r"(?<![\w@.\-/])(web|phone|mail|sms|letter|counter|answered|escalated|busy|callback|"
    r"bullet|dashlist|notice|qa|cli|console|date|offered|answer_rate|events|passage|note|"
    r"heading|suggested|abstained|needs_entry|dismissed|attached|served|draft|stale|rejected|"
    r"admin|editor|operator|viewer|None|True|False)"
    r"(?![\w@.\-/])"
)
SKIPPED_PARTS = ("download", ".csv", "/logout", "/login")
# The visible text, leaving out what is marked as something to type (code, kbd, samp, lang=en).
VISIBLE_TEXT = """() => {
  const typed = [...document.querySelectorAll('code, kbd, samp, [lang="en"]')];
  const shown = typed.map((e) => e.style.display);
  typed.forEach((e) => { e.style.display = 'none'; });
  const text = document.body.innerText;
  typed.forEach((e, i) => { e.style.display = shown[i]; });
  return text;
}"""


@pytest.fixture(scope="module")
def demo_desk(live_server: Any) -> dict[str, str]:
    """The demo incident with its fictional desk, a public question, and an admin."""
    desk = live_server.desk
    desk.import_documents(DEMO_SLUG, demo_files(), name=DEMO_NAME)
    seed_demo_desk(desk.db, DEMO_SLUG)
    asked = desk.ask_public(DEMO_SLUG, "おすすめの小説を教えてください")
    auth.create_user(desk.db, ADMIN, PASSWORD, "admin", display_name="管理者")
    entry = next(e for e in desk.entries(DEMO_SLUG) if e.kind == "qa" or e.question)
    campaign = list_campaigns(desk.db, DEMO_SLUG)[0]
    return {
        "slug": DEMO_SLUG,
        "entry_id": entry.id,
        "question_id": str(asked.question_id),
        "campaign_id": str(campaign.id),
        "file": "sakura-faq.txt",
    }


def console_pages(live_server: Any, values: dict[str, str]) -> list[tuple[str, str]]:
    """Every GET page of the console, read off the app's own routes: (its screenshot's name,
    its URL with the parameters filled in)."""
    app = create_app(live_server.desk.settings, desk=live_server.desk)
    pages = []
    for method, path in route_permissions(app):
        if method != "GET" or not path.startswith("/console"):
            continue
        if any(part in path for part in SKIPPED_PARTS):
            continue
        if set(re.findall(r"\{(\w+)\}", path)) - set(values):
            continue  # a page of a running job (register import progress) has no fixed id
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        if path.endswith("/documents/changes"):
            url += f"?file={values['file']}&old=1&new=1"
        name = path.removeprefix("/console").strip("/").replace("i/{slug}", "incident")
        name = re.sub(r"\{(\w+?)(?:_id)?\}", r"\1", name).replace("/", "-") or "dashboard"
        pages.append((f"console-{name}.png", url))
    return sorted(set(pages))


def test_every_console_page_is_japanese_fits_and_passes_axe(
    page: Any,
    live_server: Any,
    demo_desk: dict[str, str],
    shots: Path,
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    base = live_server.url
    log_in(page, base, ADMIN)
    pages = console_pages(live_server, demo_desk)
    assert len(pages) >= 15, pages
    problems: dict[str, Any] = {}
    for name, url in pages:
        response = page.goto(base + url)
        assert response is not None and response.status == 200, url
        text = page.evaluate(VISIBLE_TEXT)
        codes = sorted(set(CODE_WORDS.findall(text)))
        overflow = page.evaluate("document.documentElement.scrollWidth") > 1280
        violations = [
            (v["id"], [n["target"] for n in v["nodes"]][:3]) for v in axe_violations(page)
        ]
        if codes or overflow or violations:
            problems[url] = {"codes": codes, "overflow": overflow, "axe": violations}
        page.screenshot(path=str(shots / name), full_page=True)
    assert problems == {}


def test_the_daily_report_fits_1280px_with_a_readable_events_column(
    page: Any, live_server: Any, demo_desk: dict[str, str], shots: Path
) -> None:
    log_in(page, live_server.url, ADMIN)
    page.goto(f"{live_server.url}/console/i/{DEMO_SLUG}/report")
    table = page.locator("#daily")
    expect(table).to_be_visible()
    fits = page.evaluate(
        "() => { const t = document.querySelector('#daily');"
        " return [t.scrollWidth, t.parentElement.clientWidth]; }"
    )
    assert fits[0] <= fits[1], fits
    event = page.locator("#daily td.events", has_text="メール配信").first
    box = event.bounding_box()
    assert box is not None and box["width"] > 120  # not one character per line
    page.screenshot(path=str(shots / "console-report.png"), full_page=False)


def test_the_login_form_is_a_card_not_the_whole_page(
    page: Any, live_server: Any, shots: Path
) -> None:
    page.goto(f"{live_server.url}/console/login")
    box = page.locator("form").first.bounding_box()
    assert box is not None and box["width"] <= 480
    page.screenshot(path=str(shots / "console-login.png"))


# --- what the walk of the console found: roles, phones, the review queue, the report ----------


def test_a_viewer_is_offered_no_page_it_may_not_open_and_a_refusal_leads_back_to_the_console(
    page: Any, live_server: Any, people: None, demo_desk: dict[str, str]
) -> None:
    base = live_server.url
    log_in(page, base, "b-viewer")
    page.goto(f"{base}/console/i/{DEMO_SLUG}")
    links = page.locator("main a[href^='/console'], nav a[href^='/console']").evaluate_all(
        "as => [...new Set(as.map(a => a.getAttribute('href')))]"
    )
    page.goto(f"{base}/console")
    links += page.locator("main a[href^='/console']").evaluate_all(
        "as => as.map(a => a.getAttribute('href'))"
    )
    refused = [href for href in sorted(set(links)) if page.request.get(base + href).status != 200]
    assert refused == []
    assert f"/console/i/{DEMO_SLUG}/review" not in links
    # Typed by hand, the page refuses in Japanese and leads back into the console.
    response = page.goto(f"{base}/console/i/{DEMO_SLUG}/review")
    assert response is not None and response.status == 403
    text = page.evaluate(VISIBLE_TEXT)
    assert "閲覧者の権限" in text and not re.search(r"[A-Za-z]{4,}", text), text
    back = page.get_by_role("link", name="管理画面のトップへ戻る")
    expect(back).to_have_attribute("href", "/console")


def test_every_console_page_fits_a_360px_phone(
    browser: Any, live_server: Any, demo_desk: dict[str, str], shots: Path
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    try:
        phone = context.new_page()
        log_in(phone, live_server.url, ADMIN)
        wide = {}
        for name, url in console_pages(live_server, demo_desk):
            phone.goto(live_server.url + url)
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide[url] = width
            if name in ("console-incident-review.png", "console-incident-campaigns.png"):
                phone.screenshot(path=str(shots / name.replace(".png", "-360.png")), full_page=True)
        assert wide == {}
    finally:
        context.close()


def test_an_off_topic_question_in_the_queue_has_no_entry_chosen_for_it(
    page: Any, live_server: Any, demo_desk: dict[str, str]
) -> None:
    """The engine found nothing for it: one hurried click on 紐付ける must not make 'a novel,
    please' a phrasing of an FAQ entry. The operator picks an entry, or marks it."""
    log_in(page, live_server.url, ADMIN)
    page.goto(f"{live_server.url}/console/i/{DEMO_SLUG}/review")
    card = page.locator(f"#q{demo_desk['question_id']}")
    select = card.locator("select[name=entry]")
    expect(select).to_have_value("")
    card.get_by_role("button", name="紐付ける").click()
    assert select.evaluate("s => s.validity.valueMissing")  # the browser holds the form back
    assert page.url.endswith(f"/console/i/{DEMO_SLUG}/review")


def test_a_reversed_report_range_is_said_beside_the_dates_and_the_target_is_a_percentage(
    page: Any, live_server: Any, demo_desk: dict[str, str]
) -> None:
    log_in(page, live_server.url, ADMIN)
    page.goto(f"{live_server.url}/console/i/{DEMO_SLUG}/report")
    page.locator("#from").fill("2026-10-10")
    page.locator("#to").fill("2026-10-01")
    page.get_by_role("button", name="表示").click()
    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text("終了日（2026年10月1日）が開始日（2026年10月10日）より前です")
    expect(page.locator("#daily tbody tr").first).to_be_visible()  # the data's days meanwhile
    expect(page.get_by_label("目標応答率（%）")).to_have_value("90")
    page.get_by_label("目標応答率（%）").fill("80")
    page.get_by_role("button", name="再計算").click()
    # Left empty, the plan's and the forecast's number fields are no value, not an error page.
    expect(page.get_by_role("table", name="人員計画")).to_contain_text("必要人数（80%）")
    page.get_by_label("送付予定日").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="予測する").click()
    expect(page.get_by_role("table", name="入電予測")).to_be_visible()


def test_the_faq_search_on_the_inquiry_form_comes_before_the_note_it_would_lose(
    page: Any, live_server: Any, demo_desk: dict[str, str]
) -> None:
    log_in(page, live_server.url, ADMIN)
    page.goto(f"{live_server.url}/console/i/{DEMO_SLUG}/desk")
    order = page.evaluate(
        "() => { const s = document.querySelector('form[role=search]');"
        " const f = document.querySelector('form.desk-form');"
        " return !!(s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING); }"
    )
    assert order, "the search form must precede the inquiry form"
    page.get_by_label("回答に使ったFAQ項目を検索（任意）").fill("存在しない語句")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("body")).to_contain_text("「存在しない語句」を含むFAQ項目はありません。")
    page.get_by_label("回答に使ったFAQ項目を検索（任意）").fill("再発行")
    page.get_by_role("button", name="検索").click()
    expect(page.locator("form.desk-form fieldset", has_text="回答に使ったFAQ項目")).to_be_visible()


def test_an_operator_logs_a_call_after_the_fact_with_the_time_it_came_in(
    page: Any, live_server: Any, demo_desk: dict[str, str], shots: Path
) -> None:
    """受付日時 typed the way operators write dates is kept; a future one is refused beside the
    field, with the form as it was typed."""
    log_in(page, live_server.url, ADMIN)
    page.goto(f"{live_server.url}/console/i/{DEMO_SLUG}/desk")
    # A few minutes ago (the demo's desk runs up to now, so it is among the latest), typed in
    # 和暦 with 午前/午後 as operators write it.
    came = datetime.now(JST).replace(second=0, microsecond=0) - timedelta(minutes=3)
    half = "午前" if came.hour < 12 else "午後"
    typed = (
        f"令和{came.year - 2018}年{came.month}月{came.day}日 "
        f"{half}{came.hour % 12}時{came.minute}分"
    )
    page.get_by_label("受付日時（任意）").fill(typed)
    page.locator("#note").fill("あとから記録した電話")
    page.get_by_role("button", name="記録する").click()
    shown = came.strftime("%m/%d %H:%M")
    expect(page.locator(".flash")).to_contain_text(shown)
    first = page.locator('table[aria-label="最近の受付記録"] tbody tr', has_text="あとから記録")
    expect(first).to_contain_text(shown)

    ahead = (date.today() + timedelta(days=3)).strftime("%Y/%m/%d 10:00")
    page.get_by_label("受付日時（任意）").fill(ahead)
    page.locator("#note").fill("日付を打ち間違えた電話")
    page.get_by_role("button", name="記録する").click()
    error = page.locator("#received-error")
    expect(error).to_contain_text("受付日時")
    expect(error).to_contain_text("未来の日時")
    expect(page.get_by_label("受付日時（任意）")).to_have_value(ahead)
    expect(page.get_by_label("受付日時（任意）")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#note")).to_have_value("日付を打ち間違えた電話")
    page.screenshot(path=str(shots / "console-desk-received-at-refused.png"), full_page=True)
