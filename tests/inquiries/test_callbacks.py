"""Callback requests through the core, on SQLite and PostgreSQL: preferred times from the desk's
open days, sealed storage, the per-address limit and single completion under concurrent
requests, no-answer attempts, purging, and no value in logs or errors."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from breachdesk.auth.service import Actor
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import (
    AuditEvent,
    CallbackRequest,
    Incident,
    Inquiry,
    RegisterCounter,
)
from breachdesk.errors import (
    ConflictError,
    InvalidInputError,
    KeyUnavailableError,
    ThrottledError,
)
from breachdesk.inquiries.callback_slots import SLOT_DAYS, desk_closed, open_slots
from breachdesk.inquiries.callbacks import (
    KEEP_DONE,
    MAX_ATTEMPTS,
    CallbackDesk,
    CallbackInput,
    problems,
)
from breachdesk.kb.contacts import JST, Contact
from breachdesk.kb.facts import DaysRule
from breachdesk.register.crypto import MasterKey, load_master_key, new_master_key
from breachdesk.register.desk import RegisterDesk
from breachdesk.register.keys import Keyring
from concurrency import at_once

SLUG = "shop"
PHONE = "090-1234-5678"
MAIL = "hanako.yamada@example.jp"
QUESTION = "山田花子です。カード番号 4111 1111 1111 1111 が漏れたか知りたいです"
DESK = Contact(
    label="お客様相談窓口",
    phone="0120-999-888",
    phone_kind="freedial",
    hours_text="9:00~17:00 土日祝日を除く",
    open_time=dt.time(9, 0),
    close_time=dt.time(17, 0),
    days=DaysRule(
        raw="土日祝日を除く", saturday_open=False, sunday_open=False, holidays_open=False
    ),
).to_dict()
CONTACTS = [DESK]
# Friday 18 September 2026, 20:00: closed; Monday 21 (敬老の日), Tuesday 22 (国民の休日) and
# Wednesday 23 (秋分の日) are holidays, so the next open day is Thursday 24.
FRIDAY_NIGHT = dt.datetime(2026, 9, 18, 20, 0, tzinfo=JST)
OPERATOR = Actor("ola", "10.0.0.9")


@pytest.fixture
def master() -> MasterKey:
    return load_master_key(new_master_key(), None)


@pytest.fixture
def callbacks(db: Database, master: MasterKey) -> CallbackDesk:
    with db.transaction() as s:
        s.add(Incident(slug=SLUG, name="ショップの漏えい"))
    return CallbackDesk(db, Keyring(lambda: master), limit_per_hour=5)


def phone_request(slot: str | None = None, **changes: Any) -> CallbackInput:
    values: dict[str, Any] = {
        "channel": "phone",
        "contact": PHONE,
        "slot": slot or open_slots(CONTACTS, FRIDAY_NIGHT)[0].value,
        "question": QUESTION,
        "name": "山田花子",
    }
    return CallbackInput(**{**values, **changes})


def count(db: Database, table: type, *where: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(table).where(*where)) or 0)


# --- preferred times ---------------------------------------------------------------------------


def test_the_slots_skip_weekends_and_the_silver_week_holidays() -> None:
    slots = open_slots(CONTACTS, FRIDAY_NIGHT)
    days = sorted({s.start.date() for s in slots})
    assert [d.isoformat() for d in days] == [
        "2026-09-24",
        "2026-09-25",
        "2026-09-28",
        "2026-09-29",
        "2026-09-30",
    ]
    assert [(s.value, s.label) for s in slots[:2]] == [
        ("2026-09-24T09:00", "9月24日（木）午前 9:00〜12:00"),
        ("2026-09-24T12:00", "9月24日（木）午後 12:00〜17:00"),
    ]
    assert desk_closed(CONTACTS, FRIDAY_NIGHT)
    assert not desk_closed(CONTACTS, dt.datetime(2026, 9, 24, 10, 0, tzinfo=JST))


def test_a_slot_under_way_is_not_offered_but_the_afternoon_is() -> None:
    morning = dt.datetime(2026, 9, 24, 10, 30, tzinfo=JST)
    assert open_slots(CONTACTS, morning)[0].value == "2026-09-24T12:00"


def test_a_desk_without_published_hours_is_taken_as_weekdays_nine_to_five() -> None:
    slots = open_slots([], FRIDAY_NIGHT)
    assert slots[0].value == "2026-09-24T09:00"
    assert slots[-1].end.astimezone(JST).time() == dt.time(17, 0)


@settings(max_examples=60, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2030, 12, 31)),
    opens=st.integers(6, 11),
    closes=st.integers(13, 22),
    weekends=st.booleans(),
)
def test_every_offered_slot_is_a_future_time_the_desk_is_open(
    moment: dt.datetime, opens: int, closes: int, weekends: bool
) -> None:
    desk = Contact(
        label="窓口",
        phone="03-1234-5678",
        phone_kind="landline",
        open_time=dt.time(opens),
        close_time=dt.time(closes),
        days=DaysRule(saturday_open=weekends, sunday_open=weekends, holidays_open=False),
    )
    now = moment.replace(tzinfo=JST)
    slots = open_slots([desk.to_dict()], now)
    assert slots, now
    assert len({s.start.date() for s in slots}) == SLOT_DAYS
    assert [s.start for s in slots] == sorted(s.start for s in slots)
    for s in slots:
        assert s.start > now
        assert desk.is_open(s.start) and desk.is_open(s.end - dt.timedelta(minutes=1))


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contact": "12345"}, "contact"),
        ({"contact": "+1 415 555 0100"}, "contact"),
        ({"channel": "mail", "contact": "hanako@"}, "contact"),
        ({"channel": "mail", "contact": ""}, "contact"),
        ({"channel": "fax"}, "channel"),
        ({"slot": "2026-09-19T09:00"}, "slot"),  # a Saturday: not a slot of this desk
        ({"slot": "2026-09-18T12:00"}, "slot"),  # ended before the request
        ({"question": "あ" * 1001}, "question"),
    ],
)
def test_a_bad_field_is_named_in_japanese_without_its_value(
    changes: dict[str, str], field: str
) -> None:
    found = problems(phone_request(**changes), CONTACTS, FRIDAY_NIGHT)
    assert list(found) == [field]
    message = found[field]
    assert message.endswith("。") and re.search("[ぁ-ん]", message)  # Japanese
    for value in changes.values():
        if len(value) > 3:
            assert value not in message


@pytest.mark.parametrize(
    "phone",
    ["090-1234-5678", "０９０１２３４５６７８", "03-1234-5678", "0120-999-888", "+81 90 1234 5678"],
)
def test_japanese_numbers_as_people_type_them_are_accepted(phone: str) -> None:
    assert problems(phone_request(contact=phone), CONTACTS, FRIDAY_NIGHT) == {}


# --- storage -----------------------------------------------------------------------------------


def test_a_request_is_sealed_and_opening_it_is_audited(
    callbacks: CallbackDesk, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    callback_id = callbacks.request(
        SLUG, phone_request(), contacts=CONTACTS, address="198.51.100.7", now=FRIDAY_NIGHT
    )
    with db.read() as s:
        row = s.get(CallbackRequest, callback_id)
        assert row is not None
        stored = bytes(row.sealed)
        assert row.state == "open" and row.channel == "phone"
        assert row.due_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 9, 24, 9, 0, tzinfo=JST)
    for value in ("09012345678", PHONE, "山田", "4111"):
        assert value.encode() not in stored
    detail = callbacks.show(SLUG, callback_id, by=OPERATOR, now=FRIDAY_NIGHT)
    assert (detail.contact, detail.name, detail.question) == ("09012345678", "山田花子", QUESTION)
    assert detail.masked == "090-****-5678"
    with db.read() as s:
        audits = [
            (a.actor, a.action, a.target)
            for a in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
    assert audits == [
        ("public", "callback.request", f"callback/{SLUG}/{callback_id}"),
        ("ola", "callback.view", f"callback/{SLUG}/{callback_id}"),
    ]
    for value in ("09012345678", "1234-5678", "山田", "4111"):
        assert value not in caplog.text


def test_a_register_made_for_callbacks_does_not_switch_the_self_check_on(
    callbacks: CallbackDesk, db: Database, master: MasterKey
) -> None:
    import base64

    key_text = base64.urlsafe_b64encode(master.material).decode()
    register = RegisterDesk(db, Settings(db="unused.db", master_key=key_text))  # type: ignore[arg-type]
    callbacks.request(SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT)
    assert not register.exists(SLUG)
    assert not register.available(SLUG)


def test_without_a_master_key_nothing_is_offered_or_stored(db: Database) -> None:
    with db.transaction() as s:
        s.add(Incident(slug=SLUG, name="ショップの漏えい"))
    no_key = CallbackDesk(db, Keyring(lambda: load_master_key(None, None)), limit_per_hour=5)
    assert not no_key.offered(SLUG)
    with pytest.raises(KeyUnavailableError):
        no_key.request(SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT)
    assert count(db, CallbackRequest) == 0


def test_an_invalid_request_raises_the_fields_problem_and_stores_nothing(
    callbacks: CallbackDesk, db: Database
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        callbacks.request(
            SLUG, phone_request(contact="0000"), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT
        )
    assert raised.value.where == "contact" and "0000" not in str(raised.value)
    assert count(db, CallbackRequest) == 0


# --- the per-address limit ---------------------------------------------------------------------


def test_concurrent_requests_from_one_address_store_exactly_the_limit(
    callbacks: CallbackDesk, db: Database
) -> None:
    callbacks.offered(SLUG)
    callbacks._key(SLUG)  # the register exists before the burst (its creation is tested apart)

    def send(_: int) -> int:
        return callbacks.request(
            SLUG, phone_request(), contacts=CONTACTS, address="203.0.113.5", now=FRIDAY_NIGHT
        )

    results = at_once(12, send)
    assert sum(isinstance(r, int) for r in results) == 5
    refused = [r for r in results if not isinstance(r, int)]
    assert all(isinstance(r, ThrottledError) for r in refused), refused
    assert count(db, CallbackRequest) == 5
    # Another address, and the same one in the next hour, are counted apart.
    callbacks.request(SLUG, phone_request(), contacts=CONTACTS, address="x", now=FRIDAY_NIGHT)
    later = FRIDAY_NIGHT + dt.timedelta(hours=1)
    callbacks.request(SLUG, phone_request(), contacts=CONTACTS, address="203.0.113.5", now=later)
    assert count(db, CallbackRequest) == 7
    # The counters hold the address's blind index, never the address.
    with db.read() as s:
        subjects = s.scalars(select(RegisterCounter.subject)).all()
    assert subjects and not any("203.0.113.5" in x or x == "x" for x in subjects)


def test_first_requests_at_once_create_one_register(callbacks: CallbackDesk, db: Database) -> None:
    from breachdesk.db.tables import Register

    results = at_once(
        4,
        lambda i: callbacks.request(
            SLUG, phone_request(), contacts=CONTACTS, address=f"a{i}", now=FRIDAY_NIGHT
        ),
    )
    assert all(isinstance(r, int) for r in results), results
    assert count(db, Register) == 1


# --- completing --------------------------------------------------------------------------------


def test_completing_logs_the_inquiry_and_closes_the_request_once(
    callbacks: CallbackDesk, db: Database
) -> None:
    callback_id = callbacks.request(
        SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT
    )
    when = dt.datetime(2026, 9, 24, 9, 30, tzinfo=JST)
    done = callbacks.complete(
        SLUG,
        callback_id,
        outcome="answered",
        category="対象確認",
        note="お客様 090-1234-5678 に対象外と回答",
        by=OPERATOR,
        now=when,
    )
    assert done.state == "done" and done.inquiry_id is not None
    with db.read() as s:
        inquiry = s.get(Inquiry, done.inquiry_id)
        assert inquiry is not None
        assert (inquiry.channel, inquiry.outcome, inquiry.source) == (
            "phone",
            "answered",
            "callback",
        )
        assert inquiry.handled_by == "ola" and "1234-5678" not in inquiry.note
        row = s.get(CallbackRequest, callback_id)
        assert row is not None and (row.state, row.inquiry_id) == ("done", done.inquiry_id)
    with pytest.raises(ConflictError):
        callbacks.complete(SLUG, callback_id, outcome="answered", by=OPERATOR, now=when)
    assert count(db, Inquiry) == 1
    assert count(db, AuditEvent, AuditEvent.action == "callback.complete") == 1
    assert callbacks.worklist(SLUG, now=when) == []
    assert [v.id for v in callbacks.worklist(SLUG, now=when, done=True)] == [callback_id]


@pytest.mark.parametrize("outcome", ["answered", "no_answer"])
def test_operators_completing_the_same_request_at_once_exactly_one_wins(
    callbacks: CallbackDesk, db: Database, outcome: str
) -> None:
    callback_id = callbacks.request(
        SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT
    )
    if outcome == "no_answer":  # the last attempt: only one of them may close it
        for _ in range(MAX_ATTEMPTS - 1):
            callbacks.complete(SLUG, callback_id, outcome="no_answer", by=OPERATOR)
    results = at_once(
        6,
        lambda i: callbacks.complete(
            SLUG, callback_id, outcome=outcome, by=Actor(f"op{i}"), note=f"対応{i}"
        ),
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    assert len(won) == 1, results
    assert all(isinstance(r, ConflictError) for r in results if r not in won)
    assert count(db, Inquiry) == 1
    assert count(db, AuditEvent, AuditEvent.action == "callback.complete") == (
        1 if outcome == "answered" else MAX_ATTEMPTS
    )


def test_no_answer_keeps_the_request_open_until_the_last_attempt(
    callbacks: CallbackDesk, db: Database
) -> None:
    callback_id = callbacks.request(
        SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT
    )
    for attempt in range(1, MAX_ATTEMPTS):
        step = callbacks.complete(SLUG, callback_id, outcome="no_answer", by=OPERATOR)
        assert (step.state, step.attempts, step.inquiry_id) == ("open", attempt, None)
    assert callbacks.worklist(SLUG)[0].attempts == MAX_ATTEMPTS - 1
    last = callbacks.complete(SLUG, callback_id, outcome="no_answer", by=OPERATOR)
    assert (last.state, last.attempts) == ("done", MAX_ATTEMPTS)
    with db.read() as s:
        inquiry = s.get(Inquiry, last.inquiry_id)
        assert inquiry is not None and inquiry.outcome == "busy"


def test_the_worklist_is_by_due_time_with_the_overdue_marked(callbacks: CallbackDesk) -> None:
    slots = open_slots(CONTACTS, FRIDAY_NIGHT)
    later = callbacks.request(
        SLUG, phone_request(slots[3].value), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT
    )
    sooner = callbacks.request(
        SLUG,
        phone_request(slots[0].value, channel="mail", contact=MAIL),
        contacts=CONTACTS,
        address="a",
        now=FRIDAY_NIGHT,
    )
    between = slots[1].start + dt.timedelta(minutes=1)
    listed = callbacks.worklist(SLUG, now=between)
    assert [(v.id, v.channel, v.overdue) for v in listed] == [
        (sooner, "mail", True),
        (later, "phone", False),
    ]
    assert callbacks.open_count(SLUG, now=between) == (2, 1)


def test_done_requests_are_purged_after_thirty_days(callbacks: CallbackDesk, db: Database) -> None:
    ids = [
        callbacks.request(SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT)
        for _ in range(3)
    ]
    start = dt.datetime(2026, 9, 24, 10, 0, tzinfo=JST)
    callbacks.complete(SLUG, ids[0], outcome="answered", by=OPERATOR, now=start)
    callbacks.complete(
        SLUG, ids[1], outcome="answered", by=OPERATOR, now=start + dt.timedelta(days=2)
    )
    when = start + KEEP_DONE + dt.timedelta(days=1)
    assert callbacks.purge(SLUG, now=when, by=OPERATOR) == 1
    with db.read() as s:
        left = set(s.scalars(select(CallbackRequest.id)))
    assert left == {ids[1], ids[2]}  # the open one stays, however old
    assert count(db, Inquiry) == 2  # the inquiries stay


# --- the command line --------------------------------------------------------------------------


def test_the_cli_lists_and_completes_without_showing_a_contact(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from breachdesk.cli import app
    from breachdesk.db import open_database

    key = new_master_key()
    monkeypatch.setenv("BREACHDESK_MASTER_KEY", key)
    path = str(tmp_path / "cli.db")
    db = open_database(path)
    with db.transaction() as s:
        s.add(Incident(slug=SLUG, name="ショップの漏えい"))
    desk = CallbackDesk(db, Keyring(lambda: load_master_key(key, None)), limit_per_hour=5)
    callback_id = desk.request(
        SLUG, phone_request(), contacts=CONTACTS, address="a", now=FRIDAY_NIGHT
    )
    runner = CliRunner()
    listed = runner.invoke(app, ["--db", path, "callback", "list", "--incident", SLUG])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.startswith(f"#{callback_id}\t2026-09-24 09:00\t電話\t期限超過")
    assert "5678" not in listed.output
    as_json = runner.invoke(app, ["--db", path, "callback", "list", "--incident", SLUG, "--json"])
    assert json.loads(as_json.stdout.splitlines()[0])["id"] == callback_id
    args = ["--db", path, "callback", "complete", str(callback_id), "--incident", SLUG]
    done = runner.invoke(app, [*args, "--outcome", "answered", "--category", "対象確認"])
    assert done.exit_code == 0 and "を完了し、受付記録 #" in done.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "すでに完了" in again.output
    wrong = runner.invoke(app, ["--db", path, "callback", "complete", "99", "--incident", SLUG])
    assert wrong.exit_code == 3
    db.dispose()
