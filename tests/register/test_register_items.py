"""Leaked items come from the vocabulary, never as written: a 漏えい項目 cell holding another
person's mail (a remark, a copied contact) was stored in clear, counted, exported and shown to
other people under 「対象ではなかった情報」. The other free-text columns that reach an export
(payment method, card brand, period) are checked the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from register_support import publish
from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import Register, RegisterPerson
from breachdesk.register import service
from breachdesk.register.columns import is_period, parse_mapping
from breachdesk.register.importer import RegisterFormatError, import_register
from breachdesk.register.items import UnknownItemError, item_mapping, parse_items
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import HEADER, Person, people, write_csv
from breachdesk.register.selfcheck import published_items, self_view

OTHER_MAIL = "someone.else@example.net"
OTHER_PHONE = "080-9999-1111"


def with_items(crowd: list[Person], line_items: dict[int, str]) -> bytes:
    """The crowd's list with the 漏えい項目 of some rows (0-based) replaced."""
    rows = [
        Person(**{**p.__dict__, "items": line_items.get(i, p.items)}) for i, p in enumerate(crowd)
    ]
    return write_csv(rows)


def stored(db: Database) -> str:
    """Every clear column the register keeps: item lists, saved mappings."""
    with db.read() as s:
        items = [str(i) for i in s.scalars(select(RegisterPerson.items))]
        mappings = [str(m) for m in s.scalars(select(Register.mapping))]
    return "\n".join(items + mappings)


def test_cells_are_read_into_vocabulary_keys_and_other_names_of_items() -> None:
    assert parse_items("氏名・住所・カード番号") == ["name", "address", "card_number"]
    assert parse_items("メールアドレス/電話番号") == ["email", "phone"]
    assert parse_items("セキュリティ・コード") == ["security_code"]
    assert parse_items("氏名及び住所など") == ["name", "address"]
    assert parse_items("メアド、CVV") == ["email", "security_code"]


@pytest.mark.parametrize(
    ("cell", "position"),
    [
        (f"氏名・{OTHER_MAIL}", 2),
        (f"{OTHER_PHONE} 氏名", 1),
        ("氏名・購入履歴・住所", 2),
        ("備考：家族の分もまとめて", 1),
    ],
)
def test_a_part_the_vocabulary_does_not_know_is_refused_by_position_never_by_value(
    cell: str, position: int
) -> None:
    with pytest.raises(UnknownItemError) as caught:
        parse_items(cell)
    assert caught.value.position == position
    for part in cell.replace("・", " ").split():
        assert part not in str(caught.value)


def test_an_editor_maps_unknown_labels_to_an_item_or_drops_them() -> None:
    mapping = item_mapping(["購入履歴=-", "ご登録のカード=クレジットカード情報", "ID等=user_id"])
    assert parse_items("氏名・購入履歴・ご登録のカード", mapping) == ["name", "card_info"]
    assert parse_items("ID等", mapping) == ["user_id"]
    with pytest.raises(Exception, match="項目"):
        item_mapping(["購入履歴=購入の履歴"])  # the target must be an item of the vocabulary


def test_a_cell_with_another_persons_contact_is_refused_and_nothing_is_stored(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, crowd: list[Person]
) -> None:
    path = tmp_path / "remarks.csv"
    path.write_bytes(with_items(crowd, {4: f"氏名・{OTHER_MAIL}", 9: f"{OTHER_PHONE}"}))
    with pytest.raises(RegisterFormatError) as caught:
        import_register(db, keyring, shop, path)
    assert [line for line, _ in caught.value.problems] == [6, 11]
    assert caught.value.problems[0][1].startswith("漏えい項目の列（12列目）：2番目の項目")
    message = str(caught.value)
    assert OTHER_MAIL not in message and "9999" not in message
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(RegisterPerson)) == 0


def test_mapped_labels_are_saved_as_keyed_hashes_and_used_by_the_next_import(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, crowd: list[Person]
) -> None:
    path = tmp_path / "remarks.csv"
    path.write_bytes(with_items(crowd, {4: f"氏名・{OTHER_MAIL}", 7: "購入履歴・電話番号"}))
    mapping = item_mapping([f"{OTHER_MAIL}=-", "購入履歴=-"])
    result = import_register(db, keyring, shop, path, items=mapping)
    assert result.added == len(crowd)
    text = stored(db)
    assert OTHER_MAIL not in text and "購入履歴" not in text and "someone" not in text
    assert import_register(db, keyring, shop, path).unchanged == len(crowd)  # mapping saved
    stats = service.stats(db, keyring, shop)
    assert set(stats.per_item) <= {
        "name",
        "address",
        "phone",
        "email",
        "card_number",
        "expiry",
        "security_code",
    }
    export = service.export(db, keyring, shop, actor="ada", requested_by="監査", reason="照合")
    assert OTHER_MAIL not in export.decode("utf-8-sig")
    [found] = service.lookup(
        db, keyring, shop, "customer", crowd[7].customer, reason="x", actor="t"
    )
    assert found.items == ["phone"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment", f"代引（{OTHER_PHONE}へ連絡）"),
        ("payment", f"ご家族 {OTHER_MAIL}"),
        ("card_brand", "VISA 4111 1111 1111 1111"),
        ("payment", "クレジットカード" * 10),
        ("period", f"2024-04-01〜 {OTHER_MAIL}"),
        ("period", "ご注文時にお伝えした期間"),
    ],
)
def test_free_text_that_reaches_the_export_is_refused_when_it_holds_a_contact_or_is_not_dates(
    db: Database,
    shop: str,
    keyring: Keyring,
    tmp_path: Path,
    crowd: list[Person],
    field: str,
    value: str,
) -> None:
    rows = list(crowd[:5])
    rows[2] = Person(**{**rows[2].__dict__, field: value})
    path = tmp_path / "free.csv"
    path.write_bytes(write_csv(rows))
    with pytest.raises(RegisterFormatError) as caught:
        import_register(db, keyring, shop, path)
    [(line, why)] = caught.value.problems
    column = HEADER.index(
        {"payment": "決済方法", "card_brand": "カードブランド"}.get(field, "対象期間")
    )
    assert line == 4 and f"（{column + 1}列目）" in why
    assert value not in str(caught.value) and "9999" not in str(caught.value)


@pytest.mark.parametrize(
    "period",
    [
        "2024-04-01〜2024-09-30",
        "2024年4月1日から2024年9月30日まで",
        "2024/4/1～2024/9/30",
        "2024年4月",
        "2026-03-14 のご注文",
        "2024年4月ご利用分",
    ],
)
def test_periods_written_as_dates_are_accepted(period: str) -> None:
    assert is_period(period)


def test_the_not_leaked_list_is_the_incidents_published_items_never_other_peoples_rows(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path
) -> None:
    crowd = list(people(20, seed=3))
    path = tmp_path / "list.csv"
    path.write_bytes(write_csv(crowd))
    import_register(db, keyring, shop, path)
    published = publish(db, shop)
    with db.read() as s:
        register = s.scalars(select(Register)).one()
        assert published_items(s, register) == published
    mine = {"items": ["name", "email"]}
    view = self_view(mine, published)
    assert view.leaked == ["氏名", "メールアドレス"]
    assert view.not_leaked == ["住所", "電話番号", "カード番号", "有効期限", "セキュリティコード"]
    card = self_view({"items": ["card_info"]}, ["name", "card_number", "expiry"])
    assert card.not_leaked == ["氏名"]  # card data as a whole covers its details


def test_a_mapping_names_columns_by_their_japanese_names_too(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, crowd: list[Person]
) -> None:
    assert parse_mapping(["会員コード=顧客番号", "連絡先=メール", "E=email"]) == {
        "会員コード": "customer",
        "連絡先": "mail",
        "E": "mail",
    }
    text = "会員コード,連絡先\r\n" + "".join(f"{p.customer},{p.mail}\r\n" for p in crowd[:3])
    path = tmp_path / "mapped.csv"
    path.write_text(text, encoding="utf-8")
    result = import_register(
        db, keyring, shop, path, mapping=parse_mapping(["会員コード=顧客番号", "連絡先=メール"])
    )
    assert (result.added, result.key) == (3, "customer")
