"""Reading a scope off the published sentences: `read_scope`. The rules are in the package
docstring; the vocabulary is here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from breachdesk import pacing
from breachdesk.kb.facts import DateRange, Facts, extract_facts
from breachdesk.kb.facts.text import fold

from .model import CARD_ITEMS, Citation, PublishedScope, Statement

# サイト alone is not the own shop (外部ポータルサイト, ふるさと納税サイト): only as 当サイト etc.
_WEB = re.compile(
    r"ウェブ|WEB|Web|web|(?:当|本|弊社|当社|公式|通販|EC|寄付|ショッピング|販売)サイト"
    r"|ネットショップ|オンライン(?:ショップ|ストア)|インターネット(?:ショップ|通販|販売)|通販"
    r"|https?://"
)
_PHONE = re.compile(
    r"FAX|ファックス|ファクス|定期(?:コース|便|購入|お届け)|カタログ"
    r"|(?:電話|はがき|ハガキ)[^。\n]{0,12}?(?:注文|申し?込|購入)|メール(?:での)?(?:ご)?注文"
)
# Not モール alone: a shopping mall is a place with shops.
_MARKETPLACE = re.compile(
    r"楽天|Yahoo|ヤフー|Amazon|amazon|アマゾン|Qoo10|au ?PAY ?マーケット|PayPayモール|ポンパレモール"
)
_STORE = re.compile(r"店舗|店頭|直営店|売店")

_ACT = re.compile(
    r"(?:購入|注文|決済|買(?:い|っ|う|わ|物)|寄付|寄附|申し?込み?|支払|入力|利用)"
    r"(?!明細|者|規約|停止|中止|状況|代行|会社|履歴|可能|案内|関連|情報|サービス|システム|画面"
    r"|データ|方法|手段|環境|再開)"
)
_SCOPE_WORD = re.compile(r"対象|流出|漏え?い|漏洩|漏れ|盗まれ|窃取|不正取得|影響")
# A denial that excludes (流出はございません, 対象ではございません, 対象外, 含まれておりません,
# ご安心ください) …
_DENY = re.compile(
    r"""
    (?:流出|漏え?い|漏洩|漏れ|影響|被害)(?:の(?:事実|可能性|心配|おそれ|恐れ))?(?:は|が|も)?[ \t]*
      (?:一切|全く)?(?:して|いたして|し)?(?:おりません|いません|ございません|ありません|ない|なし)
    | 対象(?:では|で|に|と)は?(?:ございません|ありません|ない|なりません)
    | 対象外
    | 含まれ(?:ておりません|ていません|ません|ない|ず)
    | ご安心(?:ください|下さい)
    """,
    re.VERBOSE,
)
# … and one that only hedges (確認されておりません, 特定できておりません, 調査中): a sentence with
# either is never a scope period; only a denial is an exclusion. An apology (申し訳ございません)
# and 間違い/変わりありません negate nothing.
_HEDGE = re.compile(
    r"""
    (?:流出|漏え?い|漏洩|漏れ|対象|影響|被害)[^。\n]{0,15}?
      (?<!申し訳)(?<!間違い)(?<!変わり)
      (?:ございません|ありません|ておりません|ていません|いたしません|しません|ではない|でない|なし)
    | 調査中|確認中|特定中|未定|未確定
    """,
    re.VERBOSE,
)
# A denial whose subject is one kind of information (決済情報は, 個人情報が) is about that item.
_INFO_SUBJECT = re.compile(r"[^\s、。「」]情報(?:は|が|も|について)")
# はい/いいえ are not read: whether はい affirms a leak depends on how the question was put.
_AFFIRM = re.compile(
    r"""
    対象(?:と|に)なり(?:ます|ました)|対象(?:です|となっております|でございます)
    | 含まれ(?:ております|ています|ます|ておりました)(?!ん)
    | (?:流出|漏え?い|漏洩)(?:した|の)(?:可能性|恐れ|おそれ|懸念)
    """,
    re.VERBOSE,
)
_OTHER_PAY = re.compile(
    r"代金引換|代引き?|銀行振込|銀行振り込み|郵便振込|郵便振替|コンビニ(?:エンスストア)?(?:払い|決済|支払)"
    r"|後払い|口座振替|現金|電子マネー|キャリア決済|PayPay|ペイペイ|(?:クレジット)?カード(?:決済|払い)?以外"
)
_OTHER_GENERAL = re.compile(r"(?:クレジット)?カード(?:決済|払い|でのお支払い)?以外")
_CARD_PAY = re.compile(
    r"クレジット|カード決済|カード払い|カードで(?:の)?(?:お支払|購入|決済)|カード情報"
)
# What follows a range up to the next 、 or 。: a notice sent, or an attack, is no purchase period.
_NOT_PURCHASE = re.compile(
    r"案内|送付|発送|お知らせ|連絡|通知|受付|配信|送信|不正|攻撃|侵入|アクセス"
)
_CLAUSE_END = re.compile(r"[、。\n]")
_RELEVANT = re.compile(
    r"対象|流出|漏|影響|被害|安心|含まれ|盗まれ|窃取|不正取得|調査中|確認中|特定中|未定|未確定"
)
_SENTENCE_MARK = re.compile(r"[。!?！？]|\n")
_LIST_MARK = re.compile(
    r"[ \t\u3000]*(?:[・\-*•●○◦■□◆◇※]|[①-⑳]|[(（]\d{1,2}[)）]|\d{1,2}[.:：、)）](?!\d))"
)


class PublishedEntry(Protocol):
    """What the scope reads of an entry (`kb.service.EntryView` is one)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def facts(self) -> dict[str, Any]: ...


# ---------------------------------------------------------------------------------------------
# Reading the text
# ---------------------------------------------------------------------------------------------


def sentences(text: str, start: int = 0) -> list[tuple[int, int]]:
    """The sentences of `text[start:]` as (start, end) offsets, trimmed of white space.

    A sentence ends at 。！？ (not at the ! of a name such as Yahoo!) or at a line break before a
    blank line or a list mark; a line that merely wraps joins the next.
    """
    spans: list[tuple[int, int]] = []
    begin = start
    for m in _SENTENCE_MARK.finditer(text, start):
        if (
            m.group() in "!！"
            and m.start() > 0
            and text[m.start() - 1].isascii()
            and text[m.start() - 1].isalpha()
        ):
            continue  # a name (Yahoo!), not the end of a sentence
        if m.group() == "\n":
            line_end = text.find("\n", m.end())
            rest = text[m.end() : line_end if line_end >= 0 else len(text)]
            line = text[begin : m.start()].rstrip()
            if rest.strip() and not _LIST_MARK.match(rest) and line and line[-1] not in ":：":
                continue  # a wrapped line
        _add_span(spans, text, begin, m.end())
        begin = m.end()
    _add_span(spans, text, begin, len(text))
    return spans


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        offset = start + piece.index(stripped[0])
        spans.append((offset, offset + len(stripped)))


def channels_named(text: str) -> frozenset[str]:
    """The channels a sentence names; a marketplace, when named, alone."""
    if _MARKETPLACE.search(text):
        return frozenset({"marketplace"})
    found = {"web"} if _WEB.search(text) else set()
    if _PHONE.search(text):
        found.add("phone")
    if _STORE.search(text):
        found.add("store")
    return frozenset(found)


def _lead(text: str, start: int, begin: int) -> str:
    """The lead line of the list a sentence at `start` is an item of ('' when it is none)."""
    line_start = text.rfind("\n", begin, start) + 1 or begin
    if not _LIST_MARK.match(text, line_start):
        return ""
    end = line_start - 1
    while end > begin:
        above_start = max(text.rfind("\n", begin, end) + 1, begin)
        above = text[above_start:end]
        if above.strip() and not _LIST_MARK.match(above):
            return above
        end = above_start - 1
    return ""


def _purchase_ranges(facts: Facts, text: str, start: int, end: int) -> list[DateRange]:
    """The ranges in [start, end) that are periods of purchases (not notices, not attacks)."""
    found = []
    for r in facts.ranges:
        if not start <= r.start < end:
            continue
        clause_end = _CLAUSE_END.search(text, r.end)
        after = text[r.end : clause_end.start() if clause_end else len(text)]
        if not _NOT_PURCHASE.search(after):
            found.append(r)
    return found


def _question_ranges(facts: Facts, question_end: int) -> list[DateRange]:
    """A question's periods: its ranges, and each date outside them as that day or month."""
    ranges = [r for r in facts.ranges if r.end <= question_end]
    taken = [(r.start, r.end) for r in ranges]
    for d in facts.dates:
        if d.end <= question_end and not any(s <= d.start < e for s, e in taken):
            ranges.append(DateRange(d.raw, d.start, d.end, "between", d, d))
    return ranges


@dataclass(frozen=True)
class _Text:
    """An entry's text (question + "\\n" + answer, as its facts were read), its folded copy of
    the same length (regexes run on it), its facts, and where the answer starts."""

    entry: PublishedEntry
    text: str
    folded: str
    facts: Facts
    answer_start: int

    @classmethod
    def of(cls, entry: PublishedEntry) -> _Text:
        text = entry.question + "\n" + entry.answer
        stored = entry.facts
        facts = Facts.from_dict(stored) if stored and "ranges" in stored else extract_facts(text)
        return cls(entry, text, fold(text), facts, len(entry.question) + 1)

    def cite(self, start: int, end: int) -> Citation:
        return Citation(self.entry.id, self.text[start:end])


@dataclass(frozen=True)
class _Context:
    """What a FAQ question names: read with the answer sentence that decides it."""

    ranges: tuple[DateRange, ...] = ()
    channels: frozenset[str] = frozenset()
    act: bool = False
    other: bool = False
    general: bool = False
    card: bool = False


@dataclass
class _Reading:
    statements: list[Statement]
    named: set[str]
    payment_exclusions: list[Citation]
    other_included: bool = False

    def add(self, statement: Statement) -> None:
        self.statements.append(statement)


def _question(t: _Text) -> _Context:
    if t.entry.kind != "qa":
        return _Context()
    q = t.folded[: len(t.entry.question)]
    other = bool(_OTHER_PAY.search(q))
    return _Context(
        tuple(_question_ranges(t.facts, len(t.entry.question))),
        channels_named(q),
        bool(_ACT.search(q)),
        other,
        bool(_OTHER_GENERAL.search(q)),
        bool(_CARD_PAY.search(q)) and not other,
    )


def _read_entry(t: _Text, reading: _Reading) -> None:
    asked = _question(t)
    heading = t.folded[: len(t.entry.question)] + "\n" + fold(t.entry.section)
    decided = False  # a FAQ answer's first sentence that denies or affirms decides its question
    for start, end in sentences(t.folded, t.answer_start):
        f = t.folded[start:end]
        deny, hedge, affirm = _DENY.search(f), _HEDGE.search(f), _AFFIRM.search(f)
        deciding = t.entry.kind == "qa" and not decided and bool(deny or hedge or affirm)
        decided = decided or bool(deny or hedge or affirm)
        if (deny or hedge) and affirm:
            continue  # says both: nothing is read from it
        ranges = _purchase_ranges(t.facts, t.folded, start, end)
        channels = channels_named(f)
        act = bool(_ACT.search(f))
        other = bool(_OTHER_PAY.search(f))
        context = asked if deciding else _Context()
        if deny:
            if not _about_an_item(t, f, start, end):
                _read_denial(reading, t.cite(start, end), f, ranges, channels, act, other, context)
            continue
        if hedge:
            continue  # 確認されておりません, 調査中 …: neither inside nor outside
        card = bool(_CARD_PAY.search(f)) and not other
        speaks = _SCOPE_WORD.search(f + "\n" + _lead(t.folded, start, t.answer_start) + heading)
        if ranges and act and speaks:
            for r in ranges:
                reading.add(
                    Statement(
                        "inside",
                        (t.cite(start, end),),
                        r,
                        channels or None,
                        "card" if card else None,
                    )
                )
            reading.named.update(channels)
        elif act and channels and _SCOPE_WORD.search(f):
            reading.named.update(channels)
            reading.add(
                Statement("inside", (t.cite(start, end),), None, channels, "card" if card else None)
            )
        if affirm and (other or context.other):
            reading.other_included = True
        if affirm and not ranges and context.ranges and context.act:
            for r in context.ranges:
                reading.add(
                    Statement(
                        "inside",
                        (t.cite(start, end),),
                        r,
                        context.channels or None,
                        "card" if context.card else None,
                    )
                )


def _about_an_item(t: _Text, folded: str, start: int, end: int) -> bool:
    """Whether a denial is about a data item (パスワードは流出しておりません, 決済情報は…), not
    about purchases."""
    return any(start <= i.start < end for i in t.facts.items) or bool(_INFO_SUBJECT.search(folded))


def _read_denial(
    reading: _Reading,
    cite: Citation,
    sentence: str,
    ranges: list[DateRange],
    channels: frozenset[str],
    act: bool,
    other: bool,
    asked: _Context,
) -> None:
    """The exclusion a denying sentence (with its question, when it decides one) states."""
    if other or (asked.other and not ranges and not channels):
        general = bool(_OTHER_GENERAL.search(sentence)) if other else asked.general
        reading.payment_exclusions.append(cite)
        reading.add(
            Statement("outside", (cite,), None, channels or None, "other", partial=not general)
        )
    elif ranges and (act or asked.act):
        for r in ranges:
            reading.add(Statement("outside", (cite,), r, channels or asked.channels or None))
    elif channels and (act or asked.act):
        reading.add(Statement("outside", (cite,), None, channels))
    elif asked.act and asked.ranges:
        for r in asked.ranges:
            reading.add(Statement("outside", (cite,), r, asked.channels or None))
    elif asked.act and asked.channels:
        reading.add(Statement("outside", (cite,), None, asked.channels))


def _card_items(texts: Sequence[_Text]) -> tuple[bool, Citation | None]:
    """Whether every item named as leaked is a card item, and the sentence naming the most."""
    keys: set[str] = set()
    best: tuple[int, Citation] | None = None
    for t in texts:
        leaked = [
            i for i in t.facts.items if i.leak_context and not i.negated and not i.in_question
        ]
        keys.update(i.key for i in leaked)
        for start, end in sentences(t.folded, t.answer_start):
            card = {i.key for i in leaked if start <= i.start < end and i.key in CARD_ITEMS}
            if card and (best is None or len(card) > best[0]):
                best = (len(card), t.cite(start, end))
    return bool(keys) and keys <= CARD_ITEMS, best[1] if best else None


def read_scope(entries: Iterable[PublishedEntry]) -> PublishedScope:
    """The scope an incident's published entries state (see the module docstring)."""
    # Only an entry with one of these words can state a scope, exclusion or leaked item; a whole
    # incident's facts are decoded only for them, giving way to requests (pacing) between.
    texts = [
        _Text.of(e)
        for e in pacing.paced(entries)
        if e.kind != "contact" and _RELEVANT.search(e.question + e.section + e.answer)
    ]
    reading = _Reading([], set(), [])
    for t in pacing.paced(texts):
        _read_entry(t, reading)
    card_only, items_sentence = _card_items(texts)
    if card_only and not reading.other_included:
        if reading.payment_exclusions:
            sources = tuple(reading.payment_exclusions[:2])
        else:
            restricted = [
                s.sources[0]
                for s in reading.statements
                if s.effect == "inside" and s.payment == "card" and s.period is None
            ]
            sources = tuple(restricted[:1]) + ((items_sentence,) if items_sentence else ())
        if sources:
            reading.add(Statement("outside", sources, None, None, "other"))
    return PublishedScope(tuple(reading.statements), frozenset(reading.named))
