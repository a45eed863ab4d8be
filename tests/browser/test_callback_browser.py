"""A person asks for a callback out of hours on the public page; an operator signs in, finds it
in the 折返し worklist, opens and completes it, and the inquiry is in the desk's log. The live
server's clock is fixed (the app's `current_time` dependency) to a weekday evening."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from serving import serving

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.inquiries import service as inquiries
from breachdesk.kb.contacts import JST
from breachdesk.register.crypto import new_master_key
from breachdesk.web.app import create_app
from breachdesk.web.public import current_time

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class ClosedDesk:
    url: str
    desk: Desk


EVENING = datetime(2026, 6, 10, 18, 30, tzinfo=JST)  # a Wednesday; the desk closes at 17:00


@pytest.fixture(scope="module")
def closed_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClosedDesk]:
    """The demo desk served in a thread, its clock fixed to a weekday evening (closed)."""
    folder = tmp_path_factory.mktemp("callback")
    settings = Settings(
        db=str(folder / "cb.db"),
        dense_model="none",
        cache_dir=folder / "c",
        master_key=SecretStr(new_master_key()),
        rate_limit_per_minute=0,
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    auth.create_user(desk.db, "ola", PASSWORD, "operator")
    app = create_app(settings, desk=desk)
    app.dependency_overrides[current_time] = lambda: EVENING
    try:
        with serving(app) as url:
            yield ClosedDesk(url, desk)
    finally:
        desk.db.dispose()


def test_a_callback_requested_out_of_hours_is_completed_from_the_worklist(
    closed_desk: ClosedDesk, browser: Any, shots: Path
) -> None:
    url = closed_desk.url
    person = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ja-JP")
    page = person.new_page()
    page.goto(f"{url}/i/{DEMO_SLUG}")
    card = page.locator("#overview .desk-callback")
    assert "受付時間外です" in card.inner_text()
    card.get_by_role("link", name="折り返しのご連絡を依頼する").click()
    page.wait_for_url(f"**/i/{DEMO_SLUG}/callback")
    assert "ただいま窓口の受付時間外です" in page.content()
    page.get_by_label("お電話番号またはメールアドレス").fill("090-2718-2818")
    page.get_by_label("6月12日（金）午後 12:00〜17:00").check()
    page.get_by_label("ご質問の内容（任意）").fill("お詫びのQUOカードはいつ届きますか")
    page.screenshot(path=str(shots / "public-callback.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(shots / "public-callback-360.png"), full_page=True)
    page.get_by_role("button", name="依頼する").click()
    assert page.locator("h1").inner_text() == "ご依頼を受け付けました"
    assert "6月12日（金）午後" in page.locator("#callback-slot").inner_text()
    person.close()

    console = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ja-JP")
    page = console.new_page()
    page.goto(f"{url}/console/login")
    page.get_by_label("ユーザー名").fill("ola")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{url}/console/i/{DEMO_SLUG}")
    page.get_by_role("link", name="折返し").click()
    rows = page.locator("table[aria-label='未対応の折返し'] tbody tr")
    assert rows.count() == 1
    assert "2026-06-12 12:00" in rows.first.inner_text()
    page.screenshot(path=str(shots / "console-incident-callbacks.png"), full_page=True)
    rows.first.get_by_role("button", name="連絡先を表示して対応").click()
    assert page.locator("#opened-contact").inner_text().strip() == "09027182818"
    assert "QUOカード" in page.locator("#opened-question").inner_text()
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(shots / "console-incident-callbacks-360.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.get_by_label("回答した").check()
    page.get_by_label("分類").select_option("補償・QUOカードPay")
    page.get_by_label("メモ（個人情報は自動で伏せ字になります）").fill("発送予定日を案内")
    page.get_by_role("button", name="記録する").click()
    assert "受付記録 #" in page.locator(".flash").inner_text()
    assert "未対応の折返しはありません" in page.content()
    console.close()

    views, _ = inquiries.list_inquiries(closed_desk.desk.db, DEMO_SLUG)
    found = [v for v in views if v.handled_by == "ola"]
    assert [(v.channel, v.outcome, v.category) for v in found] == [
        ("phone", "answered", "補償・QUOカードPay")
    ]
