"""The public help page in a real Chromium, over a live server with the real engine.

Acceptance-like checks on the cellcellar seed (read at run time): a typed question is answered in
place with an approved entry's text, an off-topic question shows the desk card, the page works
with JavaScript off, feedback thanks, and a 360 px screen never scrolls sideways. The test run
saves public-desktop.png and public-360.png (into docs/screenshots with
BREACHDESK_SCREENSHOTS=docs).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from breachdesk.review.service import get_question

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

SEED = "cellcellar"
MARKUP = "markup-test"
SCRIPT = "<script>alert(1)</script>"
SECURITY_CODE_QUESTION = "セキュリティコードも漏れたのですか"
OFF_TOPIC_QUESTION = "明日の天気は晴れますか"


def ask(page: Any, question: str) -> Any:
    """Type a question, submit it with Enter, and wait for the answer to that question."""
    page.locator("#q").fill(question)
    page.locator("#q").press("Enter")
    expect(page.locator('#answer [data-slot="asked"]')).to_have_text(question)
    return page.locator("#answer .answer")


def seed_answers(live_server: Any) -> dict[str, str]:
    """The seed incident's approved answers, each with its entry's question."""
    return {e.answer: e.question for e in live_server.desk.entries(SEED)}


def test_a_question_typed_is_answered_in_place_with_an_approved_answer(
    page: Any, live_server: Any, console_errors: list[str]
) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    page.evaluate("window.sameDocument = true")
    page.locator("#q").press_sequentially(SECURITY_CODE_QUESTION, delay=40)
    # No submit: the page answers as the person types (stale answers to prefixes are replaced).
    expect(page.locator('#answer [data-slot="asked"]')).to_have_text(SECURITY_CODE_QUESTION)
    found = page.locator("#answer .answer-found")
    expect(found).to_be_visible()
    shown = found.locator(".answer-text").text_content()
    answers = seed_answers(live_server)
    assert shown in answers
    assert "セキュリティコード" in shown
    assert found.locator(".answer-title").text_content() == answers[shown]
    assert page.evaluate("window.sameDocument === true")  # no reload happened
    assert "?q=" not in page.url
    assert console_errors == []


def test_an_off_topic_question_shows_the_desk_card(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    none = ask(page, OFF_TOPIC_QUESTION)
    expect(none).to_have_class(re.compile(r"\banswer-none\b"))
    expect(none.locator("a.tel")).to_have_attribute("href", "tel:0120112344")
    expect(none.locator(".desk-card")).to_contain_text("10:00~18:00")
    status = none.locator('[data-slot="status-label"]').text_content()
    assert status in ("現在受付中", "受付時間外")


def test_the_feedback_buttons_thank_and_record_the_vote(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    found = ask(page, "カードの再発行をしたい")
    question_id = int(found.locator('input[name="question_id"]').input_value())
    found.get_by_role("button", name="はい").click()
    expect(found.locator(".feedback-thanks")).to_be_visible()
    expect(found.locator("form.feedback-form")).to_be_hidden()
    assert get_question(live_server.desk.db, question_id).helpful is True


def test_a_maybe_link_opens_the_entry_it_names(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    found = ask(page, SECURITY_CODE_QUESTION)
    link = found.locator(".maybe a").first
    target = (link.get_attribute("href") or "").removeprefix("#")
    link.click()
    expect(page.locator(f"#{target} details")).to_have_attribute("open", "")
    expect(page.locator(f"#{target}")).to_be_in_viewport()


def test_without_javascript_the_form_answers_and_takes_feedback(
    browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/i/{SEED}")
        expect(page.locator("[data-filter]")).to_be_hidden()
        page.locator("#q").fill(SECURITY_CODE_QUESTION)
        page.get_by_role("button", name="質問する").click()
        page.wait_for_url(re.compile(rf"/i/{SEED}\?q="))
        shown = page.locator("#answer .answer-text").text_content()
        assert shown in seed_answers(live_server)
        page.locator("#answer").get_by_role("button", name="いいえ").click()
        page.wait_for_url(re.compile(r"thanks=1"))
        expect(page.locator("#answer .feedback-thanks")).to_be_visible()
        assert page.locator("#answer .answer-text").text_content() == shown
    finally:
        context.close()


def test_the_faq_filter_narrows_the_list(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    total = page.locator("#faq .faq-entry").count()
    page.locator("#faq-filter-input").fill("再発行")
    shown = page.locator("#faq .faq-entry:visible")
    count = shown.count()
    assert 0 < count < total
    for i in range(count):
        assert "再発行" in (shown.nth(i).text_content() or "")
    expect(page.locator("#faq-filter-count")).to_contain_text(f"{count}件")
    page.locator("#faq-filter-input").fill("該当しない言葉ですよ")
    expect(page.locator("#faq .faq-entry:visible")).to_have_count(0)
    expect(page.locator("#faq-filter-count")).to_contain_text("該当するご質問はありません")


def test_a_permalink_opens_its_entry(page: Any, live_server: Any) -> None:
    entry = next(e for e in live_server.desk.entries(SEED) if e.kind == "qa")
    page.goto(f"{live_server.url}/i/{SEED}#entry-{entry.id}")
    expect(page.locator(f"#entry-{entry.id} details")).to_have_attribute("open", "")
    expect(page.locator(f"#entry-{entry.id} .prose")).to_be_visible()


def test_the_page_works_from_the_keyboard(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("カードの再発行をしたい")
    page.keyboard.press("Enter")
    expect(page.locator("#answer .answer-found")).to_be_visible()
    expect(page.locator("#answer")).to_be_focused()
    summary = page.locator("#faq summary").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#faq details").first).to_have_attribute("open", "")


def test_markup_in_an_answer_is_shown_as_text_and_never_runs(
    page: Any, live_server: Any, console_errors: list[str]
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/i/{MARKUP}")
    found = ask(page, f"{SCRIPT}という文字列は表示されますか")
    shown = found.locator(".answer-text").text_content()
    assert SCRIPT in shown and "<b>太字</b>" in shown and "<img src=x" in shown
    page.locator("#faq summary").first.click()
    assert page.locator("#answer b, #answer img, #faq b, #faq img").count() == 0
    assert dialogs == []
    assert console_errors == []


def test_on_a_desktop_the_desk_card_is_beside_the_question_box(
    page: Any, live_server: Any, shots: Path
) -> None:
    page.goto(f"{live_server.url}/i/{SEED}")
    ask(page, SECURITY_CODE_QUESTION)
    question_box = page.locator("#ask").bounding_box()
    overview = page.locator("#overview").bounding_box()
    assert question_box is not None and overview is not None
    assert question_box["y"] == overview["y"] and question_box["x"] < overview["x"]
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator("#overview a.tel")).to_be_in_viewport()
    page.screenshot(path=str(shots / "public-desktop.png"))


def test_a_360px_screen_has_no_horizontal_scroll(
    browser: Any, live_server: Any, shots: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    page = context.new_page()
    try:
        for slug in (MARKUP, SEED):
            page.goto(f"{live_server.url}/i/{slug}")
            ask(page, SECURITY_CODE_QUESTION if slug == SEED else OFF_TOPIC_QUESTION)
            page.locator("#faq summary").first.click()
            width = page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= 360, (slug, width)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / "public-360.png"), full_page=True)
    finally:
        context.close()
