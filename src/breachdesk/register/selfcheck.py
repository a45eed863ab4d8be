"""The public self-check: 「対象かどうか確認する」 without telling a stranger who is listed.

A person gives one identifier (mail, phone or customer number) and one known fact (postal code
or birth date). Whatever the register holds, `check` does the same work — a blind-index look-up,
one decryption (of a stand-in record when nobody is found), a constant-time comparison, one
token and code drawn, one `register_checks` row and one audit row written — and the caller
answers the same page (`messages.CONFIRMATION`). Only a listed person whose fact matches, under
the limits, gets a message: a link by mail (identifier mail, or a customer number with a mail on
record) or a code by SMS (identifier phone, or no mail on record), to the contact on record,
never to one typed in. The message leaves through the outbox thread, after the answer.

Limits, per register and clock hour, each counted by one atomic statement before anything else
is done (`register.limits`): `4 × limit` self-check requests (checks, codes, links) per client
address, `limit` checks per identifier whatever their outcome (so misses lock it for the hour),
`CODE_TRIES` code tries per identifier. Only requests under the limits write a check row and an
audit row; a refused one adds one to its hour's aggregate count (`register_counters`; the first
of each kind in an hour is also an audit row), so a flood cannot grow the database without
bound. A link or code is valid `minutes` minutes and opens once: it is used up by one
conditional UPDATE … RETURNING, so requests racing with the same link open it once. A mailed
link's GET only shows a button (a mail scanner's prefetch uses up nothing); the POST opens it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.db.tables import Incident, Register, RegisterCheck, RegisterPerson, utcnow
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.register import messages
from breachdesk.register.blind import normalise
from breachdesk.register.crypto import DataKey
from breachdesk.register.items import ITEM_LABELS, item_label
from breachdesk.register.keys import Keyring, get_register
from breachdesk.register.limits import ADDRESS, CHECK, CODE, REFUSED, bump, hour_of, prune
from breachdesk.register.messages import Outgoing
from breachdesk.register.service import decrypt_record, find_people, person_target

WINDOW = timedelta(hours=1)
CODE_TRIES = 5
IDENTIFIER_KINDS = ("mail", "phone", "customer")
FACT_KINDS = ("postal", "birth")
_STAND_IN = {
    "customer": "C00000000",
    "name": "氏名 氏名",
    "kana": "シメイ シメイ",
    "mail": "someone.000000@example.jp",
    "phone": "090-0000-0000",
    "postal": "000-0000",
    "birth": "1970-01-01",
    "payment": "クレジットカード",
    "card_brand": "VISA",
    "card_last4": "0000",
    "period": "2024-01-01〜2024-12-31",
    "items": ["name", "email"],
}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_NO_CODE = _digest("no code was sent")
"""Compared with when no code is waiting, so that the comparison is made either way."""


@dataclass(frozen=True)
class SelfView:
    """What a verified person sees of their own record."""

    leaked: list[str]
    not_leaked: list[str]
    period: str
    payment: str
    card: str
    what_to_do: tuple[str, ...]


class SelfCheck:
    """The self-check over one database; holds the stand-in records (one per register)."""

    def __init__(
        self, db: Database, keyring: Keyring, *, limit: int, minutes: int, base_url: str
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.limit = limit
        self.minutes = minutes
        self.base_url = base_url.rstrip("/")
        self._stand_ins: dict[int, bytes] = {}

    def _stand_in(self, register_id: int, key: DataKey) -> bytes:
        blob = self._stand_ins.get(register_id)
        if blob is None:
            plain = json.dumps(_STAND_IN, ensure_ascii=False, separators=(",", ":")).encode()
            blob = self._stand_ins[register_id] = key.encrypt(plain, b"stand-in")
        return blob

    def check(
        self,
        slug: str,
        *,
        kind: str,
        identifier: str,
        fact_kind: str,
        fact: str,
        address: str,
    ) -> Outgoing | None:
        """Run one self-check; the message to send if (and only if) it should be sent."""
        if kind not in IDENTIFIER_KINDS or fact_kind not in FACT_KINDS:
            raise InvalidInputError(
                "確認に使う情報は、ご登録の情報（メールアドレス・電話番号・お客様番号）と"
                "ご本人確認の情報（郵便番号・生年月日）から選んでください",
                where="kind",
            )
        now = utcnow()
        hour = hour_of(now)
        token = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(10**8):08d}"
        with self.db.transaction() as s:
            register = get_register(s, slug)
            key = self.keyring.data_key(register)
            if not self._under_address_limit(s, slug, register, key, address, hour, now, "check"):
                return None
            ident_ix = key.blind("check:" + kind, normalise(kind, identifier))
            if bump(s, register.id, CHECK, ident_ix.hex(), hour) > self.limit:
                self._refused(s, slug, register, hour, "check/limited")
                return None
            # Under the limits: from here every request does the same work, listed or not.
            found = find_people(s, key, register.id, kind, identifier)[:1]
            person = found[0] if found else None
            if person is not None:
                record = decrypt_record(key, register.id, person)
            else:
                record = json.loads(key.decrypt(self._stand_in(register.id, key), b"stand-in"))
            expected = normalise(fact_kind, str(record.get(fact_kind, "")))
            given = normalise(fact_kind, fact)
            matches = hmac.compare_digest(expected.encode(), given.encode()) and bool(given)
            matches = matches and person is not None
            outcome = "sent" if matches else "miss"
            mail = str(record.get("mail", ""))
            phone = str(record.get("phone", ""))
            channel = "mail" if (kind == "mail" or (kind == "customer" and mail)) else "sms"
            s.add(
                RegisterCheck(
                    register_id=register.id,
                    at=now,
                    ident_ix=ident_ix,
                    address=address[:64],
                    outcome=outcome,
                    person_id=person.id if outcome == "sent" and person else None,
                    channel=channel,
                    token_hash=_digest(token),
                    code_hash=_digest(code),
                    expires_at=now + timedelta(minutes=self.minutes),
                    code_attempts=0,
                )
            )
            target = person_target(slug, person.id if person is not None else None)
            auth.record(
                s,
                "public",
                "register.check",
                target,
                {"by": kind, "outcome": outcome},
                address=address,
            )
            organisation = self._organisation(s, register)
        if outcome != "sent":
            return None
        if channel == "mail" and mail:
            link = f"{self.base_url}/i/{slug}/check/v?k={token}"
            return messages.link_mail(
                mail, organisation=organisation, link=link, minutes=self.minutes
            )
        if phone:
            code_page = f"{self.base_url}/i/{slug}/check/code"
            return messages.code_sms(
                phone, organisation=organisation, code=code, link=code_page, minutes=self.minutes
            )
        return None

    def _under_address_limit(
        self,
        s: Session,
        slug: str,
        register: Register,
        key: DataKey,
        address: str,
        hour: datetime,
        now: datetime,
        what: str,
    ) -> bool:
        """Count a self-check request (a check, a code, a link) against its client address's
        limit; over it, the request is recorded only in aggregate. An address's first request
        of the hour also clears the counts of past hours."""
        used = bump(s, register.id, ADDRESS, key.blind("address", address).hex(), hour)
        if used == 1:
            prune(s, register.id, now)
        if used > 4 * self.limit:
            self._refused(s, slug, register, hour, f"{what}/limited")
            return False
        return True

    @staticmethod
    def _refused(s: Session, slug: str, register: Register, hour: datetime, what: str) -> None:
        """Count a refused request in the hour's aggregate; only the first of each kind in an
        hour is an audit row, so a flood adds a handful of rows, not one per request."""
        if bump(s, register.id, REFUSED, what, hour) == 1:
            auth.record(
                s,
                "public",
                "register.refused",
                person_target(slug, None),
                {"what": what, "hour": hour.isoformat(), "counted_in": "register_counters"},
            )

    @staticmethod
    def _organisation(s: Session, register: Register) -> str:
        incident = s.get(Incident, register.incident_id)
        assert incident is not None
        return incident.organisation or incident.name

    def open_link(self, slug: str, token: str, *, address: str) -> SelfView:
        """The person's record behind a mailed link, used up by this one statement (a request
        that loses the race, or comes later, opens nothing)."""
        now = utcnow()
        hour = hour_of(now)
        with self.db.transaction() as s:
            register = get_register(s, slug)
            key = self.keyring.data_key(register)
            if not self._under_address_limit(s, slug, register, key, address, hour, now, "link"):
                raise NotFoundError("confirmation link", "-")
            person_id = s.scalar(
                update(RegisterCheck)
                .where(
                    RegisterCheck.register_id == register.id,
                    RegisterCheck.token_hash == _digest(token),
                    RegisterCheck.outcome == "sent",
                    RegisterCheck.channel == "mail",
                    RegisterCheck.used_at.is_(None),
                    RegisterCheck.expires_at > now,
                    RegisterCheck.person_id.is_not(None),
                )
                .values(used_at=now)
                .returning(RegisterCheck.person_id)
                .execution_options(synchronize_session=False)
            )
            view = self._show(s, slug, register, key, person_id, address, hour, via="link")
        if view is None:
            raise NotFoundError("confirmation link", "-")
        return view

    def redeem_code(
        self, slug: str, *, kind: str, identifier: str, code: str, address: str
    ) -> SelfView:
        """The person's record behind an SMS code, given with the identifier it was sent for.

        `CODE_TRIES` tries per identifier and hour, counted by one atomic statement before the
        code is compared; a wrong code and an identifier without a code do the same work."""
        if kind not in IDENTIFIER_KINDS:
            raise InvalidInputError(
                "ご登録の情報は、メールアドレス・電話番号・お客様番号から選んでください",
                where="kind",
            )
        now = utcnow()
        hour = hour_of(now)
        with self.db.transaction() as s:
            register = get_register(s, slug)
            key = self.keyring.data_key(register)
            if not self._under_address_limit(s, slug, register, key, address, hour, now, "code"):
                raise NotFoundError("confirmation code", "-")
            ident_ix = key.blind("check:" + kind, normalise(kind, identifier))
            tries = bump(s, register.id, CODE, ident_ix.hex(), hour)
            row = s.execute(
                select(RegisterCheck.id, RegisterCheck.code_hash)
                .where(
                    RegisterCheck.register_id == register.id,
                    RegisterCheck.ident_ix == ident_ix,
                    RegisterCheck.outcome == "sent",
                    RegisterCheck.channel == "sms",
                    RegisterCheck.used_at.is_(None),
                    RegisterCheck.expires_at > now,
                )
                .order_by(RegisterCheck.id.desc())
                .limit(1)
            ).first()
            given = _digest("".join(c for c in code if c.isdigit()))
            right = hmac.compare_digest((row.code_hash or "") if row else _NO_CODE, given)
            person_id = None
            if row is not None and right and tries <= CODE_TRIES:
                person_id = s.scalar(
                    update(RegisterCheck)
                    .where(RegisterCheck.id == row.id, RegisterCheck.used_at.is_(None))
                    .values(used_at=now, code_attempts=tries)
                    .returning(RegisterCheck.person_id)
                    .execution_options(synchronize_session=False)
                )
            view = self._show(s, slug, register, key, person_id, address, hour, via="code")
        if view is None:
            raise NotFoundError("confirmation code", "-")
        return view

    def _show(
        self,
        s: Session,
        slug: str,
        register: Register,
        key: DataKey,
        person_id: int | None,
        address: str,
        hour: datetime,
        *,
        via: str,
    ) -> SelfView | None:
        """The record a used-up link or code opens, audited; a refusal is counted in aggregate."""
        person = s.get(RegisterPerson, person_id) if person_id is not None else None
        if person is None:
            self._refused(s, slug, register, hour, f"{via}/refused")
            return None
        record = decrypt_record(key, register.id, person)
        auth.record(
            s,
            "public",
            "register.view",
            person_target(slug, person.id),
            {"via": via, "outcome": "shown"},
            address=address,
        )
        return self_view(record, published_items(s, register))


_CARD_DETAILS = frozenset(("card_number", "expiry", "security_code", "cardholder_name"))


def published_items(s: Session, register: Register) -> list[str]:
    """The items the incident's published texts say leaked (`kb.facts`: named in a sentence
    about the leak, not denied, not asked), in the vocabulary's order — what 「対象ではなかった
    情報」 is drawn from. Never what the register's rows say: those are other people's."""
    incident = s.get(Incident, register.incident_id)
    facts = (incident.facts if incident is not None else None) or {}
    stated = {
        str(i.get("key"))
        for i in facts.get("items", [])
        if i.get("leak_context") and not i.get("negated") and not i.get("in_question")
    }
    return [key for key in ITEM_LABELS if key in stated]


def self_view(record: dict[str, Any], published: list[str]) -> SelfView:
    """What a person sees of their own record: their items, and of the incident's published
    items those that were not theirs (card data as a whole and its details count as one)."""
    items = [str(i) for i in record.get("items", [])]
    covered = set(items)
    if "card_info" in covered:
        covered |= _CARD_DETAILS
    if covered & _CARD_DETAILS:
        covered.add("card_info")
    card = " ".join(
        p
        for p in (
            str(record.get("card_brand", "")),
            f"下4桁 {record['card_last4']}" if record.get("card_last4") else "",
        )
        if p
    )
    return SelfView(
        leaked=[item_label(i) for i in items],
        not_leaked=[item_label(i) for i in published if i not in covered],
        period=str(record.get("period", "")),
        payment=str(record.get("payment", "")),
        card=card,
        what_to_do=messages.WHAT_TO_DO,
    )
