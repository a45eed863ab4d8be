"""Leaked items as the organisation's list names them, read into the knowledge base's keys.

A cell such as ``氏名・住所・カード番号`` or ``メールアドレス/電話番号`` is read with the same
vocabulary the notices are read with (`kb.facts.ITEM_VOCABULARY`), so ``セキュリティ・コード``
stays one item. What the vocabulary does not know is kept as written (``購入履歴``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from breachdesk.kb.facts import ITEM_VOCABULARY

ITEM_LABELS: dict[str, str] = {
    "name": "氏名",
    "address": "住所",
    "phone": "電話番号",
    "email": "メールアドレス",
    "birth_date": "生年月日",
    "gender": "性別",
    "age": "年齢",
    "user_id": "ログインID",
    "password": "パスワード",
    "card_info": "クレジットカード情報",
    "card_number": "カード番号",
    "cardholder_name": "カード名義人名",
    "expiry": "有効期限",
    "security_code": "セキュリティコード",
    "my_number": "マイナンバー",
    "bank_account": "口座情報",
}
_VOCABULARY = re.compile("|".join(f"(?P<{key}>{pattern})" for key, pattern in ITEM_VOCABULARY))
_SEPARATORS = re.compile(r"[、,，/／;；・\s]+")


def parse_items(cell: str) -> list[str]:
    """The items a cell names, in order, without repeats: vocabulary keys, else the text."""
    return list(_parse_items(cell))


@lru_cache(maxsize=4096)  # a list has a handful of distinct item cells, repeated on every row
def _parse_items(cell: str) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKC", cell).strip()
    found: list[str] = []
    rest: list[str] = []
    position = 0
    for match in _VOCABULARY.finditer(text):
        rest.append(text[position : match.start()])
        position = match.end()
        key = match.lastgroup
        if key:
            found.append(key)
    rest.append(text[position:])
    for fragment in rest:
        found.extend(p for p in _SEPARATORS.split(fragment) if p)
    return tuple(dict.fromkeys(found))


def item_label(key: str) -> str:
    return ITEM_LABELS.get(key, key)
