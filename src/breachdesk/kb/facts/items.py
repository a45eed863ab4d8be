"""Leaked data items named in a text, each judged leaked, denied or merely asked about.

Two vocabularies, one set of keys. `ITEM_VOCABULARY` is what publishers write (カード番号,
セキュリティコード, 有効期限 …) and is spotted in running text. `ITEM_SYNONYMS` is what anyone may
call an item (CVV, 裏の3桁, メアド, PW, 期限 …); `canonical_item` maps one such term to its key, so
a question's 「裏の3桁」 and a notice's 「セキュリティコード」 meet on ``security_code``.

The keys are the ones already stored in every entry's facts: ``card_number``, ``expiry``,
``security_code``, ``cardholder_name``, ``card_info`` (card data as a whole), ``name``,
``address``, ``phone``, ``email``, ``birth_date``, ``gender``, ``age``, ``password``,
``user_id`` (login id), ``bank_account`` and ``my_number``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from .text import SENTENCE_END, PlainRecord

ITEM_VOCABULARY: tuple[tuple[str, str], ...] = (
    # (canonical key, pattern); earlier alternatives win where two start at the same place.
    ("cardholder_name", r"(?:クレジット)?カード(?:の)?名義(?:人)?(?:名)?|カード会員名"),
    ("card_number", r"(?:クレジット)?カード(?:の)?番号"),
    ("expiry", r"(?:クレジット)?(?:カード(?:の)?)?有効期限"),
    ("security_code", r"セキュリティ[ー・]?コード|CVV2?|CVC2?"),
    ("card_info", r"(?:クレジット)?カード情報"),
    ("my_number", r"マイナンバー|個人番号"),
    ("bank_account", r"(?:銀行)?口座(?:情報|番号)|銀行口座"),
    ("email", r"(?:E|e|電子)?メールアドレス|mail[ ]?address"),
    ("phone", r"携帯電話番号|携帯番号|電話番号|TEL番号"),
    ("password", r"(?:初回)?(?:ログイン(?:用の?)?)?パスワード"),
    ("user_id", r"(?:ログイン|ユーザー?|会員)ID|(?<![A-Za-z])ID(?![A-Za-z])"),
    ("birth_date", r"生年月日|誕生日"),
    ("address", r"住所"),
    ("name", r"氏名|お名前|名前"),
    ("gender", r"性別"),
    ("age", r"年齢"),
)
"""Leaked-item terms and their canonical keys. ``有効期限`` counts only in a sentence that
mentions a card or security code (a point balance also has an expiry)."""

ITEM_SYNONYMS: tuple[tuple[str, str], ...] = (
    # (key, pattern over the folded term: NFKC, lower case, no spaces, ・ or -); whole terms.
    (
        "security_code",
        r"セキュリティー?コード|セキュリティー?番号|せきゅりてぃー?こーど|cvv2?|cvc2?|cid|cav2"
        r"|(?:カード)?裏(?:面)?の?(?:3|三)(?:桁|けた|ケタ)(?:の?(?:番号|数字|コード))?"
        r"|(?:3|三)(?:桁|けた|ケタ)の?(?:番号|数字|コード)",
    ),
    ("expiry", r"(?:クレジット)?(?:カードの?)?(?:有効期限|有効期間|有効年月|期限)|ゆうこうきげん"),
    (
        "cardholder_name",
        r"(?:クレジット)?(?:カードの?)?名義(?:人)?(?:名|の?名前)?|カード会員名|めいぎ(?:にん)?",
    ),
    (
        "card_number",
        r"(?:クレジット)?カードの?(?:番号|ナンバー)|クレカ(?:の?番号)?|かーどばんごう"
        r"|(?:カード)?16桁(?:の?番号)?",
    ),
    ("card_info", r"(?:クレジット)?カード(?:の)?情報|クレカ情報|決済情報|カード"),
    ("my_number", r"マイナンバー|個人番号|まいなんばー|マイナンバーカード(?:の?番号)?"),
    ("bank_account", r"(?:銀行)?口座(?:番号|情報)?|銀行口座|振込口座|こうざ(?:ばんごう)?"),
    (
        "email",
        r"(?:e|電子)?メール(?:アドレス)?|メアド|メルアド|めあど|めるあど|e?mail(?:address)?|アドレス|めーるあどれす",
    ),
    ("phone", r"(?:携帯)?電話(?:番号)?|携帯(?:番号)?|tel(?:番号)?|でんわ(?:ばんごう)?"),
    (
        "password",
        r"(?:ログイン)?パスワード|pw|pass(?:word)?|ぱすわーど|パス|暗証番号|あんしょうばんごう",
    ),
    (
        "user_id",
        r"(?:ログイン|ユーザー?|会員|お客様)?id|ログイン名|ユーザー?名|アカウント(?:名|id)?",
    ),
    ("birth_date", r"生年月日|誕生日|たんじょうび|せいねんがっぴ"),
    ("address", r"(?:ご)?住所|じゅうしょ|所在地"),
    ("name", r"(?:ご|お)?氏名|(?:お)?名前|なまえ|姓名|フルネーム"),
    ("gender", r"性別"),
    ("age", r"年齢"),
)
"""What people call each item, by key. `canonical_item` tries them in this order."""

_SYNONYMS = [(key, re.compile(pattern)) for key, pattern in ITEM_SYNONYMS]
_TERM_NOISE = re.compile(r"[\s・\-_/「」『』()]+|(?:の|も|は|が|を)$")


def canonical_item(text: str) -> str | None:
    """The item key a term names (セキュリティコード, CVV, 裏の3桁 → ``security_code``), else None.

    The whole term must name the item (after NFKC, lower case, spaces and a trailing particle
    dropped): ``canonical_item("メアド")`` is ``email``, ``canonical_item("メアドの変更方法")`` is
    None. Questions are searched with their own patterns; this settles what one term means.
    """
    term = _TERM_NOISE.sub("", unicodedata.normalize("NFKC", text).lower())
    if not term:
        return None
    for key, pattern in _SYNONYMS:
        if pattern.fullmatch(term):
            return key
    return None


_ITEM = re.compile("|".join(f"(?P<{key}>{pattern})" for key, pattern in ITEM_VOCABULARY))
_CARD_CONTEXT = re.compile(r"カード|セキュリティ")
_LIST_MARK = re.compile(r"^[ \t]*(?:[-・*•●○◦]|[①-⑳]|\(\d{1,2}\)|\d{1,2}\.(?!\d))")
_LEAD_MAX_CHARS = 60
_LEAK_WORD = re.compile(r"漏え?い|漏洩|流出|漏れ|盗まれ|窃取|不正取得")
_LEAK_NEGATION = re.compile(
    r"""
    (?:漏え?い|漏洩|流出|漏れ)[^。\n]{0,12}?(?:ていない|ておらず|ておりません|ていません|ません|ございません|ありません|なし)
    | 含まれて(?:おりません|いません|いない|おらず)
    | 確認されて(?:おりません|いません|いない|おらず)
    | 対象外
    """,
    re.VERBOSE,
)
_LEAK_AFFIRMATION = re.compile(
    r"""
    (?:漏え?い|漏洩|流出|漏れ)
    (?:いたしました|しました|した(?!ことは|事実)|が判明|が発生|が確認され(?!て(?:おりません|いません))
      |の(?:可能性|恐れ|おそれ|懸念)|た(?:可能性|恐れ|おそれ))
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class ItemFact(PlainRecord):
    """A data item named in the text (`key` from `ITEM_VOCABULARY`).

    `leak_context`: its sentence talks about a leak; `negated`: that sentence denies it;
    `in_question`: the sentence is a question (so neither is an assertion).
    """

    raw: str
    start: int
    end: int
    key: str
    negated: bool = False
    leak_context: bool = False
    in_question: bool = False


def _sentence_bounds(folded: str, start: int, end: int) -> tuple[int, int]:
    """Start and end (after the closing mark) of the sentence holding [start, end)."""
    # Back to the line's start first: a mark absent from the text (「!」 is rare) would
    # otherwise be looked for back to its beginning, once per item — quadratic on a whole
    # incident's text.
    line = folded.rfind("\n", 0, start)
    before = max(line, *(folded.rfind(c, line + 1, start) for c in "。!?"))
    after = SENTENCE_END.search(folded, end)
    return before + 1, (after.end() if after else len(folded))


def _is_question(sentence: str) -> bool:
    """Whether a sentence asks (ends in か or ?), as FAQ questions do."""
    stripped = sentence.rstrip(" \t\n。")
    return stripped.endswith(("?", "か"))


def _list_lead(folded: str, s_start: int, s_end: int) -> str | None:
    """The line that introduces the list an item's line belongs to, when the line is a list item.

    A bare line of items (``- 氏名``, ``氏名、住所、電話番号``: no sentence end, no leak word of its
    own) takes its leak context from the line above its list: a heading such as
    ``(1) 漏えいした可能性のある項目`` or a lead ending in ``:``. Other lines have no lead.
    """
    line = folded[s_start:s_end].rstrip("\n")
    if (s_start > 0 and folded[s_start - 1] != "\n") or "。" in line or _LEAK_WORD.search(line):
        return None
    marked = bool(_LIST_MARK.match(line))
    end = s_start - 1
    while end > 0:
        start = folded.rfind("\n", 0, end) + 1
        above = folded[start:end]
        if not _LIST_MARK.match(above) or "。" in above or _LEAK_WORD.search(above):
            break
        marked = True
        end = start - 1
    if end <= 0:
        return None
    lead = folded[folded.rfind("\n", 0, end) + 1 : end].strip()
    if not lead or not _LEAK_WORD.search(lead):
        return None
    heading_like = len(lead) <= _LEAD_MAX_CHARS and "。" not in lead
    return lead if heading_like or (marked and lead.endswith((":", "。"))) else None


def find_items(text: str, folded: str) -> Iterator[ItemFact]:
    """Vocabulary terms, each judged against the rest of its sentence for negation.

    An item on a bare list line is judged against the lead of its list instead (`_list_lead`).
    """
    for m in _ITEM.finditer(folded):
        key = cast(str, m.lastgroup)
        s_start, s_end = _sentence_bounds(folded, m.start(), m.end())
        sentence = folded[s_start:s_end]
        if key == "expiry" and not _CARD_CONTEXT.search(sentence):
            continue
        question = _is_question(sentence)
        lead = None if question else _list_lead(folded, s_start, s_end)
        rest = folded[m.end() : s_end] if lead is None else lead
        negation = _LEAK_NEGATION.search(rest)
        affirmation = _LEAK_AFFIRMATION.search(rest)
        negated = (
            not question
            and negation is not None
            and (affirmation is None or negation.start() <= affirmation.start())
        )
        yield ItemFact(
            text[m.start() : m.end()],
            m.start(),
            m.end(),
            key,
            negated=negated,
            leak_context=bool(_LEAK_WORD.search(sentence if lead is None else lead)),
            in_question=question,
        )
