"""The demo as a newcomer meets it, in real Chromium: the app `breachdesk demo --serve` runs
(`demo.web.create_demo_app`) over a freshly made demo database — its desk up to now, its
fictional register under its own key.

A newcomer fills the self-check form as a fictional person the guide lists, finds the mail in
the demo inbox, follows its link and sees that person's items; does the same by SMS code; and,
signed in as the operator, looks a person up. The guide, the inbox and the dashboard pass axe.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import expect

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG
from breachdesk.demo.register import demo_people, leaked_items
from breachdesk.demo.setup import prepare_demo
from breachdesk.register.items import item_label, parse_items
from breachdesk.register.messages import CONFIRMATION
from breachdesk.register.sample import Person

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Served:
    url: str
    people: list[Person]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from breachdesk.demo.web import create_demo_app

    folder = tmp_path_factory.mktemp("demo-browser")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings(
        db=str(folder / "demo.db"),
        dense_model="none",
        cache_dir=folder / "cache",
        public_base_url=f"http://127.0.0.1:{port}",
        rate_limit_per_minute=0,
    )
    ready = prepare_demo(settings)  # what `breachdesk demo` does before it serves
    auth.create_user(ready.desk.db, "demo", PASSWORD, "admin", display_name="デモ")
    facts = ready.desk.incident(DEMO_SLUG).facts
    settings = ready.desk.settings  # the demo's key (demo.master.key beside demo.db)
    ready.desk.db.dispose()
    app = create_demo_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the demo server did not start")
        time.sleep(0.05)
    app.state.desk.register.outbox.delay = (0.0, 0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", demo_people(leaked_items(facts)))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def listed(served: Served, identifier: str) -> Person:
    return next(p for p in served.people if identifier in (p.mail, p.phone, p.customer))


def from_the_guide(page: Any, served: Served, kind: str) -> tuple[str, str]:
    """The identifier and fact the guide gives for a way in (メールアドレス, 電話番号, …)."""
    page.goto(f"{served.url}/demo")
    row = page.locator(f'#demo-people tr[data-kind="{kind}"]')
    return row.locator("code.identifier").inner_text(), row.locator("code.fact").inner_text()


def ask_as(
    page: Any, served: Served, kind: str, identifier: str, fact_kind: str, fact: str
) -> None:
    page.goto(f"{served.url}/i/{DEMO_SLUG}")
    page.get_by_role("link", name="対象かどうか確認する").first.click()
    page.locator("#self-check").get_by_label(kind).check()
    page.locator("#identifier").fill(identifier)
    page.locator("#self-check").get_by_label(fact_kind).check()
    page.locator("#fact").fill(fact)
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("#sent")).to_contain_text(CONFIRMATION)


def newest_message(page: Any, served: Served, channel: str, to: str) -> Any:
    """The inbox's newest message on `channel` to `to`, reloading until it has arrived."""
    page.get_by_role("link", name="デモ用の受信箱").first.click()
    message = page.locator(f'#outbox li[data-channel="{channel}"]').filter(has_text=to).first
    deadline = time.monotonic() + 30
    while not message.count() and time.monotonic() < deadline:
        time.sleep(0.2)
        page.get_by_role("link", name="最新の状態にする").click()
    expect(message).to_be_visible()
    return message


def items_of(person: Person) -> list[str]:
    return [item_label(i) for i in parse_items(person.items)]


def test_a_newcomer_checks_by_mail_as_a_listed_person_and_sees_their_items(
    page: Any, served: Served, shots: Path, axe_violations: Callable[[Any], list[Any]]
) -> None:
    mail, postal = from_the_guide(page, served, "メールアドレス")
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "demo-guide.png"), full_page=True)
    ask_as(page, served, "メールアドレス", mail, "郵便番号", postal)
    message = newest_message(page, served, "mail", mail)
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "demo-inbox.png"), full_page=True)
    message.locator(".demo-text a").click()
    # A mailed link opens on the person's click, not on a mail scanner's prefetch.
    page.get_by_role("button", name="対象情報を表示する").click()
    expect(page.locator("#leaked li")).to_have_text(items_of(listed(served, mail)))
    page.screenshot(path=str(shots / "demo-self-check-view.png"), full_page=True)


def test_a_newcomer_checks_by_phone_and_types_the_sms_code(page: Any, served: Served) -> None:
    phone, birth = from_the_guide(page, served, "電話番号")
    ask_as(page, served, "電話番号", phone, "生年月日", birth)
    message = newest_message(page, served, "sms", phone)
    text = message.locator(".demo-text").inner_text()
    code = re.search(r"確認コード：(\d{8})", text)
    assert code is not None
    message.locator(".demo-text a").click()  # the code page the SMS names
    form = page.locator("#code-form")
    form.get_by_label("電話番号").check()
    form.locator("#identifier").fill(phone)
    form.locator("#code").fill(code.group(1))
    form.get_by_role("button", name="確認する").click()
    expect(page.locator("#leaked li")).to_have_text(items_of(listed(served, phone)))


def test_the_operator_looks_a_person_up_and_the_console_names_the_key(
    page: Any, served: Served, shots: Path, axe_violations: Callable[[Any], list[Any]]
) -> None:
    phone, _ = from_the_guide(page, served, "電話番号")
    page.goto(f"{served.url}/console/login")
    page.get_by_label("ユーザー名").fill("demo")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator(".demo-bar")).to_contain_text("demo.master.key")
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "demo-console-dashboard.png"), full_page=True)
    page.goto(f"{served.url}/console/i/{DEMO_SLUG}/register")
    expect(page.locator("#people-count")).to_have_text("300")
    page.locator("#kind").select_option("phone")
    page.locator("#value").fill(phone)
    page.locator("#reason").fill("お電話・本人確認済み")
    page.get_by_role("button", name="検索する").click()
    expect(page.locator('td[data-field="phone"]')).to_have_text(f"090-****-{phone[-4:]}")
    expect(page.locator("td.items")).to_have_text("・".join(items_of(listed(served, phone))))
    page.screenshot(path=str(shots / "demo-register-lookup.png"), full_page=True)
