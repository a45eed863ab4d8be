"""The published scope of an incident: which purchases its text says are affected.

`read_scope(entries)` reads an incident's published entries (never the register) into a
`PublishedScope`; `check_scope(scope, day=, channel=, payment=)` places one purchase (when,
where, how paid) against it and answers ``inside``, ``outside`` or ``unknown``, citing the
sentences it rests on (entry id and the sentence verbatim). Dates, periods and leaked items come
from the knowledge base's facts (`kb.facts`: 西暦 and 和暦, ``~``/から, 以降/より後/まで/以前).

The rule above all: **a verdict never contradicts the publisher's text.** When the text does not
settle a purchase, or settles it both ways, the verdict is ``unknown`` and the person is sent to
the desk. The judgement calls, each stated once:

- **Sentences.** Only an entry's answer (a passage's body) is read for what is stated, never a
  question or a heading; it splits at 。！？ and at a line break before a blank line or a list
  mark (a wrapped line joins the next). A verdict cites one such sentence, verbatim. Matching
  runs on the facts' folded copy (ＷＥＢ reads as WEB), citing the original.
- **Scope periods** (inside). A date range in a sentence that names a purchase (購入, 注文, 決済,
  利用, 寄付, 入力 …; not 利用明細, 決済代行, 決済情報 …), speaks of the leak or of who is
  affected (対象, 流出, 漏えい … — in the sentence, the lead line of its list, a passage's heading
  or a FAQ question) and denies nothing. A range followed by a notice (ご案内, 送付, お知らせ …)
  or by an attack (不正アクセス …) is not a purchase period: jrc's 令和3年8月2日から令和4年1月25日
  is when its processor was attacked, not when donors paid.
- **Exclusions** (outside). A sentence that denies (流出はございません, 対象外, 対象ではございません,
  含まれておりません, ご安心ください …) for a purchase on a date range or through a channel, or
  for a payment method. In a FAQ, when the answer's first sentence that decides (denies or
  affirms) denies and names no date or channel of its own, the question's date or channel is the
  one meant (「2026年9月以降に買い物をしたのですが大丈夫ですか?」 → outside from 2026年9月1日,
  citing the answer's sentence); a question's date the answer affirms is a scope period the same
  way. A denial that names a data item (パスワードは流出しておりません, 決済情報は…) is about
  the item, not the purchase: it is no exclusion. A sentence that only hedges (流出は確認されて
  おりません, 調査中) is neither a scope period nor an exclusion; an apology (申し訳ございません)
  denies nothing.
- **Channels.** web (ウェブ, WEB, 当サイト, 通販サイト, 寄付サイト, ネットショップ, 通販, a URL;
  not サイト alone: 外部ポータルサイト is someone else's), phone (電話…注文, FAX, メール注文,
  定期コース), marketplace (楽天, Yahoo, Amazon … — alone when named: a marketplace's
  「公式ショップ」 is not the own web shop; not モール alone, a mall has shops), store (店舗,
  店頭). A scope period whose sentence names no channel holds for the channels the incident's
  other scope sentences name (jrc's periods hold for its 寄付サイト), or for every channel but
  marketplace stores when none names one. An exclusion naming no channel holds for every channel.
- **Payments.** A scope period whose sentence speaks of cards (クレジットカード, カード決済) holds
  card payments only. When every leaked item (`Facts.leaked_keys`: named in a leak sentence, not
  denied, not asked) is a card item, other payments (代引き, 銀行振込, コンビニ払い …) are outside,
  citing the sentence that excludes them if there is one, else the card-only scope sentence and
  the list of items; a sentence that includes other payments (「銀行振込の方も対象となります」)
  cancels that. A denial naming only some methods (代金引換、銀行振込は対象外) decides nothing
  on its own for "other" (which may be a method it does not name).
- **Verdict.** Evidence both ways (an exclusion or the card-only rule holds, and a scope period for
  the channel and payment holds the day) is ``unknown``; either alone decides. With neither, the
  purchase is outside when the channel and payment have scope periods and none holds the day,
  else unknown (a bound whose year the text does not give holds nothing either way).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from breachdesk import pacing
from breachdesk.kb.facts import DateFact, DateRange, Facts, extract_facts
from breachdesk.kb.facts.text import fold

Verdict = Literal["inside", "outside", "unknown"]
Channel = Literal["web", "phone", "marketplace", "store"]
Payment = Literal["card", "other"]
Effect = Literal["inside", "outside"]

CHANNELS: Mapping[str, str] = {
    "web": "公式のウェブサイト・ネットショップ",
    "phone": "電話・FAX・メール・定期コースでのご注文",
    "marketplace": "楽天・Yahoo!・Amazon などのモール内のお店",
    "store": "店舗・店頭",
}
CHANNEL_NAMES: Mapping[str, str] = {
    "web": "ウェブサイト",
    "phone": "電話・FAX・メール・定期コースのご注文",
    "marketplace": "モール内のお店",
    "store": "店舗",
}
"""Short names, for a period's channels in running text."""
PAYMENTS: Mapping[str, str] = {"card": "クレジットカード", "other": "クレジットカード以外"}
CARD_ITEMS = frozenset({"card_info", "card_number", "expiry", "security_code", "cardholder_name"})
ALL_CHANNELS = frozenset(CHANNELS)
_UNNAMED_CHANNELS = frozenset({"web", "phone", "store"})

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


@dataclass(frozen=True)
class Citation:
    """A published sentence a verdict rests on: its entry id and the sentence, verbatim."""

    entry: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"entry": self.entry, "text": self.text}


@dataclass(frozen=True)
class Statement:
    """One thing the text says about a kind of purchase.

    `effect` inside (a scope period, or with no `period` a scope sentence naming channels) or
    outside (an exclusion). `channels` None: the sentence names none (see the module docstring);
    `payment` None: any payment. `partial`: a payment exclusion naming only some methods.
    """

    effect: Effect
    sources: tuple[Citation, ...]
    period: DateRange | None = None
    channels: frozenset[str] | None = None
    payment: Payment | None = None
    partial: bool = False

    def holds_on(self, day: dt.date) -> bool | None:
        """Whether the statement holds on `day` (None: a bound's year is not published)."""
        return True if self.period is None else self.period.contains(day)


@dataclass(frozen=True)
class PeriodView:
    """A published scope period as shown to people: dates as 2026年9月10日, its channels."""

    shown: str
    channels: tuple[str, ...]
    card_only: bool
    source: Citation


@dataclass(frozen=True)
class PublishedScope:
    """An incident's published scope: what its text states, sentence by sentence."""

    statements: tuple[Statement, ...] = ()
    named_channels: frozenset[str] = frozenset()

    def channels_of(self, statement: Statement) -> frozenset[str]:
        """The channels a statement holds for (see Channels in the module docstring)."""
        if statement.channels is not None:
            return statement.channels
        if statement.effect == "outside":
            return ALL_CHANNELS
        return self.named_channels or _UNNAMED_CHANNELS

    def periods(self) -> list[PeriodView]:
        """The scope periods, one per distinct period and channels, in document order."""
        seen: set[tuple[str, tuple[str, ...], bool]] = set()
        views = []
        for s in self.statements:
            if s.effect != "inside" or s.period is None:
                continue
            channels = tuple(c for c in CHANNELS if c in self.channels_of(s))
            view = PeriodView(period_text(s.period), channels, s.payment == "card", s.sources[0])
            key = (view.shown, view.channels, view.card_only)
            if key not in seen:
                seen.add(key)
                views.append(view)
        return views


@dataclass(frozen=True)
class ScopeAnswer:
    """A verdict and the published sentences it rests on."""

    verdict: Verdict
    because: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `breachdesk scope --json` and the API."""
        return {"verdict": self.verdict, "because": [c.to_dict() for c in self.because]}


# ---------------------------------------------------------------------------------------------
# Dates as people read them
# ---------------------------------------------------------------------------------------------


def japanese_date(day: dt.date) -> str:
    """2026年9月10日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _bound(fact: DateFact) -> str:
    if fact.year is None:
        return re.sub(r"\s+", "", fact.raw)
    if fact.day is None:
        return f"{fact.year}年{fact.month}月"
    return f"{fact.year}年{fact.month}月{fact.day}日"


def period_text(period: DateRange) -> str:
    """A period in 西暦 (2021年10月14日〜2022年1月25日, 2026年9月1日以降, 2020年4月8日より後)."""
    first = _bound(period.first) if period.first else ""
    last = _bound(period.last) if period.last else ""
    if period.kind == "between":
        return f"{first}〜{last}"
    return {
        "since": f"{first}以降",
        "after": f"{first}より後",
        "until": f"{last}まで",
        "before": f"{last}より前",
    }[period.kind]


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


# ---------------------------------------------------------------------------------------------
# Placing a purchase
# ---------------------------------------------------------------------------------------------


def _cited(statements: Iterable[Statement], limit: int = 3) -> tuple[Citation, ...]:
    found: dict[Citation, None] = {}
    for s in statements:
        for c in s.sources:
            found.setdefault(c, None)
    return tuple(found)[:limit]


def check_scope(scope: PublishedScope, *, day: dt.date, channel: str, payment: str) -> ScopeAnswer:
    """Whether a purchase on `day`, through `channel`, paid by `payment` is inside the published
    scope, with the sentences the verdict rests on (see Verdict in the module docstring)."""

    def applies(s: Statement) -> bool:
        return channel in scope.channels_of(s) and s.payment in (None, payment)

    outside = [
        s
        for s in scope.statements
        if s.effect == "outside" and not s.partial and applies(s) and s.holds_on(day) is True
    ]
    periods = [
        s for s in scope.statements if s.effect == "inside" and s.period is not None and applies(s)
    ]
    inside = [s for s in periods if s.holds_on(day) is True]
    if outside and inside:
        return ScopeAnswer("unknown", _cited(outside, 2) + _cited(inside, 2))
    if outside:
        return ScopeAnswer("outside", _cited(outside))
    if inside:
        return ScopeAnswer("inside", _cited(inside))
    if periods and all(s.holds_on(day) is False for s in periods):
        return ScopeAnswer("outside", _cited(periods))
    return ScopeAnswer("unknown", _cited(s for s in periods if s.holds_on(day) is None))
