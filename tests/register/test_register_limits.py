"""The self-check under abuse: every /check route rate-limited per address, limits and single
use that hold under concurrent requests (threads against the core and against the web app, on
SQLite and PostgreSQL), a flood that cannot grow the database without bound, a mailed link that
a mail scanner's prefetch does not use up, CSRF on the public forms."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from register_support import SLUG, add_incident, form_token, open_link
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import event, func, select

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent, RegisterCheck, RegisterCounter
from breachdesk.desk import Desk
from breachdesk.errors import NotFoundError
from breachdesk.register.crypto import MasterKey
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.messages import Outgoing
from breachdesk.register.sample import Person
from breachdesk.register.selfcheck import CODE_TRIES, SelfCheck
from breachdesk.web.app import create_app
from breachdesk.web.middleware import PUBLIC_LIMITED
from breachdesk.web.security import route_permissions
from concurrency import at_once

LIMIT = 5


def rows(db: Database, table: type, **where: Any) -> int:
    with db.read() as s:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return int(s.scalar(query) or 0)


@pytest.fixture
def checker(db: Database, shop: str, keyring: Keyring, crowd_csv: Path) -> SelfCheck:
    import_register(db, keyring, shop, crowd_csv)
    return SelfCheck(db, keyring, limit=LIMIT, minutes=30, base_url="https://help.example.jp")


def sent_code(checker: SelfCheck, who: Person) -> str:
    message = checker.check(
        SLUG, kind="phone", identifier=who.phone, fact_kind="postal", fact=who.postal, address="a"
    )
    assert message is not None and message.channel == "sms"
    found = re.search(r"確認コード：(\d{8})", message.text)
    assert found is not None
    return found.group(1)


def sent_link(checker: SelfCheck, who: Person) -> str:
    message = checker.check(
        SLUG, kind="mail", identifier=who.mail, fact_kind="postal", fact=who.postal, address="a"
    )
    assert message is not None and message.channel == "mail"
    found = re.search(r"k=([\w-]+)", message.text)
    assert found is not None
    return found.group(1)


# --- the per-address limit in front of every /check route ---------------------------------------


def test_every_self_check_route_is_rate_limited_per_address(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "r.db"), dense_model="none", cache_dir=tmp_path / "c")
    app = create_app(settings)
    paths = sorted(
        path
        for (_method, path), permission in route_permissions(app).items()
        if path.startswith("/i/{slug}/check") and permission is None
    )
    assert len(paths) >= 4  # the form, /code, /v, /scope
    assert [p for p in paths if not PUBLIC_LIMITED.match(p.format(slug=SLUG))] == []


def test_a_burst_from_one_address_is_answered_429_before_anything_is_written(
    tmp_path: Path, master: MasterKey, crowd_csv: Path
) -> None:
    settings = Settings(
        db=str(tmp_path / "r.db"),
        dense_model="none",
        cache_dir=tmp_path / "c",
        master_key=SecretStr(_text(master)),
        rate_limit_per_minute=60,
    )
    desk = Desk(settings)
    add_incident(desk.db, SLUG)
    desk.register.import_file(SLUG, crowd_csv)
    client = TestClient(create_app(settings, desk=desk), base_url="https://testserver")
    token = form_token(client)
    statuses = [
        client.post(
            f"/i/{SLUG}/check",
            data={
                "kind": "mail",
                "identifier": f"x{n}@example.jp",
                "fact_kind": "postal",
                "fact": "000-0000",
                "csrf_token": token,
            },
        ).status_code
        for n in range(60)
    ]
    for path in ("/check/code", "/check/v?k=x", "/check/scope?day=2024-01-01"):
        assert client.get(f"/i/{SLUG}{path}").status_code == 429, path
    assert statuses.count(429) >= 40
    assert rows(desk.db, RegisterCheck) == statuses.count(200) <= 20


def _text(master: MasterKey) -> str:
    import base64

    return base64.urlsafe_b64encode(master.material).decode()


# --- a flood grows nothing without bound ----------------------------------------------------------


def test_a_flood_of_refused_checks_is_one_aggregate_not_a_row_each(
    db: Database, checker: SelfCheck
) -> None:
    for n in range(300):  # one address, a new identifier every time
        checker.check(
            SLUG,
            kind="mail",
            identifier=f"guess{n}@example.jp",
            fact_kind="postal",
            fact="000-0000",
            address="203.0.113.9",
        )
    for n in range(100):  # one identifier, a new address every time
        checker.check(
            SLUG,
            kind="phone",
            identifier="090-0000-0001",
            fact_kind="postal",
            fact="000-0000",
            address=f"198.51.100.{n}",
        )
    assert rows(db, RegisterCheck) == 4 * LIMIT + LIMIT
    assert rows(db, AuditEvent, action="register.check") == 4 * LIMIT + LIMIT
    assert rows(db, AuditEvent, action="register.refused") == 1
    with db.read() as s:
        refused = s.scalar(
            select(RegisterCounter.count).where(RegisterCounter.subject == "check/limited")
        )
        counters = s.scalar(select(func.count()).select_from(RegisterCounter))
    assert refused == 300 - 4 * LIMIT + 100 - LIMIT
    assert counters is not None and counters <= 1 + 1 + 4 * LIMIT + 100 + 1


def test_wrong_links_and_codes_are_counted_in_aggregate(db: Database, checker: SelfCheck) -> None:
    for n in range(4 * LIMIT):
        address = f"192.0.2.{n}"
        with pytest.raises(NotFoundError):
            checker.open_link(SLUG, f"guess-{n}", address=address)
        with pytest.raises(NotFoundError):
            checker.redeem_code(
                SLUG, kind="phone", identifier="090-0000-0002", code="12345678", address=address
            )
    assert rows(db, AuditEvent, action="register.view") == 0
    assert rows(db, AuditEvent, action="register.refused") == 2  # link/refused, code/refused
    with db.read() as s:
        counts = dict(
            s.execute(
                select(RegisterCounter.subject, RegisterCounter.count).where(
                    RegisterCounter.kind == "refused"
                )
            ).all()
        )
    assert counts == {"link/refused": 4 * LIMIT, "code/refused": 4 * LIMIT}


# --- races: each limit and each single use is one atomic statement --------------------------------


def test_concurrent_checks_for_one_person_send_at_most_the_limit(
    checker: SelfCheck, crowd: list[Person]
) -> None:
    who = crowd[20]

    def check(i: int) -> Outgoing | None:
        return checker.check(
            SLUG,
            kind="mail",
            identifier=who.mail,
            fact_kind="postal",
            fact=who.postal,
            address=f"198.51.100.{i}",
        )

    results = at_once(30, check)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(isinstance(r, Outgoing) for r in results) == LIMIT


def test_concurrent_wrong_codes_all_count_and_then_the_right_code_opens_nothing(
    checker: SelfCheck, crowd: list[Person]
) -> None:
    who = crowd[21]
    code = sent_code(checker, who)
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    def guess(i: int) -> object:
        return checker.redeem_code(
            SLUG, kind="phone", identifier=who.phone, code=wrong, address=f"192.0.2.{i}"
        )

    results = at_once(16, guess)
    assert all(isinstance(r, NotFoundError) for r in results), results
    with pytest.raises(NotFoundError):
        checker.redeem_code(SLUG, kind="phone", identifier=who.phone, code=code, address="b")


def test_a_right_code_among_the_tries_opens_once(checker: SelfCheck, crowd: list[Person]) -> None:
    who = crowd[22]
    code = sent_code(checker, who)
    results = at_once(
        CODE_TRIES,
        lambda i: checker.redeem_code(
            SLUG, kind="phone", identifier=who.phone, code=code, address=f"192.0.2.{i}"
        ),
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results


def test_a_link_opened_by_many_requests_at_once_opens_once(
    db: Database, checker: SelfCheck, crowd: list[Person]
) -> None:
    who = crowd[23]
    token = sent_link(checker, who)
    results = at_once(10, lambda i: checker.open_link(SLUG, token, address=f"198.51.100.{i}"))
    shown = [r for r in results if not isinstance(r, BaseException)]
    assert len(shown) == 1 and all(isinstance(r, NotFoundError) for r in results if r not in shown)
    assert rows(db, AuditEvent, action="register.view") == 1


def test_concurrent_web_requests_hold_the_limits_and_single_use(
    db: Database, tmp_path: Path, master: MasterKey, crowd_csv: Path, crowd: list[Person]
) -> None:
    settings = Settings(
        db=str(tmp_path / "unused.db"),
        dense_model="none",
        cache_dir=tmp_path / "c",
        master_key=SecretStr(_text(master)),
        rate_limit_per_minute=0,
        register_check_limit=LIMIT,
    )
    desk = Desk(settings, db=db)
    add_incident(db, SLUG)
    desk.register.import_file(SLUG, crowd_csv)
    sent: list[Outgoing] = []
    desk.register.outbox.put = sent.append  # type: ignore[method-assign]
    client = TestClient(create_app(settings, desk=desk), base_url="https://testserver")
    token = form_token(client)
    who = crowd[30]
    form = {
        "kind": "mail",
        "identifier": who.mail,
        "fact_kind": "postal",
        "fact": who.postal,
        "csrf_token": token,
    }
    # 12 checks and 8 opens: within the address's 4 × LIMIT (all come from "testclient").
    answers = at_once(12, lambda i: client.post(f"/i/{SLUG}/check", data=form).status_code)
    assert answers == [200] * 12
    assert len(sent) == LIMIT
    link = re.search(r"/i/\S+/check/v\?k=[\w-]+", sent[0].text)
    assert link is not None
    page = client.get(link.group(0))
    fields = {
        str(i.attributes["name"]): str(i.attributes["value"])
        for i in HTMLParser(page.text).css("form#open-form input[type=hidden]")
    }
    opened = at_once(8, lambda i: client.post(f"/i/{SLUG}/check/v", data=fields).status_code)
    assert sorted(opened) == [200] + [404] * 7


# --- a mailed link: GET shows a button, POST (with its CSRF token) opens it ------------------------


def test_a_mail_scanners_prefetch_uses_up_nothing_and_the_post_needs_the_form_token(
    make_desk: Any, crowd: list[Person], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="breachdesk.access")
    desk: Desk = make_desk()
    token = sent_link(desk.register.selfcheck, crowd[31])
    path = f"/i/{SLUG}/check/v?k={token}"
    scanner = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    for _ in range(3):
        assert scanner.get(path).status_code == 200  # a scanner's prefetch, repeatedly
    forged = scanner.post(f"/i/{SLUG}/check/v", data={"k": token})  # no CSRF token
    assert forged.status_code == 403
    person = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    shown = open_link(person, path)
    assert shown.status_code == 200 and HTMLParser(shown.text).css("#leaked li")
    assert open_link(person, path).status_code == 404
    assert rows(desk.db, AuditEvent, action="register.view") == 1
    assert token not in caplog.text and "/check/v?<unknown:1>" in caplog.text


def test_the_self_check_forms_refuse_a_post_without_their_token(
    make_desk: Any, crowd: list[Person]
) -> None:
    desk: Desk = make_desk()
    client = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    who = crowd[32]
    check = {"kind": "mail", "identifier": who.mail, "fact_kind": "postal", "fact": who.postal}
    code = {"kind": "phone", "identifier": who.phone, "code": "12345678"}
    assert client.post(f"/i/{SLUG}/check", data=check).status_code == 403
    assert client.post(f"/i/{SLUG}/check/code", data=code).status_code == 403
    form_token(client)  # a cookie, but the form's field missing or wrong
    assert client.post(f"/i/{SLUG}/check", data={**check, "csrf_token": "x"}).status_code == 403
    assert rows(desk.db, RegisterCheck) == 0
    assert auth.list_audit(desk.db, action="register.check")[1] == 0


# --- the same work whoever is asked about ----------------------------------------------------------


def statements(db: Database, action: Callable[[], object]) -> list[tuple[str, int]]:
    """The statements `action` runs, each with the rows it wrote (reads: -1)."""
    seen: list[tuple[str, int]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        seen.append((statement, cursor.rowcount if verb != "SELECT" else -1))

    event.listen(db.engine, "after_cursor_execute", record)
    try:
        with contextlib.suppress(NotFoundError):
            action()
    finally:
        event.remove(db.engine, "after_cursor_execute", record)
    return seen


def test_a_wrong_code_does_the_same_work_with_or_without_a_code_waiting(
    db: Database, checker: SelfCheck, crowd: list[Person]
) -> None:
    # The statistical test (test_register_enumeration) cannot see 0.3 ms under a loaded
    # machine's noise; the work itself can be compared exactly: a wrong try updated the
    # waiting code's row, and nothing for an identifier without a code.
    listed, unlisted = crowd[40], crowd[41]
    sent_code(checker, listed)

    def wrong(who: Person) -> Callable[[], object]:
        return lambda: checker.redeem_code(
            SLUG, kind="phone", identifier=who.phone, code="00000000", address="c"
        )

    statements(db, wrong(crowd[43]))  # an address's first request of the hour also prunes
    assert statements(db, wrong(listed)) == statements(db, wrong(unlisted))


def test_a_check_does_the_same_work_for_a_listed_match_and_for_a_stranger(
    db: Database, checker: SelfCheck, crowd: list[Person]
) -> None:
    who = crowd[42]

    def check(identifier: str, fact: str) -> Callable[[], object]:
        return lambda: checker.check(
            SLUG, kind="mail", identifier=identifier, fact_kind="postal", fact=fact, address="c"
        )

    checker.check(
        SLUG, kind="mail", identifier="w@example.jp", fact_kind="postal", fact="1", address="c"
    )
    listed = statements(db, check(who.mail, who.postal))
    stranger = statements(db, check("nobody@example.jp", who.postal))
    assert listed == stranger


def test_the_console_shows_how_many_requests_were_refused(
    make_desk: Any, crowd: list[Person]
) -> None:
    from console_session import signed_in

    desk: Desk = make_desk()
    for n in range(25):
        desk.register.selfcheck.check(
            SLUG,
            kind="mail",
            identifier=f"g{n}@example.jp",
            fact_kind="postal",
            fact="1",
            address="203.0.113.7",
        )
    assert desk.register.stats(SLUG).refused_last_day == 25 - 4 * LIMIT
    client, _ = signed_in(desk, "ola")
    shown = HTMLParser(client.get(f"/console/i/{SLUG}/register").text).css_first("#refused-count")
    assert shown is not None and f"{25 - 4 * LIMIT} 件" in shown.text()
