"""The scope check without identity: 「いつ・どこで・どう支払いましたか」.

From the incident's published entries only (never the register), `check_scope` says whether a
purchase on a day, through a channel, paid a way, falls inside the published scope. Judgement
calls, each stated once:

- **Periods** are the date ranges (`kb.facts`) of entries that speak of the leak (対象, 流出,
  漏えい, 不正), except ranges on a line about notices or desks (ご案内, 送付, 受付, 窓口) or
  denying a leak (ございません, ありません, 安全). A period applies to the channels its line names
  (web shop, phone/FAX/mail orders, marketplace stores, shops); a line naming none applies to
  every channel but marketplace stores.
- **Marketplace stores** (楽天, Yahoo, Amazon, モール) are outside when an entry naming them
  denies a leak; otherwise unknown.
- **Payment**: when every leaked item is a card item, only card payments are inside.
- With no period for the channel, or a period without a year, the answer is "unknown", and the
  page sends the person to the desk.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from breachdesk.kb.facts import extract_facts

Verdict = Literal["inside", "outside", "unknown"]
CHANNELS: dict[str, str] = {
    "web": "公式のウェブサイト・ネットショップ",
    "phone": "電話・FAX・メールでの注文",
    "marketplace": "楽天・Yahoo!・Amazon などのモール内のお店",
    "store": "店舗・店頭",
}
PAYMENTS: dict[str, str] = {"card": "クレジットカード", "other": "クレジットカード以外"}
CARD_ITEMS = frozenset({"card_info", "card_number", "expiry", "security_code", "cardholder_name"})
_CHANNEL_WORDS = {
    "web": re.compile(r"ウェブ|WEB|Web|web|サイト|オンライン|ネット|https?://|公式ショップ"),
    "phone": re.compile(r"電話|FAX|ファックス|メール注文|メール・|定期"),
    "marketplace": re.compile(r"楽天|Yahoo|ヤフー|Amazon|アマゾン|モール"),
    "store": re.compile(r"店舗|店頭"),
}
_LEAK = re.compile(r"対象|流出|漏えい|漏洩|漏れ|不正")
_NOT_PERIOD = re.compile(r"ご案内|送付|発送|受付|窓口|ございません|ありません|安全")
_DENIAL = re.compile(r"ございません|ありません|対象外|含まれ(?:ません|ない)|安全")


@dataclass(frozen=True)
class Period:
    first: dt.date | None
    last: dt.date | None
    channels: frozenset[str]
    text: str

    def contains(self, day: dt.date) -> bool:
        return (self.first is None or self.first <= day) and (self.last is None or day <= self.last)


@dataclass(frozen=True)
class Scope:
    periods: tuple[Period, ...]
    marketplace_denied: bool
    card_only: bool


@dataclass(frozen=True)
class ScopeAnswer:
    verdict: Verdict
    reasons: tuple[str, ...]


def _day(fact: dict[str, Any] | None, *, end: bool) -> dt.date | None:
    if not fact or fact.get("year") is None:
        return None
    year, month = int(fact["year"]), int(fact["month"])
    if fact.get("day"):
        return dt.date(year, month, int(fact["day"]))
    return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)


def _line(text: str, start: int, end: int) -> str:
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    return text[left : right if right >= 0 else len(text)]


def read_scope(texts: Iterable[str], items: Iterable[str]) -> Scope:
    """The scope an incident's entries publish (`texts`: each entry's question + answer) and
    its leaked item keys."""
    periods: list[Period] = []
    denied = False
    for text in texts:
        if _CHANNEL_WORDS["marketplace"].search(text) and _DENIAL.search(text):
            denied = True
        if not _LEAK.search(text):
            continue
        for found in extract_facts(text).to_dict().get("ranges", []):
            line = _line(text, int(found["start"]), int(found["end"]))
            if _NOT_PERIOD.search(line):
                continue
            kind = found.get("kind")
            first = _day(found.get("first"), end=False)
            last = _day(found.get("last"), end=True)
            if kind in ("until", "before"):
                first, last = None, last or first
            if kind in ("since", "after"):
                last = None
            if first is None and last is None:
                continue
            named = frozenset(c for c, words in _CHANNEL_WORDS.items() if words.search(line))
            channels = named or frozenset({"web", "phone", "store"})
            periods.append(Period(first, last, channels, line.strip()))
    keys = set(items)
    return Scope(tuple(periods), denied, bool(keys) and keys <= CARD_ITEMS)


def check_scope(scope: Scope, *, day: dt.date, channel: str, payment: str) -> ScopeAnswer:
    """Whether a purchase falls inside the published scope, with the reasons (fixed wording)."""
    if channel == "marketplace" and scope.marketplace_denied:
        return ScopeAnswer(
            "outside", ("モール内のお店でのご購入は、公表では対象外とされています。",)
        )
    if payment == "other" and scope.card_only:
        return ScopeAnswer(
            "outside", ("漏えいした情報はクレジットカード情報のみと公表されています。",)
        )
    applicable = [p for p in scope.periods if channel in p.channels]
    if not applicable:
        return ScopeAnswer("unknown", ("この購入方法の対象期間は公表されていません。",))
    inside = [p for p in applicable if p.contains(day)]
    if inside:
        return ScopeAnswer("inside", tuple(f"公表されている対象期間：{p.text}" for p in inside[:2]))
    return ScopeAnswer(
        "outside", tuple(f"公表されている対象期間：{p.text}" for p in applicable[:2])
    )
