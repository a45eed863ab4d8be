"""The reason an operator gives for a register lookup is audited redacted: it is free text, and
"called from 090-8765-4321" would put the caller's number in the audit log."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent
from breachdesk.register import service
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person


def test_the_lookup_reason_is_audited_without_the_callers_number_or_mail(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    import_register(db, keyring, shop, crowd_csv)
    reason = "本人確認済み。090.8765.4321 から入電、ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ へ折り返し"
    service.lookup(db, keyring, shop, "customer", crowd[0].customer, reason=reason, actor="ola")
    with db.read() as s:
        details = [str(e.detail) for e in s.scalars(select(AuditEvent))]
    assert any("本人確認済み" in d for d in details)
    assert not any("8765" in d or "ｈａｎａｋｏ" in d or "hanako" in d for d in details)
