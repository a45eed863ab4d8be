"""The public self-check: the same answer for everyone, a link or code only to a listed person
with a matching fact, at the contact on record; single use, limits, lockout, audit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from register_support import (
    SLUG,
    DeskMaker,
    Inbox,
    Provider,
    form_token,
    open_link,
    publish,
)
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import update

from breachdesk.auth import service as auth
from breachdesk.db.tables import RegisterCheck, utcnow
from breachdesk.desk import Desk
from breachdesk.register.items import item_label, parse_items
from breachdesk.register.messages import CONFIRMATION
from breachdesk.register.sample import Person
from breachdesk.web.app import create_app

LINK = re.compile(r"https?://\S+/check/v\?k=[\w-]+")


def public(desk: Desk) -> TestClient:
    return TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")


_TOKENS: dict[int, str] = {}


def ask(client: TestClient, kind: str, identifier: str, fact_kind: str, fact: str) -> bytes:
    token = _TOKENS.get(id(client)) or _TOKENS.setdefault(id(client), form_token(client))
    response = client.post(
        f"/i/{SLUG}/check",
        data={
            "kind": kind,
            "identifier": identifier,
            "fact_kind": fact_kind,
            "fact": fact,
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    return response.content


@pytest.fixture
def mail_desk(make_desk: DeskMaker, smtp_server: Inbox) -> Desk:
    desk = make_desk(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_starttls=False,
        mail_from="desk@example.jp",
        public_base_url="https://help.example.jp",
    )
    desk.register.outbox.delay = (0.0, 0.01)
    return desk


def test_everyone_gets_the_same_bytes_and_only_a_listed_match_gets_mail(
    mail_desk: Desk, smtp_server: Inbox, crowd: list[Person]
) -> None:
    client = public(mail_desk)
    who, other = crowd[5], crowd[6]
    listed = ask(client, "mail", who.mail, "postal", who.postal)
    wrong_fact = ask(client, "mail", other.mail, "postal", "999-9999")
    unlisted = ask(client, "mail", "stranger@example.jp", "postal", who.postal)
    by_customer = ask(client, "customer", crowd[7].customer, "birth", crowd[7].birth)
    assert listed == wrong_fact == unlisted == by_customer
    assert CONFIRMATION in HTMLParser(listed.decode()).css_first("#sent").text()
    mail_desk.register.outbox.join()
    assert [rcpt for rcpt, _ in smtp_server.mails] == [[who.mail], [crowd[7].mail]]
    message = smtp_server.to(who.mail)[0]
    assert message["From"] == "desk@example.jp"
    body = message.get_content()
    assert LINK.search(body) and "30 分間" in body
    assert who.name not in body and who.postal not in body  # the approved text, nothing else


def test_the_link_shows_exactly_their_items_once(
    mail_desk: Desk, smtp_server: Inbox, crowd: list[Person]
) -> None:
    published = publish(mail_desk.db)
    client = public(mail_desk)
    who = crowd[9]
    ask(client, "phone", who.phone, "birth", who.birth.replace("-", "/"))  # no mail: SMS
    ask(client, "mail", who.mail, "birth", who.birth.replace("-", "/"))
    mail_desk.register.outbox.join()
    [message] = smtp_server.to(who.mail)
    found = LINK.search(message.get_content())
    assert found is not None
    path = found.group(0).split("help.example.jp", 1)[1]
    page = open_link(client, path)
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    leaked = [li.text() for li in tree.css("#leaked li")]
    assert leaked == [item_label(i) for i in parse_items(who.items)]
    not_leaked = [li.text() for li in tree.css("#not-leaked li")]
    assert not_leaked == [item_label(i) for i in published if i not in parse_items(who.items)]
    assert "パスワード" not in not_leaked  # the notice denies it leaked: not an item of this one
    again = open_link(client, path)
    assert again.status_code == 404 and HTMLParser(again.text).css_first("#invalid")
    rows, _ = auth.list_audit(mail_desk.db, action="register.view")
    assert [r.detail["outcome"] for r in rows] == ["shown"]  # the refusal is counted, not a row
    [refused] = auth.list_audit(mail_desk.db, action="register.refused")[0]
    assert refused.detail["what"] == "link/refused"


def test_an_expired_link_opens_nothing(
    mail_desk: Desk, smtp_server: Inbox, crowd: list[Person]
) -> None:
    client = public(mail_desk)
    who = crowd[10]
    ask(client, "mail", who.mail, "postal", who.postal)
    mail_desk.register.outbox.join()
    with mail_desk.db.transaction() as s:
        s.execute(update(RegisterCheck).values(expires_at=utcnow() - timedelta(minutes=1)))
    found = LINK.search(smtp_server.to(who.mail)[0].get_content())
    assert found is not None
    assert open_link(client, found.group(0).split("help.example.jp", 1)[1]).status_code == 404


def test_a_phone_check_sends_an_sms_code_through_the_provider(
    make_desk: DeskMaker, sms_provider: Provider, crowd: list[Person]
) -> None:
    desk = make_desk(sms_url=sms_provider.url, sms_token="provider-secret")
    desk.register.outbox.delay = (0.0, 0.01)
    client = public(desk)
    who = crowd[12]
    ask(client, "phone", who.phone, "postal", who.postal)
    desk.register.outbox.join()
    [sent] = sms_provider.received
    assert sent["to"] == who.phone and sms_provider.authorisations == ["Bearer provider-secret"]
    code = re.search(r"確認コード：(\d{8})", sent["text"])
    assert code is not None
    token = form_token(client, f"/i/{SLUG}/check/code")
    wrong = client.post(
        f"/i/{SLUG}/check/code",
        data={"kind": "phone", "identifier": who.phone, "code": "00000000", "csrf_token": token},
    )
    assert wrong.status_code == 404
    right = client.post(
        f"/i/{SLUG}/check/code",
        data={"kind": "phone", "identifier": who.phone, "code": code.group(1), "csrf_token": token},
    )
    assert right.status_code == 200
    assert [li.text() for li in HTMLParser(right.text).css("#leaked li")] == [
        item_label(i) for i in parse_items(who.items)
    ]


def test_repeated_misses_lock_the_identifier_and_nothing_more_is_sent(
    mail_desk: Desk, smtp_server: Inbox, crowd: list[Person]
) -> None:
    client = public(mail_desk)
    who = crowd[14]
    answers = {ask(client, "mail", who.mail, "postal", f"000-000{n}") for n in range(5)}
    answers.add(ask(client, "mail", who.mail, "postal", who.postal))  # right, but locked
    assert len(answers) == 1
    mail_desk.register.outbox.join()
    assert smtp_server.to(who.mail) == []
    rows, _ = auth.list_audit(mail_desk.db, action="register.check")
    assert [r.detail["outcome"] for r in rows] == ["miss"] * 5  # under the limit only
    assert all(r.actor == "public" for r in rows)
    assert who.mail not in str([r.detail for r in rows])
    [refused] = auth.list_audit(mail_desk.db, action="register.refused")[0]
    assert refused.detail["what"] == "check/limited"


def test_a_client_address_is_limited_across_identifiers(
    mail_desk: Desk, smtp_server: Inbox, crowd: list[Person]
) -> None:
    client = public(mail_desk)
    for n in range(20):
        ask(client, "mail", f"nobody{n}@example.jp", "postal", "000-0000")
    who = crowd[15]
    ask(client, "mail", who.mail, "postal", who.postal)
    mail_desk.register.outbox.join()
    assert smtp_server.to(who.mail) == []
    rows, _ = auth.list_audit(mail_desk.db, action="register.check")
    assert len(rows) == 20
    [refused] = auth.list_audit(mail_desk.db, action="register.refused")[0]
    assert refused.detail["what"] == "check/limited"


def test_the_public_page_links_to_the_self_check(register_desk: Desk) -> None:
    client = public(register_desk)
    form = client.get(f"/i/{SLUG}/check")
    assert form.status_code == 200
    tree = HTMLParser(form.text)
    assert tree.css_first("form#self-check") and tree.css_first("form#scope-check")


def test_without_the_master_key_the_self_check_is_not_offered_and_a_check_is_refused(
    register_desk: Desk, crowd: list[Person]
) -> None:
    keyless = Desk(
        register_desk.settings.model_copy(update={"master_key": None}), db=register_desk.db
    )
    client = public(keyless)
    form = client.get(f"/i/{SLUG}/check")
    page = HTMLParser(form.text)
    assert form.status_code == 200 and page.css_first("form#self-check") is None
    assert page.css_first("#self-check-unavailable") and page.css_first("form#scope-check")
    who = crowd[0]
    refused = client.post(
        f"/i/{SLUG}/check",
        data={
            "kind": "mail",
            "identifier": who.mail,
            "fact_kind": "postal",
            "fact": who.postal,
            # A form left open from before the key went missing (the code page's token).
            "csrf_token": form_token(client, f"/i/{SLUG}/check/code"),
        },
    )
    assert refused.status_code == 503 and who.mail not in refused.text
    assert HTMLParser(refused.text).css_first("#self-check-unavailable") is not None
