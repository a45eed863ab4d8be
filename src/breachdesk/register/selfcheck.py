"""The public self-check: 「対象かどうか確認する」 without telling a stranger who is listed.

A person gives one identifier (mail, phone or customer number) and one known fact (postal code
or birth date). Whatever the register holds, `check` does the same work — a blind-index look-up,
one decryption (of a stand-in record when nobody is found), a constant-time comparison, one
token and code drawn, one `register_checks` row and one audit row written — and the caller
answers the same page (`messages.CONFIRMATION`). Only a listed person whose fact matches, under
the limits, gets a message: a link by mail (identifier mail, or a customer number with a mail on
record) or a code by SMS (identifier phone, or no mail on record), to the contact on record,
never to one typed in. The message leaves through the outbox thread, after the answer.

Limits, per register and per hour: `limit` checks per identifier and `4 × limit` per client
address; `limit` misses lock the identifier for the rest of the hour. A link or code is valid
`minutes` minutes and once; a code allows 5 tries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.db.tables import Incident, Register, RegisterCheck, RegisterPerson, utcnow
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.register import messages
from breachdesk.register.blind import normalise
from breachdesk.register.crypto import DataKey
from breachdesk.register.items import item_label
from breachdesk.register.keys import Keyring, get_register
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


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
            raise InvalidInputError("unknown identifier or fact kind", where="kind")
        now = utcnow()
        token = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(10**8):08d}"
        with self.db.transaction() as s:
            register = get_register(s, slug)
            key = self.keyring.data_key(register)
            wanted = normalise(kind, identifier)
            ident_ix = key.blind("check:" + kind, wanted)
            since = now - WINDOW
            by_ident, misses = s.execute(
                select(
                    func.count(),
                    func.count().filter(RegisterCheck.outcome != "sent"),
                ).where(
                    RegisterCheck.register_id == register.id,
                    RegisterCheck.ident_ix == ident_ix,
                    RegisterCheck.at >= since,
                )
            ).one()
            by_address = (
                s.scalar(
                    select(func.count()).where(
                        RegisterCheck.register_id == register.id,
                        RegisterCheck.address == address[:64],
                        RegisterCheck.at >= since,
                    )
                )
                or 0
            )
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
            if misses >= self.limit:
                outcome = "locked"
            elif by_ident >= self.limit or by_address >= 4 * self.limit:
                outcome = "limited"
            else:
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
        link = f"{self.base_url}/i/{slug}/check/v?k={token}"
        if channel == "mail" and mail:
            return messages.link_mail(
                mail, organisation=organisation, link=link, minutes=self.minutes
            )
        if phone:
            code_page = f"{self.base_url}/i/{slug}/check/code"
            return messages.code_sms(
                phone, organisation=organisation, code=code, link=code_page, minutes=self.minutes
            )
        return None

    @staticmethod
    def _organisation(s: Session, register: Register) -> str:
        incident = s.get(Incident, register.incident_id)
        assert incident is not None
        return incident.organisation or incident.name

    def open_link(self, slug: str, token: str, *, address: str) -> SelfView:
        """The person's record behind a mailed link; the link is then used up."""
        with self.db.transaction() as s:
            register = get_register(s, slug)
            row = s.scalar(
                select(RegisterCheck).where(
                    RegisterCheck.register_id == register.id,
                    RegisterCheck.token_hash == _digest(token),
                    RegisterCheck.outcome == "sent",
                    RegisterCheck.channel == "mail",
                )
            )
            view = self._consume(s, slug, register, row, address, via="link")
        if view is None:
            raise NotFoundError("confirmation link", "-")
        return view

    def redeem_code(
        self, slug: str, *, kind: str, identifier: str, code: str, address: str
    ) -> SelfView:
        """The person's record behind an SMS code, given with the identifier it was sent for."""
        if kind not in IDENTIFIER_KINDS:
            raise InvalidInputError("unknown identifier kind", where="kind")
        with self.db.transaction() as s:
            register = get_register(s, slug)
            key = self.keyring.data_key(register)
            ident_ix = key.blind("check:" + kind, normalise(kind, identifier))
            row = s.scalar(
                select(RegisterCheck)
                .where(
                    RegisterCheck.register_id == register.id,
                    RegisterCheck.ident_ix == ident_ix,
                    RegisterCheck.outcome == "sent",
                    RegisterCheck.channel == "sms",
                    RegisterCheck.used_at.is_(None),
                )
                .order_by(RegisterCheck.id.desc())
                .limit(1)
            )
            if row is not None:
                row.code_attempts += 1
                given = _digest("".join(c for c in code if c.isdigit()))
                right = hmac.compare_digest(row.code_hash or "", given)
                if row.code_attempts > CODE_TRIES or not right:
                    row = None
            view = self._consume(s, slug, register, row, address, via="code")
        if view is None:
            raise NotFoundError("confirmation code", "-")
        return view

    def _consume(
        self,
        s: Session,
        slug: str,
        register: Register,
        row: RegisterCheck | None,
        address: str,
        *,
        via: str,
    ) -> SelfView | None:
        """Use up a valid link or code and return the record it opens (audited either way)."""
        now = utcnow()
        if (
            row is None
            or row.used_at is not None
            or row.person_id is None
            or row.expires_at is None
            or _aware(row.expires_at) <= now
        ):
            auth.record(
                s,
                "public",
                "register.view",
                person_target(slug, None),
                {"via": via, "outcome": "refused"},
                address=address,
            )
            return None
        row.used_at = now
        person = s.get(RegisterPerson, row.person_id)
        assert person is not None
        record = decrypt_record(self.keyring.data_key(register), register.id, person)
        auth.record(
            s,
            "public",
            "register.view",
            person_target(slug, person.id),
            {"via": via, "outcome": "shown"},
            address=address,
        )
        return self_view(record, list((register.mapping or {}).get("items", [])))


def self_view(record: dict[str, Any], universe: list[str]) -> SelfView:
    items = [str(i) for i in record.get("items", [])]
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
        not_leaked=[item_label(i) for i in universe if i not in items],
        period=str(record.get("period", "")),
        payment=str(record.get("payment", "")),
        card=card,
        what_to_do=messages.WHAT_TO_DO,
    )
