"""The columns of an affected list: which field each holds, and each row's values checked.

Columns are recognised by their header (Japanese or English, `HEADERS`), or named with
`--map 列名=項目` (the field's key, its Japanese name or any header it is recognised by). Every
message names the column by its Japanese name and its position (``メールアドレスの列（4列目）``),
never a value: a value may be personal data.

Free text reaches other people only through what is checked here. The leaked items must come
from the vocabulary (`register.items`). Payment method, card brand and period are shown as
written to the person and in the (masked) export, so a cell holding a mail address, a phone or a
card number — a remark, a contact copied into the wrong column — is refused, and so is a period
that is not dates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal, get_args

from breachdesk.errors import InvalidInputError
from breachdesk.privacy.redact import CARD, MY_NUMBER, find_personal_data
from breachdesk.register.blind import IDENTIFIERS, MAIL, fold, normalise
from breachdesk.register.items import LabelHash, UnknownItemError, parse_items

# A person's fields that can be shown one at a time (the console's reveal names one of them).
ShownField = Literal[
    "customer",
    "name",
    "kana",
    "mail",
    "phone",
    "postal",
    "address",
    "birth",
    "payment",
    "card_brand",
    "card_last4",
    "period",
]
FIELDS: tuple[str, ...] = (*get_args(ShownField), "items")
FIELD_LABELS = {
    "customer": "顧客番号",
    "name": "氏名",
    "kana": "フリガナ",
    "mail": "メールアドレス",
    "phone": "電話番号",
    "postal": "郵便番号",
    "address": "住所",
    "birth": "生年月日",
    "payment": "決済方法",
    "card_brand": "カードブランド",
    "card_last4": "カード下4桁",
    "period": "対象期間",
    "items": "漏えい項目",
}
"""Each field's Japanese name: what operators read (forms, counts, errors, the export)."""

HEADERS: dict[str, tuple[str, ...]] = {
    "customer": (
        "顧客番号",
        "会員番号",
        "注文番号",
        "お客様番号",
        "顧客ID",
        "会員ID",
        "受注番号",
        "customer",
        "customer number",
        "customer id",
        "member id",
        "order number",
        "order id",
    ),
    "name": ("氏名", "お名前", "名前", "name", "full name"),
    "kana": ("フリガナ", "ふりがな", "カナ", "氏名カナ", "kana"),
    "mail": ("メールアドレス", "メール", "Eメール", "mail", "email", "e-mail", "email address"),
    "phone": ("電話番号", "携帯電話番号", "電話", "TEL", "phone", "telephone", "phone number"),
    "postal": ("郵便番号", "〒", "postal code", "postal", "zip", "zip code", "postcode"),
    "address": ("住所", "ご住所", "送付先住所", "所在地", "address", "postal address"),
    "birth": ("生年月日", "誕生日", "birth date", "birthdate", "date of birth", "birth"),
    "payment": ("決済方法", "支払方法", "お支払い方法", "支払い方法", "payment", "payment method"),
    "card_brand": ("カードブランド", "ブランド", "card brand", "brand"),
    "card_last4": ("カード下4桁", "カード番号下4桁", "下4桁", "card last4", "last4", "last four"),
    "period": ("対象期間", "期間", "注文日", "ご注文日", "利用日", "period", "order date", "dates"),
    "items": ("漏えい項目", "漏洩項目", "流出項目", "漏えいした項目", "leaked items", "items"),
}
MAX_ADDRESS = 200
"""A postal address is a line or two; a longer cell is not an address."""
MAX_SHORT_TEXT = 60
"""Payment method and card brand are a few words; a longer cell is someone's remark."""
_SHORT_TEXT = ("payment", "card_brand")
_DATE = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?|\s*月)?|\d{8}|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
)
_PERIOD_REST = re.compile(
    r"(?:[\s〜~\-ー–—―、,/()（）]|から|まで|頃|ごろ|以降|以前|及び|および|と"
    r"|の|ご?注文|ご?利用|ご?購入|分)*"
)
"""What a period cell may hold besides its dates: range words, and what the dates are of
(``2026-03-14 のご注文``, ``2024年4月ご利用分``)."""


def header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "").replace("_", "")


_KNOWN = {header_key(alias): field for field, aliases in HEADERS.items() for alias in aliases}
_KNOWN.update({header_key(label): field for field, label in FIELD_LABELS.items()})
_KNOWN.update({header_key(field): field for field in FIELDS})


def field_of(name: str) -> str | None:
    """The field a name means: its key, its Japanese name, or a header it is recognised by."""
    return _KNOWN.get(header_key(name))


def column_name(field: str, columns: Mapping[str, int] | None = None) -> str:
    """``メールアドレスの列（4列目）``: how a message names a column."""
    where = f"（{columns[field] + 1}列目）" if columns and field in columns else ""
    return f"{FIELD_LABELS.get(field, field)}の列{where}"


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`列名=項目` pairs as given on the command line or a form, checked: the item is a field's
    key (``customer``), its Japanese name (``顧客番号``) or a header it is recognised by."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, name = pair.partition("=")
        field = field_of(name)
        if not sep or not header.strip() or field is None:
            names = "、".join(FIELD_LABELS.values())
            raise InvalidInputError(
                f"列の対応は 列名=項目 の形で、項目は {names} のいずれかにしてください", where="map"
            )
        mapping[header.strip()] = field
    return mapping


def columns_of(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Which column holds which field: the mapping first, then recognised headers."""
    mapped = {header_key(k): v for k, v in mapping.items()}
    found: dict[str, int] = {}
    for i, text in enumerate(header):
        key = header_key(text)
        field = mapped.get(key) or _KNOWN.get(key)
        if field and field not in found:
            found[field] = i
    return found


def _numeric_repair(field: str, value: str) -> str:
    """Numbers that a spreadsheet stored as numbers lose their leading zeros; put them back."""
    if field == "phone" and value.isdigit() and len(value) in (9, 10) and value[0] != "0":
        return "0" + value
    if field == "postal" and value.isdigit() and len(value) < 7:
        return value.zfill(7)
    if field == "card_last4" and value.isdigit() and len(value) < 4:
        return value.zfill(4)
    return value


@lru_cache(maxsize=4096)  # a list has a handful of payment methods, brands and periods
def is_short_text(value: str) -> bool:
    """Whether a payment method or card brand is a few words with no contact or card number."""
    return len(value) <= MAX_SHORT_TEXT and "@" not in value and not find_personal_data(value)


@lru_cache(maxsize=4096)
def is_period(value: str) -> bool:
    """Whether a period cell is dates and range words only (2024-04-01〜2024-09-30, 2024年4月,
    2026-03-14 のご注文)."""
    text = unicodedata.normalize("NFKC", value)
    rest = _DATE.sub(" ", text)
    return rest != text and _PERIOD_REST.fullmatch(rest) is not None


def parse_row(
    cells: list[str],
    columns: Mapping[str, int],
    items: Mapping[str, str] | None = None,
    label_hash: LabelHash | None = None,
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """A row's record (field → value as written, trimmed), its leaked items (vocabulary keys,
    `items` mapping the labels an editor mapped, see `register.items.parse_items`), and its
    identifiers normalised (kind → value, for the key and the blind indexes; each is
    normalised once, here).

    Raises ValueError naming the column (never the value) when a value is malformed."""
    record: dict[str, str] = {}
    width = len(cells)
    for field, index in columns.items():
        if field == "items" or index >= width:
            continue
        value = fold(cells[index])
        if value:
            record[field] = _numeric_repair(field, value)
    identifiers: dict[str, str] = {}
    for kind in IDENTIFIERS:
        if kind in record and (normal := normalise(kind, record[kind])):
            identifiers[kind] = normal

    def bad(field: str, why: str) -> ValueError:
        return ValueError(f"{column_name(field, columns)}：{why}")

    if "mail" in record and not MAIL.fullmatch(record["mail"]):
        raise bad("mail", "メールアドレスの形ではありません")
    if "phone" in record and not 10 <= len(identifiers.get("phone", "")) <= 11:
        raise bad("phone", "10桁または11桁の電話番号ではありません")
    if "postal" in record and not normalise("postal", record["postal"]):
        raise bad("postal", "7桁の郵便番号ではありません")
    address = record.get("address", "")
    if address and (
        len(address) > MAX_ADDRESS
        or "@" in address
        or any(kind in (CARD, MY_NUMBER) for _, _, kind in find_personal_data(address))
    ):
        raise bad(
            "address",
            "住所ではない値（メールアドレス・カード番号など）か、長すぎる文があります（値は表示しません）",
        )
    if "birth" in record and not normalise("birth", record["birth"]):
        raise bad("birth", "日付ではありません（1980-01-02、1980/1/2、19800102、1980年1月2日）")
    last4 = record.get("card_last4", "")
    if last4 and not (len(last4) == 4 and last4.isdigit()):
        raise bad("card_last4", "4桁の数字ではありません")
    for field in _SHORT_TEXT:
        value = record.get(field, "")
        if value and not is_short_text(value):
            raise bad(
                field,
                "連絡先やカード番号のような値、または長すぎる文があります（値は表示しません）",
            )
    if "period" in record and not is_period(record["period"]):
        raise bad("period", "日付と「〜」などだけで書いてください（例 2024-04-01〜2024-09-30）")
    items_index = columns.get("items")
    items_cell = cells[items_index] if items_index is not None and items_index < width else ""
    try:
        leaked = parse_items(items_cell, items, label_hash)
    except UnknownItemError as exc:
        raise bad("items", str(exc)) from None
    return record, leaked, identifiers
