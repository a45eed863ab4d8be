"""Free text the register stores is redacted like every other free text: the reason an operator
gives for a look-up ("called from 090-8765-4321" would put the caller's number in the audit
log), who asked for an export, and the name of an imported file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent, RegisterImport
from breachdesk.register import service
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person

PERSONAL = ("8765", "4321", "hanako", "ｈａｎａｋｏ", "4111")


def stored_text(db: Database) -> str:
    with db.read() as s:
        audit = [f"{e.target} {e.detail}" for e in s.scalars(select(AuditEvent))]
        files = list(s.scalars(select(RegisterImport.file_name)))
    return "\n".join(audit + files)


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


def test_who_asked_for_an_export_is_written_and_audited_redacted(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path
) -> None:
    import_register(db, keyring, shop, crowd_csv)
    asked = "カード会社 佐藤様 090-8765-4321 hanako@example.jp 4111 1111 1111 1111"
    data = service.export(db, keyring, shop, actor="ada", requested_by=asked, reason="照合")
    first_line = data.decode("utf-8-sig").splitlines()[0]
    assert "佐藤様" in first_line and "[電話番号]" in first_line
    for value in PERSONAL:
        assert value not in first_line, value
        assert value not in stored_text(db), value


def test_an_imported_files_name_is_kept_and_audited_redacted(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, tmp_path: Path
) -> None:
    named = tmp_path / "hanako@example.jp_090-8765-4321_list.csv"
    named.write_bytes(crowd_csv.read_bytes())
    result = import_register(db, keyring, shop, named)
    assert result.file_name.endswith("_list.csv") and "[メールアドレス]" in result.file_name
    text = stored_text(db)
    assert "_list.csv" in text
    for value in PERSONAL:
        assert value not in result.file_name and value not in text, value
