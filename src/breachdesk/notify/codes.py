"""Compensation codes: sealed with the register's data key, found by a blind index, assigned
one per person.

A code (a QUO カード Pay code, or its gift URL) is personal data once it is someone's: it is
stored only encrypted with the incident's register data key, bound to its register and its blind
index, and never reaches a log or an error message. `code_ix` finds a code again (a vendor's
redemption report) without decrypting the stock.

Assigning is a claim on a shared stock. Two plans at once must never hand one code to two
people, so the claim is one ``UPDATE … WHERE id IN (SELECT free … LIMIT n) AND assigned_at IS
NULL RETURNING id`` per batch: a code another transaction claimed first fails the repeated
condition and is not returned (PostgreSQL re-checks the row after the other commits; SQLite holds
its write lock for the statement). Assignments of one incident are also serialised for the
transaction (`db.locks.hold`), so that a person two
plans list at once still ends with one code, not two.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from breachdesk.db.locks import hold
from breachdesk.db.tables import RemediationCode
from breachdesk.errors import InvalidInputError
from breachdesk.register.crypto import DataKey

BATCH = 1000
"""People per claim statement (and per look-up): far under both stores' parameter limits."""
_CODES = cast(Table, RemediationCode.__table__)
_LOCK_KIND = 0x62640A  # "bd" + 10: the code assignments of an incident (db.locks.hold)


def normalise_code(code: str) -> str:
    """The code as it is indexed and stored: NFKC (full-width letters and digits folded), without
    surrounding blanks."""
    return unicodedata.normalize("NFKC", code).strip()


def code_ix(key: DataKey, code: str) -> bytes:
    """The blind index of a code (its normalised form)."""
    return key.blind("code", normalise_code(code))


def _context(register_id: int, ix: bytes) -> bytes:
    return b"breachdesk code %d " % register_id + ix


def seal_code(key: DataKey, register_id: int, ix: bytes, code: str) -> bytes:
    """The code encrypted with the register's data key, bound to its register and index."""
    return key.encrypt(code.encode(), _context(register_id, ix))


def open_code(key: DataKey, register_id: int, ix: bytes, sealed: bytes) -> str:
    """The code sealed by `seal_code` (KeyUnavailableError if it was moved or damaged)."""
    return key.decrypt(sealed, _context(register_id, ix)).decode()


def _batches(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield list(ids[start : start + BATCH])


def lock_incident_codes(s: Session, incident_id: int) -> None:
    """Serialise the code assignments of one incident until the transaction ends
    (`db.locks.hold`), so what follows reads what every earlier assignment committed."""
    hold(s, _LOCK_KIND, incident_id, table=_CODES)


def _holders(s: Session, incident_id: int, person_ids: Sequence[int]) -> set[int]:
    held: set[int] = set()
    for batch in _batches(person_ids):
        held.update(
            s.scalars(
                select(RemediationCode.person_id).where(
                    RemediationCode.incident_id == incident_id,
                    RemediationCode.person_id.in_(batch),
                )
            )
        )
    return held


def free_count(s: Session, incident_id: int) -> int:
    """How many loaded codes of the incident nobody holds yet."""
    return int(
        s.scalar(
            select(func.count())
            .select_from(RemediationCode)
            .where(
                RemediationCode.incident_id == incident_id, RemediationCode.assigned_at.is_(None)
            )
        )
        or 0
    )


def _claim(
    s: Session, incident_id: int, n: int, campaign_id: int | None, now: datetime
) -> list[int]:
    """Claim up to `n` free codes in one statement; the ids this transaction now holds."""
    free = (
        select(_CODES.c.id)
        .where(_CODES.c.incident_id == incident_id, _CODES.c.assigned_at.is_(None))
        .order_by(_CODES.c.id)
        .limit(n)
    )
    statement = (
        update(_CODES)
        .where(_CODES.c.id.in_(free.scalar_subquery()), _CODES.c.assigned_at.is_(None))
        .values(assigned_at=now, campaign_id=campaign_id)
        .returning(_CODES.c.id)
    )
    return sorted(s.execute(statement).scalars())


def assign_codes(
    s: Session,
    incident_id: int,
    person_ids: Sequence[int],
    campaign_id: int | None,
    now: datetime,
) -> int:
    """Give each listed person without a code one free code of the incident (a person who has
    one keeps it); how many were assigned.

    InvalidInputError (in Japanese, with how many codes are missing) when the free codes do not
    cover them; the caller's transaction then rolls back, and nothing is assigned."""
    lock_incident_codes(s, incident_id)
    held = _holders(s, incident_id, person_ids)
    needing = sorted({p for p in person_ids if p not in held})
    if not needing:
        return 0
    free = free_count(s, incident_id)
    if free < len(needing):
        raise InvalidInputError(
            f"補償コードが {len(needing) - free} 件足りません（必要 {len(needing)} 件、"
            f"未割当 {free} 件）。コードを追加で読み込んでから、もう一度計画してください"
        )
    assigned = 0
    for batch in _batches(needing):
        codes: list[int] = []
        while len(codes) < len(batch):
            claimed = _claim(s, incident_id, len(batch) - len(codes), campaign_id, now)
            if not claimed:
                raise InvalidInputError(
                    f"補償コードが {len(needing) - assigned - len(codes)} 件足りません"
                    "（ほかの計画が同時にコードを割り当てました）。もう一度計画してください"
                )
            codes.extend(claimed)
        # The claimed codes are this transaction's alone: each gets its person by primary key.
        s.connection().execute(
            update(_CODES)
            .where(_CODES.c.id == bindparam("code_id"))
            .values(person_id=bindparam("person")),
            [{"code_id": c, "person": p} for c, p in zip(codes, batch, strict=True)],
        )
        assigned += len(batch)
    return assigned


def codes_of(
    s: Session, key: DataKey, register_id: int, incident_id: int, person_ids: Sequence[int]
) -> dict[int, str]:
    """The code of each listed person who holds one, decrypted: person id → code."""
    found: dict[int, str] = {}
    for batch in _batches(list(person_ids)):
        rows = s.execute(
            select(RemediationCode.person_id, RemediationCode.code_ix, RemediationCode.code).where(
                RemediationCode.incident_id == incident_id,
                RemediationCode.person_id.in_(batch),
            )
        )
        for person_id, ix, sealed in rows:
            if person_id is not None:
                found[person_id] = open_code(key, register_id, ix, sealed)
    return found
