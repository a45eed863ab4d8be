"""Operator look-up, reveal, export: masked by default, every access audited with its reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from breachdesk.auth import service as auth
from breachdesk.auth.service import AuditRow
from breachdesk.db import Database
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.register import service
from breachdesk.register.blind import mask, normalise
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import HEADER as HEADER_ROW
from breachdesk.register.sample import Person


def audit(db: Database, action: str) -> list[AuditRow]:
    return auth.list_audit(db, action=action)[0]


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("mail", "taro@example.jp", "t***@example.jp"),
        ("phone", "090-1234-5678", "090-****-5678"),
        ("phone", "03-1234-5678", "031-****-5678"),
        ("name", "山田 太郎", "山***"),
        ("customer", "C0001234", "******34"),
        ("card_last4", "1234", "1234"),
    ],
)
def test_values_are_masked_for_the_operator(kind: str, value: str, masked: str) -> None:
    assert mask(kind, value) == masked


@pytest.mark.parametrize(
    ("kind", "value", "normal"),
    [
        ("mail", " Taro@Example.JP ", "taro@example.jp"),
        ("mail", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),
        ("phone", "０９０（１２３４）５６７８", "09012345678"),
        ("phone", "+81 90-1234-5678", "09012345678"),
        ("customer", " c 0001 ", "C0001"),
        ("birth", "1980年1月2日", "1980-01-02"),
        ("birth", "19800102", "1980-01-02"),
        ("birth", "1980-02-30", ""),
        ("postal", "〒123-4567", "1234567"),
    ],
)
def test_values_are_normalised_before_indexing(kind: str, value: str, normal: str) -> None:
    assert normalise(kind, value) == normal


def test_lookup_needs_a_reason_and_audits_the_person_found(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    import_register(db, keyring, shop, crowd_csv)
    who = crowd[4]
    with pytest.raises(InvalidInputError, match="reason"):
        service.lookup(db, keyring, shop, "mail", who.mail, reason="  ", actor="ola")
    [found] = service.lookup(
        db, keyring, shop, "mail", who.mail, reason="電話 本人確認", actor="ola"
    )
    assert who.mail not in str(found.as_json()) and who.name not in str(found.as_json())
    [row] = audit(db, "register.lookup")
    assert (row.actor, row.target, row.detail["reason"]) == (
        "ola",
        service.person_target(shop, found.id),
        "電話 本人確認",
    )
    assert who.mail not in str(row.detail)


def test_reveal_shows_one_value_and_writes_a_second_audit_row(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    import_register(db, keyring, shop, crowd_csv)
    who = crowd[8]
    [found] = service.lookup(db, keyring, shop, "phone", who.phone, reason="callback", actor="ola")
    shown = service.reveal(db, keyring, shop, found.id, "mail", reason="送付先確認", actor="ola")
    assert shown.value == who.mail and shown.person == found
    [row] = audit(db, "register.reveal")
    assert row.detail == {"field": "mail", "reason": "送付先確認"}
    assert row.target == service.person_target(shop, found.id)
    with pytest.raises(NotFoundError):
        service.reveal(db, keyring, shop, 10_000, "mail", reason="x", actor="ola")
    with pytest.raises(InvalidInputError):
        service.reveal(db, keyring, shop, found.id, "items", reason="x", actor="ola")


def test_the_export_is_masked_names_who_asked_and_is_audited(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    import_register(db, keyring, shop, crowd_csv)
    data = service.export(
        db, keyring, shop, actor="ada", requested_by="カード会社 調査担当", reason="照合"
    )
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert "ada" in rows[0][0] and "カード会社 調査担当" in rows[0][0]
    assert len(rows) == 2 + len(crowd)
    for p in crowd:
        assert p.mail not in text and p.name not in text and p.phone not in text
    [row] = audit(db, "register.export")
    assert row.detail["requested_by"] == "カード会社 調査担当" and row.detail["rows"] == 60
    with pytest.raises(InvalidInputError):
        service.export(db, keyring, shop, actor="ada", requested_by=" ", reason="照合")


def test_an_incident_without_a_register_is_not_found(
    db: Database, shop: str, keyring: Keyring
) -> None:
    with pytest.raises(NotFoundError, match="affected register"):
        service.stats(db, keyring, shop)
    with pytest.raises(NotFoundError, match="incident"):
        service.stats(db, keyring, "nowhere")


def test_the_export_cannot_carry_a_formula_into_a_spreadsheet(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path
) -> None:
    # The organisation's own list is the input: a vendor's "=HYPERLINK(…)" in a payment or
    # period column, or a name starting with "@", reached Excel as a live formula.
    rows = [
        ",".join(HEADER_ROW),
        "C0001,=cmd|' /C calc'!A0,ヤマダ,=x@example.jp,090-1234-5678,123-4567,1980-01-02,"
        '"=HYPERLINK(""http://evil.example"",""click"")",+VISA,1234,2024年4月,氏名',
        "-C0002,@山田,ヤマダ,taro@example.jp,090-1234-0000,123-4567,1980-01-02,"
        "クレジットカード,VISA,5678,2024年4月,氏名",
    ]
    path = tmp_path / "formulas.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    import_register(db, keyring, shop, path)
    data = service.export(db, keyring, shop, actor="ada", requested_by="監査", reason="照合")
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    assert any("HYPERLINK" in c for c in cells)
    for cell in cells:
        assert cell == "" or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
