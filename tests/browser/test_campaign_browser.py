"""An admin drafts and approves the campaign templates, plans a campaign from the register with
a daily call cap, sees the per-day forecast, approves and sends it to a loopback SMTP server and
SMS provider, and sees the status move. Screenshots of the templates, the plan with its forecast
and the campaign's status at 1100 and 360 px.

The console sends what is due today; with a call cap the plan's first send day is the next open
weekday, so on a weekend or a holiday nothing would be due. The live server's sends therefore go
through the plan's first send day (`first_day_sends`), whatever today is."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from breachdesk.auth import service as auth
from breachdesk.db import open_database
from breachdesk.desk import Desk
from breachdesk.notify.send import SendResult
from breachdesk.web.app import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "notify"))
from notify_support import (
    LETTER,
    MAIL,
    SMS,
    Inbox,
    Provider,
    make_register,
    settings_for,
    sms_sink,
    smtp_sink,
)
from serving import serving

PASSWORD = "correct horse battery"
SLUG = "shop"
PEOPLE = 60


@dataclass(frozen=True)
class CampaignDesk:
    url: str
    desk: Desk
    inbox: Inbox
    provider: Provider


def first_day_sends(desk: Desk) -> None:
    """Make the desk's sends (the console's 送信 runs `desk.notify.send` in a background job)
    go through the campaign's first send day instead of today."""
    notify = desk.notify
    real_send = notify.send

    def send(campaign_id: int, **kwargs: Any) -> SendResult:
        if kwargs.get("through") is None:
            kwargs["through"] = min(d.day for d in notify.get_plan(campaign_id).days)
        return real_send(campaign_id, **kwargs)

    notify.send = send  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def campaign_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CampaignDesk]:
    """A desk with a register of made-up people served in a thread, its mail and SMS going to
    loopback sinks."""
    folder = tmp_path_factory.mktemp("campaign")
    url = str(folder / "campaign.db")
    db = open_database(url)
    reg = make_register(db, folder, PEOPLE)
    with smtp_sink() as inbox, sms_sink() as provider:
        settings = settings_for(
            url,
            inbox,
            provider,
            reg.master,
            dense_model="none",
            cache_dir=folder / "cache",
            rate_limit_per_minute=0,
            notify_calls_per_message=0.2,
        )
        desk = Desk(settings, db=db)
        first_day_sends(desk)
        auth.create_user(db, "ada", PASSWORD, "admin")
        app = create_app(settings, desk=desk)
        try:
            with serving(app) as url:
                yield CampaignDesk(url, desk, inbox, provider)
        finally:
            db.dispose()


def both_widths(page: Any, shots: Path, name: str) -> None:
    """A full-page screenshot at 1100 px and at 360 px, where nothing may scroll sideways."""
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    page.screenshot(path=str(shots / f"{name}-360.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})


def test_an_admin_approves_a_template_plans_with_a_cap_and_sends(
    campaign_desk: CampaignDesk, browser: Any, shots: Path
) -> None:
    url = campaign_desk.url
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{url}/console/login")
    page.get_by_label("ユーザー名").fill("ada")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{url}/console/i/{SLUG}/campaigns")
    page.locator(".page-head").get_by_role("link", name="文面").click()
    for channel, text in (("mail", MAIL), ("sms", SMS), ("letter", LETTER)):
        section = page.locator(f"#channel-{channel}")
        section.locator("textarea").fill(text)
        section.get_by_role("button", name="下書きを保存").click()
        assert "第1版（下書き・承認待ち）を保存しました" in page.locator(".flash").inner_text()
        page.locator(f"#channel-{channel}").get_by_role("button", name="第1版を承認").click()
        assert "第1版を承認しました" in page.locator(".flash").inner_text()
    assert page.locator(".notify-version .badge-served").count() == 3
    page.locator("#channel-mail").get_by_role("button", name="プレビュー").click()
    assert "check" in page.locator("#preview-text").inner_text()
    both_widths(page, shots, "console-campaign-templates")

    page.get_by_role("link", name="キャンペーンを計画").click()
    page.get_by_label("1日の入電上限（件・任意）").fill("3")
    page.get_by_role("button", name="計画して予測を見る").click()
    assert "計画しました" in page.locator(".flash").inner_text()
    rows = page.locator("table#days tbody tr")
    assert rows.count() > 1  # the cap spreads the sends over days
    forecasts = [float(r.locator("td").nth(4).inner_text()) for r in rows.all()]
    assert max(forecasts) <= 3
    assert f"対象 {PEOPLE} 人" in page.locator("#days-title").inner_text()
    assert page.locator("#state").inner_text() == "計画（承認待ち）"
    both_widths(page, shots, "console-campaign-plan")

    page.get_by_role("button", name="この計画を承認").click()
    assert page.locator("#state").inner_text() == "承認済み・未送信"
    assert page.locator("#stat-sent-mail").inner_text() == "0"
    campaign_url = page.url
    page.locator("#send").click()
    assert "送信を始めました" in page.locator(".flash").inner_text()
    deadline = time.monotonic() + 60
    while page.locator("#status").get_attribute("data-running") != "no":
        assert time.monotonic() < deadline, "the send did not finish"
        time.sleep(0.5)
        page.goto(campaign_url)
    sent = int(page.locator("#stat-sent-mail").inner_text().replace(",", ""))
    assert sent > 0 and sent == len(campaign_desk.inbox.recipients())
    assert int(page.locator("#stat-sent-sms").inner_text()) == len(campaign_desk.provider.numbers())
    first = page.locator("table#days tbody tr").first.locator("td")
    assert int(first.nth(1).inner_text().replace(",", "")) == sent  # the first day's mails went
    both_widths(page, shots, "console-campaign-status")
    context.close()
