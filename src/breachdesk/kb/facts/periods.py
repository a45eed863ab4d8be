"""Periods: two dates joined by ~ / から (``between``), or one date with 以降 / まで / 以前 …"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from .dates import DateFact, valid_day

RangeKind = Literal["between", "since", "after", "until", "before"]

_RANGE_SEPARATOR = re.compile(r"[ \t]*(?:~|-|から)[ \t]*\Z")
_RANGE_TAIL = re.compile(r"[ \t]*(?:まで)?(?:の期間|の間|にわたって|にわたり|にかけて)?")
_OPEN_RANGE = re.compile(r"[ \t]*(?P<word>以降|以後|より後|以前|より前|まで|から(?![ \t]*\d))")
_OPEN_RANGE_KIND: Mapping[str, RangeKind] = {
    "以降": "since",
    "以後": "since",
    "から": "since",
    "より後": "after",
    "以前": "until",
    "まで": "until",
    "より前": "before",
}


@dataclass(frozen=True)
class DateRange:
    """A period: `first`–`last` (``between``), from `first` on (``since``, inclusive, or
    ``after``, exclusive), or up to `last` (``until``, inclusive, or ``before``, exclusive)."""

    raw: str
    start: int
    end: int
    kind: RangeKind
    first: DateFact | None
    last: DateFact | None

    def contains(self, day: dt.date) -> bool | None:
        """Whether `day` is inside the period; ``None`` when a bound's year is unknown."""
        if self.first is not None:
            lower = self.first.first_day if self.kind != "after" else self.first.last_day
            if lower is None:
                return None
            if day < lower or (self.kind == "after" and day == lower):
                return False
        if self.last is not None:
            upper = self.last.last_day if self.kind != "before" else self.last.first_day
            if upper is None:
                return None
            if day > upper or (self.kind == "before" and day == upper):
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "first": self.first.to_dict() if self.first else None,
            "last": self.last.to_dict() if self.last else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DateRange:
        """Rebuild from `to_dict` output."""
        first, last = data.get("first"), data.get("last")
        return cls(
            data["raw"],
            data["start"],
            data["end"],
            data["kind"],
            DateFact.from_dict(first) if first else None,
            DateFact.from_dict(last) if last else None,
        )


def find_ranges(text: str, folded: str, dates: list[DateFact]) -> Iterator[DateRange]:
    """Pairs of adjacent dates joined by ~ - から, then single dates followed by 以降/まで/…."""
    used: set[int] = set()
    found: list[DateRange] = []
    for i in range(len(dates) - 1):
        first, last = dates[i], dates[i + 1]
        # Matched in place, not on a slice: two dates far apart made a copy of all between.
        if i in used or not _RANGE_SEPARATOR.match(folded, first.end, last.start):
            continue
        first, last = _settle_range_years(first, last)
        tail = _RANGE_TAIL.match(folded, last.end)
        end = tail.end() if tail else last.end
        found.append(DateRange(text[first.start : end], first.start, end, "between", first, last))
        used.update((i, i + 1))
    for i, fact in enumerate(dates):
        if i in used:
            continue
        m = _OPEN_RANGE.match(folded, fact.end)
        if m is None:
            continue
        kind = _OPEN_RANGE_KIND[m["word"]]
        bounds = (fact, None) if kind in ("since", "after") else (None, fact)
        found.append(DateRange(text[fact.start : m.end()], fact.start, m.end(), kind, *bounds))
    return iter(sorted(found, key=lambda r: r.start))


def _settle_range_years(first: DateFact, last: DateFact) -> tuple[DateFact, DateFact]:
    """Apply the range rules of year inference (see the module docstring)."""
    if first.year is None and last.year is not None and not last.year_inferred:
        year = last.year - 1 if first.month > last.month else last.year
        if valid_day(year, first.month, first.day):
            first = replace(first, year=year, year_inferred=True)
    if (
        last.year_inferred
        and first.first_day is not None
        and last.year is not None
        and (last.month, last.day or 1) < (first.month, first.day or 1)
        and valid_day(last.year + 1, last.month, last.day)
    ):
        last = replace(last, year=last.year + 1)
    return first, last
