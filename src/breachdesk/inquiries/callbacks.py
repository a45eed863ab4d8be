"""Callback requests: a person asks the desk to call (or mail) them back, when it is closed or
because they prefer it; operators work through them by due time and complete each one.

Judgement calls, in one place:

- **Preferred time.** A person picks one of the desk's next open slots (`open_slots`): the next
  `SLOT_DAYS` days the main desk is open (its published hours and closed days, Japanese
  holidays and the year-end rule from `kb.contacts.Contact`), each split into 午前 (opening to
  noon) and 午後 (noon to closing). A slot's start is the request's `due_at`, a real time the
  worklist sorts and marks overdue by. A desk with no published hours is taken to be open on
  weekdays 9:00–17:00, holidays closed (`DEFAULT_HOURS`).
- **Storage.** Contact (phone digits or mail address, folded), an optional name and the question
  (≤ 1000 characters) are one JSON sealed with the incident's register data key, bound to the
  row (`sealed_context`). The register is created (`register.keys.ensure_register`) when the
  incident has none; `RegisterDesk.exists`/`available` count a register with no import as
  none, so a key made for callbacks does not switch the public self-check on. Without a
  master key nothing is stored: `KeyUnavailableError`, and the public page does not offer
  the form (`CallbackDesk.offered`). The register's people are never read.
- **Limits.** Requests per client address and clock hour (`callback_limit_per_hour`), counted
  by one atomic statement on the register's counters (`register.limits.bump`, kind
  ``callback``); over the limit is `ThrottledError` and nothing is stored.
- **Completing.** ``answered`` and ``escalated`` close the request and log an inquiry (channel
  phone or mail, that outcome, the category and a redacted note) in the same transaction.
  ``no_answer`` counts an attempt and leaves it open; the `MAX_ATTEMPTS`-th closes it, logged
  as a ``busy`` inquiry (不応答), as does ``unreachable`` at any attempt. Closing is one
  ``UPDATE … WHERE state = 'open'``: of two operators completing the same request at once,
  exactly one wins, the other gets `ConflictError`.
- **Keeping.** A request is kept until it is done (or cancelled) plus `KEEP_DONE` (30 days),
  then deleted with its sealed contact (`purge`, run when the worklist is read and by
  `breachdesk callback list --purge`); the inquiry it logged stays, and holds no contact.
- **Privacy.** Contact values and questions never reach logs, errors or audit rows: an audit
  row names the request (`callback/{slug}/{id}`), never a value; validation errors name the
  field only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from breachdesk.auth import service as auth
from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import CallbackRequest, Incident
from breachdesk.errors import (
    ConflictError,
    InvalidInputError,
    KeyUnavailableError,
    NotFoundError,
    ThrottledError,
)
from breachdesk.inquiries.callback_slots import chosen_slot
from breachdesk.inquiries.categories import ensure_categories
from breachdesk.inquiries.service import InquiryInput, add_inquiry
from breachdesk.kb.service import get_incident
from breachdesk.register.blind import mask_mail, mask_phone, normalise_phone
from breachdesk.register.crypto import DataKey
from breachdesk.register.desk import RegisterDesk
from breachdesk.register.keys import Keyring, ensure_register, find_register
from breachdesk.register.limits import bump, hour_of

CHANNELS: Mapping[str, str] = {"phone": "電話", "mail": "メール"}
"""How the person wants to be reached (also the logged inquiry's channel)."""
OUTCOMES: Mapping[str, str] = {
    "answered": "回答した",
    "escalated": "担当部署へ引き継いだ",
    "no_answer": "不在・応答なし（あとでもう一度）",
    "unreachable": "連絡がつかないため終了",
}
"""How an operator completes a request, in the order the console offers them."""
INQUIRY_OUTCOME: Mapping[str, str] = {
    "answered": "answered",
    "escalated": "escalated",
    "no_answer": "busy",
    "unreachable": "busy",
}
"""The outcome of the inquiry a closed request logs (`inquiries.service.OUTCOMES`)."""
MAX_ATTEMPTS = 3
"""No-answer attempts after which a request is closed as unreachable."""
KEEP_DONE = dt.timedelta(days=30)
"""How long a done or cancelled request (with its sealed contact) is kept."""
MAX_QUESTION = 1000
MAX_NAME = 60
MAX_NOTE = 2000
LIMIT_KIND = "callback"
"""The register counter kind of the per-address limit."""
_TABLE = cast(Table, CallbackRequest.__table__)
_MAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+$")
_PHONE = re.compile(r"^0(?:[5789]0\d{8}|[1-9]\d{8}|120\d{6}|800\d{7})$")
"""Japanese numbers as dialled at home: mobile and IP (050/070/080/090 + 8), fixed lines (10
digits), フリーダイヤル (0120 + 6, 0800 + 7)."""


def sealed_context(register_id: int, callback_id: int) -> bytes:
    """What a request's ciphertext is bound to: its register and its own row."""
    return f"breachdesk callback {register_id}/{callback_id}".encode()


def target(slug: str, callback_id: int) -> str:
    """The audit target of a request (never a value)."""
    return f"callback/{slug}/{callback_id}"


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackInput:
    """A request as the form sends it (values as typed)."""

    channel: str
    contact: str
    slot: str
    question: str = ""
    name: str = ""


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def normalise_contact(channel: str, value: str) -> str:
    """The contact as stored: a phone number's digits, a mail address folded and lower-cased."""
    if channel == "phone":
        return normalise_phone(value)
    return _fold(value).lower()


def problems(
    data: CallbackInput, contacts: Sequence[Mapping[str, Any]], now: dt.datetime
) -> dict[str, str]:
    """What is wrong with a request, in Japanese, by form field (empty when nothing is).
    Messages never repeat a value."""
    found: dict[str, str] = {}
    if data.channel not in CHANNELS:
        found["channel"] = "ご連絡の方法（電話またはメール）を選んでください。"
    else:
        contact = normalise_contact(data.channel, data.contact)
        if not contact:
            found["contact"] = (
                "お電話番号を入力してください。"
                if data.channel == "phone"
                else "メールアドレスを入力してください。"
            )
        elif data.channel == "phone" and not _PHONE.fullmatch(contact):
            found["contact"] = (
                "日本国内の電話番号を、市外局番から入力してください（例：090-1234-5678、"
                "03-1234-5678）。"
            )
        elif data.channel == "mail" and not _MAIL.fullmatch(contact):
            found["contact"] = "メールアドレスの形式をご確認ください（例：name@example.jp）。"
    if chosen_slot(contacts, data.slot, now) is None:
        found["slot"] = "ご希望の時間帯を一覧から選んでください。"
    if len(data.question.strip()) > MAX_QUESTION:
        found["question"] = f"ご質問は{MAX_QUESTION:,}文字以内でご入力ください。"
    if len(data.name.strip()) > MAX_NAME:
        found["name"] = f"お名前は{MAX_NAME}文字以内でご入力ください。"
    return found


@dataclass(frozen=True)
class CallbackView:
    """A request as the worklist lists it: nothing personal (the contact is sealed)."""

    id: int
    incident: str
    channel: str
    created_at: dt.datetime
    due_at: dt.datetime
    state: str
    attempts: int
    attempted_at: dt.datetime | None
    done_at: dt.datetime | None
    done_by: str | None
    inquiry_id: int | None
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": self.incident,
            "channel": self.channel,
            "created_at": self.created_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "state": self.state,
            "attempts": self.attempts,
            "attempted_at": self.attempted_at.isoformat() if self.attempted_at else None,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "done_by": self.done_by,
            "inquiry": self.inquiry_id,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class CallbackDetail:
    """A request opened by an operator: its contact, name and question in clear (audited)."""

    request: CallbackView
    contact: str
    name: str
    question: str

    @property
    def masked(self) -> str:
        if self.request.channel == "phone":
            return mask_phone(self.contact)
        return mask_mail(self.contact)


@dataclass(frozen=True)
class Completion:
    """What completing did: the request's state and attempts, and the inquiry it logged."""

    id: int
    state: str
    attempts: int
    inquiry_id: int | None


def _utc(moment: dt.datetime | None) -> dt.datetime:
    """`moment` (now when None) in UTC, as every time here is stored and compared."""
    if moment is None:
        return dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _view(slug: str, row: CallbackRequest, now: dt.datetime) -> CallbackView:
    due = _aware(row.due_at)
    assert due is not None
    created = _aware(row.created_at)
    assert created is not None
    return CallbackView(
        id=row.id,
        incident=slug,
        channel=row.channel,
        created_at=created,
        due_at=due,
        state=row.state,
        attempts=row.attempts,
        attempted_at=_aware(row.attempted_at),
        done_at=_aware(row.done_at),
        done_by=row.done_by,
        inquiry_id=row.inquiry_id,
        overdue=row.state == "open" and due < now,
    )


class CallbackDesk:
    """Callback requests over one database and the registers' keyring: both faces call this."""

    def __init__(self, db: Database, keyring: Keyring, *, limit_per_hour: int) -> None:
        self.db = db
        self.keyring = keyring
        self.limit_per_hour = limit_per_hour

    @classmethod
    def over(cls, register: RegisterDesk) -> CallbackDesk:
        """The callback requests of a desk's register part (its database, keyring, limit)."""
        return cls(
            register.db,
            register.keyring,
            limit_per_hour=register.settings.callback_limit_per_hour,
        )

    def offered(self, slug: str) -> bool:
        """Whether requests can be taken: a master key is configured and opens the incident's
        register if it has one (why not is the register's business; nothing is written)."""
        try:
            _ = self.keyring.master
            with self.db.read() as s:
                register = find_register(s, slug)
                if register is not None:
                    self.keyring.data_key(register)
        except KeyUnavailableError:
            return False
        return True

    def _key(self, slug: str) -> tuple[int, DataKey]:
        """The incident's register id and data key, the register created if it is new (in its
        own transaction, so that two first requests at once do not both insert it)."""
        for _ in range(2):
            try:
                with self.db.transaction() as s:
                    register, key = ensure_register(s, slug, self.keyring)
                    return register.id, key
            except IntegrityError:
                continue  # the other request made it: open that one
        raise ConflictError("the incident's register could not be created")

    def request(
        self,
        slug: str,
        data: CallbackInput,
        *,
        contacts: Sequence[Mapping[str, Any]],
        address: str,
        now: dt.datetime | None = None,
    ) -> int:
        """Store a request (sealed) and return its id. Raises `InvalidInputError` (the first
        problem, by field), `ThrottledError` over the per-address limit, `KeyUnavailableError`
        without a master key. Audited as ``callback.request`` by ``public``."""
        now = _utc(now)
        found = problems(data, contacts, now)
        if found:
            where, reason = next(iter(found.items()))
            raise InvalidInputError(reason, where=where)
        slot = chosen_slot(contacts, data.slot, now)
        assert slot is not None
        register_id, key = self._key(slug)
        payload = json.dumps(
            {
                "contact": normalise_contact(data.channel, data.contact),
                "name": data.name.strip(),
                "question": data.question.strip(),
            },
            ensure_ascii=False,
        ).encode()
        with self.db.transaction() as s:
            incident = get_incident(s, slug)
            # Counted by the address's blind index, as the self-check counts it: the counter
            # table never holds a client address.
            subject = key.blind("address", address).hex()
            count = bump(s, register_id, LIMIT_KIND, subject, hour_of(now))
            if count > self.limit_per_hour:
                next_hour = hour_of(now) + dt.timedelta(hours=1)
                wait = max(1, int((next_hour - now).total_seconds()))
                raise ThrottledError("too many callback requests from this address", wait)
            row = CallbackRequest(
                incident_id=incident.id,
                created_at=now,
                due_at=slot.start.astimezone(dt.UTC),
                channel=data.channel,
                sealed=b"",
                state="open",
                attempts=0,
            )
            s.add(row)
            s.flush()
            row.sealed = key.encrypt(payload, sealed_context(register_id, row.id))
            auth.record(
                s,
                "public",
                "callback.request",
                target(slug, row.id),
                {"channel": data.channel},
                address=address,
            )
            return row.id

    def worklist(
        self,
        slug: str,
        *,
        now: dt.datetime | None = None,
        done: bool = False,
        limit: int = 200,
    ) -> list[CallbackView]:
        """Open requests by due time (overdue first, as they are due earliest); with `done`,
        the closed ones instead, latest first. Expired requests are purged first."""
        now = _utc(now)
        self.purge(slug, now=now)
        with self.db.read() as s:
            incident = get_incident(s, slug)
            query = select(CallbackRequest).where(CallbackRequest.incident_id == incident.id)
            if done:
                query = query.where(CallbackRequest.state != "open").order_by(
                    CallbackRequest.done_at.desc(), CallbackRequest.id.desc()
                )
            else:
                query = query.where(CallbackRequest.state == "open").order_by(
                    CallbackRequest.due_at, CallbackRequest.id
                )
            return [_view(slug, r, now) for r in s.scalars(query.limit(limit))]

    def open_count(self, slug: str, *, now: dt.datetime | None = None) -> tuple[int, int]:
        """(open, overdue) requests of the incident."""
        now = _utc(now)
        with self.db.read() as s:
            incident = get_incident(s, slug)
            is_open = (CallbackRequest.incident_id == incident.id) & (
                CallbackRequest.state == "open"
            )
            total = s.scalar(select(func.count()).where(is_open)) or 0
            late = s.scalar(select(func.count()).where(is_open, CallbackRequest.due_at < now)) or 0
        return int(total), int(late)

    def _row(self, s: Session, incident: Incident, callback_id: int) -> CallbackRequest:
        row = s.get(CallbackRequest, callback_id)
        if row is None or row.incident_id != incident.id:
            raise NotFoundError("callback", str(callback_id))
        return row

    def show(
        self, slug: str, callback_id: int, *, by: Actor, now: dt.datetime | None = None
    ) -> CallbackDetail:
        """A request with its contact and question in clear, audited as ``callback.view`` in
        the same transaction as the read."""
        now = _utc(now)
        with self.db.transaction() as s:
            incident = get_incident(s, slug)
            row = self._row(s, incident, callback_id)
            register = find_register(s, slug)
            if register is None:
                raise NotFoundError("affected register", slug)
            key = self.keyring.data_key(register)
            plain = key.decrypt(bytes(row.sealed), sealed_context(register.id, row.id))
            data = json.loads(plain)
            audited(s, by, "callback.view", target(slug, row.id), {"channel": row.channel})
            return CallbackDetail(
                _view(slug, row, now),
                str(data.get("contact", "")),
                str(data.get("name", "")),
                str(data.get("question", "")),
            )

    def complete(
        self,
        slug: str,
        callback_id: int,
        *,
        outcome: str,
        by: Actor,
        category: str | None = None,
        note: str = "",
        now: dt.datetime | None = None,
    ) -> Completion:
        """Record what came of a request (see the module's notes): one atomic UPDATE claims it
        while open, then — when it closes — the inquiry is logged and linked, audited as
        ``callback.complete``, all in one transaction. `ConflictError` when it is no longer
        open (another operator was first)."""
        if outcome not in OUTCOMES:
            raise InvalidInputError(
                f"結果は {' / '.join(OUTCOMES)} のいずれかを指定してください", where="outcome"
            )
        if len(note) > MAX_NOTE:
            raise InvalidInputError(f"メモは{MAX_NOTE}文字以内にしてください", where="note")
        now = _utc(now)
        c = _TABLE.c
        if outcome == "no_answer":
            closes = c.attempts + 1 >= MAX_ATTEMPTS
            values: dict[str, Any] = {
                "attempts": c.attempts + 1,
                "attempted_at": now,
                "state": case((closes, "done"), else_="open"),
                "done_at": case((closes, now), else_=None),
                "done_by": case((closes, by.name[:120]), else_=None),
            }
        else:
            values = {"state": "done", "done_at": now, "done_by": by.name[:120]}
            if outcome == "unreachable":
                values.update(attempts=c.attempts + 1, attempted_at=now)
        with self.db.transaction() as s:
            incident = get_incident(s, slug)
            if category is not None:
                names = {cat.name for cat in ensure_categories(s, incident)}
                if category not in names:
                    raise InvalidInputError(
                        "その分類はこのインシデントにありません", where="category"
                    )
            claimed = s.execute(
                update(_TABLE)
                .where(c.id == callback_id, c.incident_id == incident.id, c.state == "open")
                .values(values)
                .returning(c.state, c.attempts, c.channel)
            ).first()
            if claimed is None:
                self._row(s, incident, callback_id)  # NotFoundError for another's or none
                raise ConflictError("この折返し依頼はすでに完了しています")
            state, attempts, channel = claimed
            inquiry_id = None
            if state == "done":
                inquiry = add_inquiry(
                    s,
                    incident,
                    InquiryInput(
                        channel=channel,
                        outcome=INQUIRY_OUTCOME[outcome],
                        received_at=now,
                        handled_by=by.name,
                        category=category,
                        note=note,
                        source="callback",
                    ),
                )
                s.flush()
                inquiry_id = inquiry.id
                s.execute(update(_TABLE).where(c.id == callback_id).values(inquiry_id=inquiry_id))
            detail: dict[str, Any] = {"outcome": outcome, "attempts": attempts}
            if category is not None:
                detail["category"] = category
            audited(s, by, "callback.complete", target(slug, callback_id), detail)
            return Completion(callback_id, state, attempts, inquiry_id)

    def purge(
        self, slug: str | None = None, *, now: dt.datetime | None = None, by: Actor | None = None
    ) -> int:
        """Delete the requests done or cancelled more than `KEEP_DONE` ago (of one incident, or
        all); how many. Audited as ``callback.purge`` when something went and `by` is given."""
        now = _utc(now)
        with self.db.transaction() as s:
            where = [
                CallbackRequest.state != "open",
                CallbackRequest.done_at < now - KEEP_DONE,
            ]
            if slug is not None:
                where.append(CallbackRequest.incident_id == get_incident(s, slug).id)
            gone = s.execute(delete(CallbackRequest).where(*where).returning(CallbackRequest.id))
            removed = len(gone.all())
            if removed:
                audited(s, by, "callback.purge", f"callback/{slug or '*'}", {"removed": removed})
            return int(removed)
