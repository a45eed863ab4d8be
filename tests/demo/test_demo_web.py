"""The demo app: the register's mail arrives in the demo inbox through the real outbox and SMTP,
the guide's people are on the register, the stand-in SMS gateway takes only this run's token,
and every page — public and console — says it is the demo (the console also where the key is);
the ordinary app has none of it.

Pages are read by parsing their HTML; the desk runs lexical-only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.setup import prepare_demo
from breachdesk.demo.web import DemoInfo, create_demo_app, segments
from breachdesk.desk import Desk
from breachdesk.web.app import create_app
from selfcheck_forms import form_token, open_link

sys.path.append(str(Path(__file__).parents[1] / "web"))
from console_session import PASSWORD

BASE = "http://testserver"


@dataclass(frozen=True)
class Demo:
    client: TestClient
    info: DemoInfo
    settings: Settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("demo-web")
    settings = Settings(
        db=str(folder / "demo.db"),
        dense_model="none",
        cache_dir=folder / "cache",
        public_base_url=BASE,
        cookie_secure=False,
        rate_limit_per_minute=0,
    )
    ready = prepare_demo(settings)  # what `breachdesk demo` does before it serves
    auth.create_user(ready.desk.db, "demo", PASSWORD, "admin")
    settings = ready.desk.settings  # the demo's key (demo.master.key beside demo.db)
    ready.desk.db.dispose()
    app = create_demo_app(settings)
    with TestClient(app, base_url=BASE) as client:
        desk = app.state.desk
        desk.register.outbox.delay = (0.0, 0.01)
        yield Demo(client, app.state.demo, desk.settings)


def guide_rows(demo: Demo) -> dict[str, tuple[str, str]]:
    """The guide's people: what to type, by kind (メールアドレス, 電話番号, お客様番号)."""
    page = HTMLParser(demo.client.get("/demo").text)
    rows = {}
    for row in page.css("#demo-people tbody tr"):
        identifier, fact = row.css_first("code.identifier"), row.css_first("code.fact")
        assert identifier is not None and fact is not None
        rows[row.attributes["data-kind"] or ""] = (identifier.text(), fact.text())
    return rows


def wait_for(demo: Demo, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(demo.info.mailbox.messages()) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_listed_person_s_link_arrives_in_the_demo_inbox_and_opens_their_items(
    demo: Demo,
) -> None:
    mail, postal = guide_rows(demo)["メールアドレス"]
    before = len(demo.info.mailbox.messages())
    sent = demo.client.post(
        f"/i/{DEMO_SLUG}/check",
        data={
            "kind": "mail",
            "identifier": mail,
            "fact_kind": "postal",
            "fact": postal,
            "csrf_token": form_token(demo.client, f"/i/{DEMO_SLUG}/check"),
        },
    )
    assert sent.status_code == 200
    wait_for(demo, before + 1)
    inbox = HTMLParser(demo.client.get("/demo/outbox").text)
    newest = inbox.css_first("#outbox li")
    assert newest is not None and newest.attributes["data-channel"] == "mail"
    assert newest.css_first(".to").text() == mail  # to the address on the register
    link = newest.css_first(".demo-text a")
    assert link is not None and link.attributes["href"].startswith(
        f"{BASE}/i/{DEMO_SLUG}/check/v?k="
    )
    target = urlsplit(link.attributes["href"] or "")
    view = HTMLParser(open_link(demo.client, f"{target.path}?{target.query}").text)
    assert [li.text() for li in view.css("#leaked li")][:3] == [
        "カード名義人名",
        "カード番号",
        "有効期限",
    ]


def test_someone_not_listed_gets_the_same_page_and_nothing_arrives(demo: Demo) -> None:
    before = len(demo.info.mailbox.messages())
    page = demo.client.post(
        f"/i/{DEMO_SLUG}/check",
        data={
            "kind": "mail",
            "identifier": "someone@example.jp",
            "fact_kind": "postal",
            "fact": "100-0001",
            "csrf_token": form_token(demo.client, f"/i/{DEMO_SLUG}/check"),
        },
    )
    assert page.status_code == 200 and HTMLParser(page.text).css_first("#sent") is not None
    demo.client.app.state.desk.register.outbox.join()  # type: ignore[attr-defined]
    assert len(demo.info.mailbox.messages()) == before


def test_the_guide_s_people_are_on_the_register(demo: Demo) -> None:
    rows = guide_rows(demo)
    assert set(rows) == {"メールアドレス", "電話番号", "お客様番号"}
    register = demo.client.app.state.desk.register  # type: ignore[attr-defined]
    for kind, (identifier, _) in zip(("mail", "phone", "customer"), rows.values(), strict=True):
        assert register.lookup(DEMO_SLUG, kind, identifier, reason="t", actor="t"), kind
    guide = HTMLParser(demo.client.get("/demo").text)
    key = guide.css_first("#key-file")
    assert key is not None and key.text() == str(demo.settings.master_key_file)


def test_the_sms_gateway_takes_only_this_run_s_token(demo: Demo) -> None:
    message = {"to": "090-0000-0099", "text": "テスト"}
    refused = demo.client.post(
        "/demo/sms", json=message, headers={"Authorization": "Bearer guessed"}
    )
    assert refused.status_code == 404
    before = len(demo.info.mailbox.messages())
    taken = demo.client.post(
        "/demo/sms", json=message, headers={"Authorization": f"Bearer {demo.info.sms_token}"}
    )
    assert taken.status_code == 202
    (newest, *_) = demo.info.mailbox.messages()
    assert len(demo.info.mailbox.messages()) == before + 1
    assert (newest.channel, newest.to, newest.text) == ("sms", "090-0000-0099", "テスト")
    assert demo.settings.sms_url == f"{BASE}/demo/sms"


def test_every_page_says_it_is_the_demo_and_the_console_where_the_key_is(demo: Demo) -> None:
    public = HTMLParser(demo.client.get(f"/i/{DEMO_SLUG}").text)
    bar = public.css_first(".demo-bar")
    assert bar is not None and bar.css_first('a[href="/demo/outbox"]') is not None
    assert str(demo.settings.master_key_file) not in bar.text()
    login = demo.client.get("/console/login")
    field = HTMLParser(login.text).css_first('input[name="csrf_token"]')
    assert field is not None
    demo.client.post(
        "/console/login",
        data={"username": "demo", "password": PASSWORD, "csrf_token": field.attributes["value"]},
    )
    console = HTMLParser(demo.client.get(f"/console/i/{DEMO_SLUG}/register").text)
    bar = console.css_first(".demo-bar")
    assert bar is not None and str(demo.settings.master_key_file) in bar.text()
    count = console.css_first("#people-count")
    assert count is not None and int(count.text()) == 300


def test_the_ordinary_app_has_no_demo_pages_or_bar(tmp_path: Path) -> None:
    desk = Desk(Settings(db=str(tmp_path / "plain.db"), dense_model="none"))
    desk.import_documents(DEMO_SLUG, demo_files())
    client = TestClient(create_app(desk.settings, desk=desk))
    assert HTMLParser(client.get(f"/i/{DEMO_SLUG}").text).css_first(".demo-bar") is None
    assert client.get("/demo").status_code == 404
    assert client.post("/demo/sms", json={"to": "x", "text": "y"}).status_code in (404, 405)


def test_links_in_a_message_are_cut_out_whole() -> None:
    text = "下記のリンクから：\nhttp://127.0.0.1:8000/i/s/check/v?k=ab-_9\n（30分）"
    assert segments(text) == [
        ("下記のリンクから：\n", False),
        ("http://127.0.0.1:8000/i/s/check/v?k=ab-_9", True),
        ("\n（30分）", False),
    ]
