"""Leaked items as the organisation's list names them, read into the knowledge base's keys.

A cell such as ``氏名・住所・カード番号`` or ``メールアドレス/電話番号`` is read with the same
vocabulary the notices are read with (`kb.facts.ITEM_VOCABULARY`), so ``セキュリティ・コード``
stays one item; a whole part that is another common name of an item (``メアド``, ``CVV``,
``裏の3桁``: `kb.facts.canonical_item`) is that item.

Nothing else is kept. A cell is the organisation's free text, and a remark or a copied contact
(another person's mail or phone) in it would be stored in clear, counted, exported and shown to
other people as one of 「対象ではなかった情報」. So a part the vocabulary does not know is an
`UnknownItemError` that says which part of the cell it is — never its text — unless an editor
maps it (`item_mapping`, ``--item 購入履歴=-``): to an item of the vocabulary, or to ``-``, "not
an item" (dropped). A mapping is kept only as keyed hashes of its labels (`item_label_hash`),
never as text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import lru_cache

from breachdesk.errors import InvalidInputError
from breachdesk.kb.facts import ITEM_VOCABULARY, canonical_item

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
"""The register's item vocabulary: the knowledge base's item keys and their Japanese names."""

NOT_AN_ITEM = "-"
"""The mapping target that drops a label: it names no leaked item."""

_VOCABULARY = re.compile("|".join(f"(?P<{key}>{pattern})" for key, pattern in ITEM_VOCABULARY))
_SEPARATORS = re.compile(r"[、,，/／;；・\s]+")
_CONNECTORS = frozenset(
    ("及び", "および", "並びに", "ならびに", "又は", "または", "と", "や", "等", "など")
)
"""Words between items (氏名及び住所, 住所など) that name nothing themselves."""


class UnknownItemError(ValueError):
    """A part of a 漏えい項目 cell that the vocabulary does not know; `position` is which part
    (1-based). The message never holds the part's text: it may be someone's contact."""

    def __init__(self, position: int) -> None:
        self.position = position
        super().__init__(
            f"{position}番目の項目が漏えい項目の語彙にありません（値は表示しません。"
            f"--item 項目名=項目 で語彙の項目に対応づけるか、- で除いてください）"
        )


def normalise_label(text: str) -> str:
    """A label as mappings compare it: NFKC, lower case, no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def item_key(text: str) -> str | None:
    """The vocabulary key a term names: a key itself, a Japanese name (`ITEM_LABELS`), the
    vocabulary's own term, or another common name (`canonical_item`); else None."""
    term = unicodedata.normalize("NFKC", text).strip()
    if term in ITEM_LABELS:
        return term
    for key, label in ITEM_LABELS.items():
        if normalise_label(label) == normalise_label(term):
            return key
    whole = _VOCABULARY.fullmatch(term)
    if whole is not None and whole.lastgroup:
        return whole.lastgroup
    return canonical_item(term)


def item_mapping(pairs: list[str]) -> dict[str, str]:
    """`ラベル=項目` pairs (an editor's mapping of labels the vocabulary does not know), checked:
    the target is an item key, its Japanese name or another name of it, or ``-``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        label, sep, target = pair.partition("=")
        key = NOT_AN_ITEM if target.strip() == NOT_AN_ITEM else item_key(target)
        if not sep or not normalise_label(label) or key is None:
            names = "、".join(ITEM_LABELS.values())
            raise InvalidInputError(
                f"漏えい項目の対応は 項目名=項目 の形で、項目は {names} のいずれか"
                f"（または除く場合は -）にしてください",
                where="item",
            )
        mapping[normalise_label(label)] = key
    return mapping


LabelHash = Callable[[str], str]
"""A keyed hash of a normalised label (`item_label_hash`): how a saved mapping is looked up."""


def parse_items(
    cell: str,
    mapping: Mapping[str, str] | None = None,
    label_hash: LabelHash | None = None,
) -> list[str]:
    """The item keys a cell names, in order, without repeats.

    `mapping` maps normalised labels (`item_mapping`), or their keyed hashes when `label_hash`
    is given, to a key or ``-``. Raises `UnknownItemError` for a part nobody maps."""
    found, unknown = _parse_items(cell)
    keys = list(found)
    for position, fragment in unknown:
        label = normalise_label(fragment)
        target = (mapping or {}).get(label_hash(label) if label_hash else label)
        if target is None:
            raise UnknownItemError(position)
        if target != NOT_AN_ITEM:
            keys.append(target)
    return list(dict.fromkeys(keys))


@lru_cache(maxsize=4096)  # a list has a handful of distinct item cells, repeated on every row
def _parse_items(cell: str) -> tuple[tuple[str, ...], tuple[tuple[int, str], ...]]:
    """The keys a cell names and, apart, the parts no term explains (with their position)."""
    text = unicodedata.normalize("NFKC", cell).strip()
    parts: list[tuple[int, str, str | None]] = []  # (offset, text, key)
    position = 0
    for match in _VOCABULARY.finditer(text):
        _fragments(text[position : match.start()], position, parts)
        parts.append((match.start(), match.group(), match.lastgroup))
        position = match.end()
    _fragments(text[position:], position, parts)
    found: list[str] = []
    unknown: list[tuple[int, str]] = []
    for number, (_, fragment, key) in enumerate(sorted(parts), start=1):
        key = key or canonical_item(fragment)
        if key:
            found.append(key)
        else:
            unknown.append((number, fragment))
    return tuple(found), tuple(unknown)


def _fragments(text: str, offset: int, parts: list[tuple[int, str, str | None]]) -> None:
    position = 0
    for piece in _SEPARATORS.split(text):
        at = text.find(piece, position) if piece else -1
        if piece and piece not in _CONNECTORS:
            parts.append((offset + at, piece, None))
            position = at + len(piece)


def item_label(key: str) -> str:
    return ITEM_LABELS.get(key, key)
