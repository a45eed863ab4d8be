"""What a published scope states (`Statement`s, each citing its sentence) and `check_scope`,
which places a purchase against it. The rules are in the package docstring."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from breachdesk.kb.facts import DateFact, DateRange

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
