"""In real Chromium: an editor corrects an entry's breach intents with the keyboard, approves the
draft and sees the new intents on the entry page; both pages pass axe (WCAG 2.1 AA), and the
engine's index takes the approved intents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from breachdesk.auth import service as auth
from breachdesk.intents.taxonomy import intent_by_id

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
SLUG = "intents-shop"
FAQ = (
    "Q1. カードの再発行に手数料はかかりますか？\nA1. 再発行の手数料は当社が負担いたします。\n\n"
    "Q2. 窓口の受付時間を教えてください。\nA2. 平日9時から17時まで受け付けております。\n"
)
ADD, REMOVE_ALL_BUT = "compensation", "reissue_fee"


def log_in(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/console/login")
    page.get_by_label("ユーザー名").fill(user)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator(".console-me")).to_contain_text(user)


def test_an_editor_corrects_an_entrys_intents_approves_and_sees_them(
    page: Any,
    live_server: Any,
    tmp_path: Path,
    shots: Path,
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    desk, base = live_server.desk, live_server.url
    faq = tmp_path / "intents-faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    desk.import_documents(SLUG, [faq], name="意図テスト商店（架空）")
    auth.create_user(desk.db, "i-editor", PASSWORD, "editor")
    entry = next(e for e in desk.entries(SLUG) if "手数料" in e.question)
    assert entry.intents is not None and entry.intents_by == "auto"
    labels = intent_by_id()

    log_in(page, base, "i-editor")
    page.goto(f"{base}/console/i/{SLUG}/entries/{entry.id}")
    expect(page.locator("#intents-by")).to_contain_text("自動分類")
    page.get_by_role("link", name="意図を修正する").click()
    assert axe_violations(page) == []

    # Keep only the fee intent, and add compensation with the keyboard (Space on its box).
    for box in page.locator("input[name=intents]:checked").all():
        if box.get_attribute("value") != REMOVE_ALL_BUT:
            box.uncheck()
    page.get_by_label(labels[REMOVE_ALL_BUT].label, exact=True).check()
    added = page.get_by_label(labels[ADD].label, exact=True)
    added.focus()
    page.keyboard.press("Space")
    expect(added).to_be_checked()
    page.get_by_label("編集メモ（任意）").fill("補償の質問にも答える")
    page.screenshot(path=str(shots / "console-entry-intents-form.png"), full_page=True)
    page.get_by_role("button", name="下書きとして保存").click()

    expect(page.locator("body")).to_contain_text("承認待ち")
    draft = entry.version + 1
    page.locator(f'form[action$="/versions/{draft}/approve"] button').click()
    expect(page.locator("body")).to_contain_text("承認しました")
    items = page.locator("#intent-list li")
    expect(items).to_have_count(2)
    for item, intent in zip(
        items.all(), sorted([REMOVE_ALL_BUT, ADD], key=list(labels).index), strict=True
    ):
        expect(item).to_contain_text(labels[intent].label)
        expect(item).to_contain_text("100%")
    expect(page.locator("#intents-by")).to_contain_text("i-editor")
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "console-entry-intents.png"), full_page=True)

    desk.engine.load(SLUG)
    desk.engine.wait_for_rebuilds(60)
    index = desk.engine.load(SLUG).index
    assert index.entry_intents is not None and index.intent_model is not None
    row = next(i for i, e in enumerate(index.entries) if e.id == entry.id)
    ids = index.intent_model.intent_ids
    profile = {ids[k]: float(p) for k, p in enumerate(index.entry_intents[row]) if p > 0}
    assert profile == {REMOVE_ALL_BUT: 1.0, ADD: 1.0}
