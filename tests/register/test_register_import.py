"""Importing affected lists: headers, --map, CP932/XLSX, bad rows, re-import by key, progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent, RegisterPerson, RegisterPersonVersion
from breachdesk.errors import DocumentFormatError, InvalidInputError
from breachdesk.register import service
from breachdesk.register.columns import parse_mapping
from breachdesk.register.importer import Progress, RegisterFormatError, import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import HEADER, Person, people, write_csv

SLUG = "shop"


def count(db: Database, table: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_a_list_imports_with_its_japanese_headers_and_finds_people_by_each_identifier(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    result = import_register(db, keyring, shop, crowd_csv)
    assert (result.rows, result.added, result.updated, result.unchanged) == (60, 60, 0, 0)
    assert result.key == "customer"
    who = crowd[17]
    for kind, value in (
        ("mail", who.mail.upper()),
        ("phone", "＋81 " + who.phone[1:]),
        ("customer", " " + who.customer.lower() + " "),
    ):
        found = service.lookup(db, keyring, shop, kind, value, reason="本人確認済み", actor="t")
        assert [p.masked["customer"][-2:] for p in found] == [who.customer[-2:]], kind
    assert (
        service.lookup(db, keyring, shop, "mail", "nobody@example.jp", reason="x", actor="t") == []
    )


def test_a_reimport_updates_people_by_key_and_keeps_their_history(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, crowd: list[Person]
) -> None:
    first = tmp_path / "v1.csv"
    first.write_bytes(write_csv(crowd))
    import_register(db, keyring, shop, first)
    changed = list(crowd)
    changed[3] = Person(**{**changed[3].__dict__, "items": "氏名・セキュリティコード"})
    extra = next(people(1, seed=99, start=10_000))
    second = tmp_path / "v2.csv"
    second.write_bytes(write_csv([*changed, extra]))
    result = import_register(db, keyring, shop, second)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 59)
    assert count(db, RegisterPerson) == 61
    assert count(db, RegisterPersonVersion) == 1
    [now] = service.lookup(db, keyring, shop, "customer", crowd[3].customer, reason="x", actor="t")
    assert (now.items, now.version) == (["name", "security_code"], 2)


def test_one_bad_row_means_nothing_is_written_and_every_bad_row_is_named(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, crowd: list[Person]
) -> None:
    rows = list(crowd[:10])
    rows[2] = Person(**{**rows[2].__dict__, "mail": "not-a-mail"})
    rows[6] = Person(**{**rows[6].__dict__, "birth": "1990-13-45"})
    rows[8] = rows[1]
    path = tmp_path / "bad.csv"
    path.write_bytes(write_csv(rows))
    with pytest.raises(RegisterFormatError) as caught:
        import_register(db, keyring, shop, path)
    assert [line for line, _ in caught.value.problems] == [4, 8, 10]
    assert caught.value.problems[0][1].startswith("メールアドレスの列（4列目）")
    assert "3行目と同じ方" in caught.value.problems[2][1]
    assert "not-a-mail" not in str(caught.value)  # the value may be personal; the column is named
    assert count(db, RegisterPerson) == 0


def test_cp932_csv_with_english_headers_and_a_map_for_an_unknown_column(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, crowd: list[Person]
) -> None:
    text = "会員コード,Name,E-mail,Phone,Leaked items\r\n" + "".join(
        f"{p.customer},{p.name},{p.mail},{p.phone},{p.items}\r\n" for p in crowd[:5]
    )
    path = tmp_path / "cp932.csv"
    path.write_bytes(text.encode("cp932"))
    result = import_register(
        db, keyring, shop, path, mapping=parse_mapping(["会員コード=customer"])
    )
    assert (result.added, result.key) == (5, "customer")
    # The mapping was saved with the register: the next import needs no --map.
    assert import_register(db, keyring, shop, path).unchanged == 5
    [p] = service.lookup(db, keyring, shop, "customer", crowd[2].customer, reason="x", actor="t")
    assert p.masked["name"].startswith(crowd[2].name[0])


def test_an_xlsx_list_keeps_the_leading_zeros_a_spreadsheet_drops(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["メールアドレス", "電話番号", "郵便番号", "漏えい項目"])
    sheet.append(["hanako@example.jp", 9012345678, 123456, "メールアドレス/電話番号"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    result = import_register(db, keyring, shop, path)
    assert (result.added, result.key) == (1, "mail")
    [p] = service.lookup(db, keyring, shop, "phone", "090-1234-5678", reason="x", actor="t")
    assert (p.masked["phone"], p.masked["postal"], p.items) == (
        "090-****-5678",
        "*****56",
        ["email", "phone"],
    )


def test_a_list_without_an_identifier_column_is_refused(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path
) -> None:
    path = tmp_path / "names.csv"
    path.write_text("氏名,漏えい項目\n山田,氏名\n", encoding="utf-8")
    with pytest.raises(DocumentFormatError, match="見分ける列がありません"):
        import_register(db, keyring, shop, path)
    with pytest.raises(InvalidInputError):
        parse_mapping(["氏名=nickname"])


def test_progress_reports_rows_rate_and_time_left(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path
) -> None:
    seen: list[Progress] = []
    import_register(db, keyring, shop, crowd_csv, progress=seen.append, progress_every=20)
    assert [p.rows for p in seen] == [20, 40, 60, 60]
    assert seen[0].total is not None and seen[0].total >= 60
    assert seen[0].remaining is not None and seen[-1].remaining == 0
    assert all(p.rate > 0 for p in seen)


def test_stats_count_people_per_item_and_the_import_is_audited(
    db: Database, shop: str, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    import_register(db, keyring, shop, crowd_csv, actor="alice")
    st = service.stats(db, keyring, shop)
    assert st.people == 60
    assert st.per_item["email"] == sum("メールアドレス" in p.items for p in crowd)
    with db.read() as s:
        [row] = s.scalars(select(AuditEvent).where(AuditEvent.action == "register.import"))
        assert (row.actor, row.detail["added"]) == ("alice", 60)


def test_the_header_list_of_the_sample_is_recognised_whole() -> None:
    from breachdesk.register.columns import columns_of

    assert len(columns_of(list(HEADER), {})) == len(HEADER)


def test_an_unclosed_quote_is_refused_with_its_line_and_nothing_is_imported(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path
) -> None:
    # Read leniently, the quote made lines 52–101 one cell: "51 rows", and 49 people missing.
    lines = write_csv(list(people(100, seed=4))).decode().split("\r\n")
    lines[51] = lines[51].replace(",", ',"', 1)  # line 52 of the file: a quote never closed
    path = tmp_path / "quote.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    with pytest.raises(DocumentFormatError) as caught:
        import_register(db, keyring, shop, path)
    assert caught.value.line == 52 and "閉じられていません" in caught.value.reason
    assert count(db, RegisterPerson) == 0
