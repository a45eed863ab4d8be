"""Facts read off Japanese breach notices: phones, mail, hours, closed days, dates, counts, items.

`extract_facts(text)` is a pure function: text in, a `Facts` value out. Every fact keeps the
text it was read from (`raw`, a verbatim slice of the input) and its `start`/`end` character
offsets, so a caller can show or highlight exactly what was published.

Matching runs on a *folded* copy of the text of the same length (full-width digits, letters
and punctuation become ASCII; the many hyphen and tilde code points become ``-`` and ``~``),
so offsets found in the folded copy are offsets in the original.

Rules worth knowing (each is a judgement call, documented here once):

- **Year inference.** A date written without a year (``6月30日``, ``7/29``) takes the year of
  the nearest *preceding* date in the same text that states one (西暦 or 和暦, day or month
  precision) and is marked ``year_inferred``; with no such date its year stays ``None``. A bare
  year (``2017年サイバー攻撃``) is not an anchor. In a range whose end was inferred and falls
  before its start, the end rolls over to the next year; a yearless range start takes its year
  from an explicit range end (the year before when its month is later).
- **和暦.** 令和元年 = 2019, 平成元年 = 1989, 昭和元年 = 1926, 大正元年 = 1912. A Gregorian year
  in parentheses after the era year (``令和2年（2020）``) is accepted and ignored.
- **Closed days.** A `DaysRule` says which days a desk is open. Anything a published rule does
  not mention is open (``年末年始を除く`` alone means open at weekends); an absent rule is
  ``DaysRule()``, open every day. 年末年始 is 12/29–1/3 unless a rule says otherwise.
- **Phones.** 0120/0800 are ``freedial``, 0570 ``navi``, 070/080/090 ``mobile``, other
  ``0…`` numbers of 10 digits (and 050 of 11) ``landline``; a 3-digit ``…番`` written with
  局番なし is ``short``; any number labelled FAX right before or after is ``fax``.
- **Leaked items.** Term spotting over a small vocabulary (`ITEM_VOCABULARY`). An item is

The package is split by fact kind: `text` (the folded copy and span helpers), `phones` (phones
and mail), `hours` (hours and closed days), `dates`, `periods`, `counts` and `items`. Every name
is importable from `breachdesk.kb.facts` itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from breachdesk import pacing

from .counts import CountFact, find_counts
from .dates import DateFact, DatePrecision, find_dates
from .hours import DaysRule, HoursFact, find_days, find_hours
from .items import ITEM_SYNONYMS, ITEM_VOCABULARY, ItemFact, canonical_item, find_items
from .periods import DateRange, RangeKind, find_ranges
from .phones import MailFact, PhoneFact, PhoneKind, find_mails, find_phones
from .text import URL, fold


@dataclass(frozen=True)
class Facts:
    """Everything `extract_facts` found in one text, each list in text order."""

    phones: tuple[PhoneFact, ...] = ()
    mails: tuple[MailFact, ...] = ()
    hours: tuple[HoursFact, ...] = ()
    days: tuple[DaysRule, ...] = ()
    dates: tuple[DateFact, ...] = ()
    ranges: tuple[DateRange, ...] = ()
    counts: tuple[CountFact, ...] = ()
    items: tuple[ItemFact, ...] = ()

    def leaked_keys(self) -> frozenset[str]:
        """Item keys asserted as leaked: named in a leak sentence, not negated, not asked."""
        return frozenset(
            i.key for i in self.items if i.leak_context and not i.negated and not i.in_question
        )

    def denied_keys(self) -> frozenset[str]:
        """Item keys whose leak the text denies (outside questions)."""
        return frozenset(i.key for i in self.items if i.negated)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of lists."""
        return {
            "phones": [f.to_dict() for f in self.phones],
            "mails": [f.to_dict() for f in self.mails],
            "hours": [f.to_dict() for f in self.hours],
            "days": [f.to_dict() for f in self.days],
            "dates": [f.to_dict() for f in self.dates],
            "ranges": [f.to_dict() for f in self.ranges],
            "counts": [f.to_dict() for f in self.counts],
            "items": [f.to_dict() for f in self.items],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        """Rebuild from `to_dict` output; missing lists are empty."""
        return cls(
            phones=tuple(PhoneFact.from_dict(d) for d in data.get("phones", ())),
            mails=tuple(MailFact.from_dict(d) for d in data.get("mails", ())),
            hours=tuple(HoursFact.from_dict(d) for d in data.get("hours", ())),
            days=tuple(DaysRule.from_dict(d) for d in data.get("days", ())),
            dates=tuple(DateFact.from_dict(d) for d in data.get("dates", ())),
            ranges=tuple(DateRange.from_dict(d) for d in data.get("ranges", ())),
            counts=tuple(CountFact.from_dict(d) for d in data.get("counts", ())),
            items=tuple(ItemFact.from_dict(d) for d in data.get("items", ())),
        )


def extract_facts(text: str) -> Facts:
    """Read phones, mail, hours, closed days, dates, ranges, counts and items from `text`.

    Pure and deterministic; see the module docstring for the rules it applies.
    """
    folded = fold(text)
    urls = [(m.start(), m.end()) for m in URL.finditer(folded)]
    # A whole incident's text is read on every import and approval: each finder's matches are
    # taken one at a time, giving way between them to the requests a web worker serves.
    dates = list(pacing.paced(find_dates(text, folded, urls)))
    return Facts(
        phones=tuple(pacing.paced(find_phones(text, folded, urls))),
        mails=tuple(pacing.paced(find_mails(text, folded))),
        hours=tuple(pacing.paced(find_hours(text, folded))),
        days=tuple(pacing.paced(find_days(text, folded))),
        dates=tuple(dates),
        ranges=tuple(pacing.paced(find_ranges(text, folded, dates))),
        counts=tuple(pacing.paced(find_counts(text, folded, urls))),
        items=tuple(pacing.paced(find_items(text, folded))),
    )


__all__ = [
    "ITEM_SYNONYMS",
    "ITEM_VOCABULARY",
    "CountFact",
    "DateFact",
    "DatePrecision",
    "DateRange",
    "DaysRule",
    "Facts",
    "HoursFact",
    "ItemFact",
    "MailFact",
    "PhoneFact",
    "PhoneKind",
    "RangeKind",
    "canonical_item",
    "extract_facts",
]
