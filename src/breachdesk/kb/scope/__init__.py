"""The published scope of an incident: which purchases its text says are affected.

`read_scope(entries)` reads an incident's published entries (never the register) into a
`PublishedScope`; `check_scope(scope, day=, channel=, payment=)` places one purchase (when,
where, how paid) against it and answers ``inside``, ``outside`` or ``unknown``, citing the
sentences it rests on (entry id and the sentence verbatim). Dates, periods and leaked items come
from the knowledge base's facts (`kb.facts`: 西暦 and 和暦, ``~``/から, 以降/より後/まで/以前).

The package: `model` (what a scope states, and `check_scope`, which places a purchase against it)
and `reading` (`read_scope`, which reads it off the published sentences).

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

from .model import (
    ALL_CHANNELS,
    CARD_ITEMS,
    CHANNEL_NAMES,
    CHANNELS,
    PAYMENTS,
    Channel,
    Citation,
    Payment,
    PeriodView,
    PublishedScope,
    ScopeAnswer,
    Statement,
    Verdict,
    check_scope,
    japanese_date,
    period_text,
)
from .reading import PublishedEntry, channels_named, read_scope, sentences

__all__ = [
    "ALL_CHANNELS",
    "CARD_ITEMS",
    "CHANNELS",
    "CHANNEL_NAMES",
    "PAYMENTS",
    "Channel",
    "Citation",
    "Payment",
    "PeriodView",
    "PublishedEntry",
    "PublishedScope",
    "ScopeAnswer",
    "Statement",
    "Verdict",
    "channels_named",
    "check_scope",
    "japanese_date",
    "period_text",
    "read_scope",
    "sentences",
]
