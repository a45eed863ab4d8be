"""The console in real Chromium: an editor uploads, edits and approves, and the public page
serves the new version; a viewer cannot edit. Every console page (walked from the app's own
routes, on the demo desk) shows no stored English code, fits 1280 px, has no WCAG 2.1 AA
violation (axe-core) and is photographed into the screenshots folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from breachdesk.auth import service as auth
from breachdesk.demo import DEMO_NAME, DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.inquiries.campaigns import list_campaigns
from breachdesk.kb import editing
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
