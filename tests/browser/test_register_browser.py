"""The affected register in real Chromium: a listed person asks on the public page and the
link arrives at a loopback SMTP server and shows exactly their items; an unlisted person sees
the same page and receives nothing; an operator's look-up shows masked values and is audited.

The desk runs lexical-only (no model is needed here) over a temporary SQLite file, served by
uvicorn in a thread; mail goes to aiosmtpd on loopback.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import expect
from pydantic import SecretStr

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.register.crypto import new_master_key
from breachdesk.register.items import item_label, parse_items
from breachdesk.register.messages import CONFIRMATION
from breachdesk.register.sample import Person, people, write_csv
from breachdesk.web.app import create_app

sys.path.append(str(Path(__file__).parents[1] / "register"))
from register_support import Inbox, add_incident, free_port

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
SLUG = "register-shop"
CROWD = list(people(30, seed=41))


@dataclass(frozen=True)
class Served:
    url: str
    desk: Desk
    inbox: Inbox


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from aiosmtpd.controller import Controller

    folder = tmp_path_factory.mktemp("register-browser")
    inbox = Inbox(free_port())
    smtp = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    smtp.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings(
        db=str(folder / "desk.db"),
        dense_model="none",
        cache_dir=folder / "cache",
        rate_limit_per_minute=0,
        cookie_secure=False,
        master_key=SecretStr(new_master_key()),
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,
        smtp_starttls=False,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    desk = Desk(settings)
    add_incident(desk.db, SLUG)
    listed = folder / "affected.csv"
    listed.write_bytes(write_csv(CROWD))
    desk.register.import_file(SLUG, listed)
    desk.register.outbox.delay = (0.0, 0.05)
    auth.create_user(desk.db, "r-operator", PASSWORD, "operator")
    server = uvicorn.Server(uvicorn.Config(create_app(settings, desk=desk), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", desk, inbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        smtp.stop()


def self_check(page: Any, base: str, mail: str, postal: str) -> str:
    page.goto(f"{base}/i/{SLUG}")
    page.get_by_role("link", name="対象かどうか確認する").click()
    page.get_by_label("メールアドレス").check()
    page.locator("#identifier").fill(mail)
    page.get_by_label("郵便番号").check()
    page.locator("#fact").fill(postal)
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("#sent")).to_contain_text(CONFIRMATION)
    return str(page.locator("main").inner_html())


def test_a_listed_person_gets_a_link_that_shows_exactly_their_items(
    page: Any, served: Served, shots: Path
) -> None:
    who = CROWD[4]
    first_page = self_check(page, served.url, who.mail, who.postal)
    served.desk.register.outbox.join()
    [mail] = served.inbox.to(who.mail)
    link = re.search(r"http://\S+/check/v\?k=[\w-]+", mail.get_content())
    assert link is not None
    page.goto(link.group(0))  # a button: opening the link in a mail scanner uses up nothing
    page.get_by_role("button", name="対象情報を表示する").click()
    expected = [item_label(i) for i in parse_items(who.items)]
    expect(page.locator("#leaked li")).to_have_text(expected)
    page.screenshot(path=str(shots / "register-self-check.png"), full_page=True)
    page.goto(link.group(0))  # single use
    page.get_by_role("button", name="対象情報を表示する").click()
    expect(page.locator("#invalid")).to_be_visible()

    stranger = next(people(1, seed=99, start=700_000))
    assert self_check(page, served.url, stranger.mail, stranger.postal) == first_page
    served.desk.register.outbox.join()
    assert served.inbox.to(stranger.mail) == []


def test_an_operator_look_up_shows_masked_values_and_adds_audit_rows(
    page: Any, served: Served
) -> None:
    who: Person = CROWD[7]
    before = len(auth.list_audit(served.desk.db, action="register.lookup")[0])
    page.goto(f"{served.url}/console/login")
    page.get_by_label("ユーザー名").fill("r-operator")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{served.url}/console/i/{SLUG}/register")
    page.locator("#kind").select_option("phone")
    page.locator("#value").fill(who.phone)
    page.locator("#reason").fill("お電話での本人確認")
    page.get_by_role("button", name="検索する").click()
    expect(page.locator('td[data-field="phone"]')).to_have_text(f"090-****-{who.phone[-4:]}")
    expect(page.locator('td[data-field="mail"]')).to_have_text(f"{who.mail[0]}***@example.jp")
    assert who.mail not in page.content()
    rows = auth.list_audit(served.desk.db, action="register.lookup")[0]
    assert len(rows) == before + 1 and rows[0].actor == "r-operator"


QUIET_FAQ = (
    "よくあるご質問\n\nQ1. 補償はありますか？\nA1. 500円分のポイントを付与します。\n\n"
    "お問い合わせ窓口\n専用ダイヤル 0120-000-111(10:00~17:00)\n"
)


def test_without_a_register_the_check_page_says_so_and_points_to_the_scope_check_and_the_desk(
    page: Any, served: Served, tmp_path: Path, shots: Path, axe_violations: Any
) -> None:
    faq = tmp_path / "faq.txt"
    faq.write_text(QUIET_FAQ, encoding="utf-8")
    served.desk.import_documents("quiet-shop", [faq], name="静かな店の漏えい")
    page.goto(f"{served.url}/i/quiet-shop/check")
    notice = page.locator("#self-check-unavailable")
    expect(notice).to_contain_text("現在できません")
    expect(page.locator("#self-check")).to_have_count(0)
    expect(notice.locator(".desk-card")).to_contain_text("0120-000-111")
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "register-check-unavailable.png"), full_page=True)
    notice.get_by_role("link", name="いつ・どこで・どう支払いましたか").click()
    expect(page.locator("#scope-check")).to_be_in_viewport()
