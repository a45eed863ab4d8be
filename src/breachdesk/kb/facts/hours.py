"""Opening hours (`9:00~17:00`, `午前9時から午後5時まで`, `24時間受付`) and closed-day rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .text import Spans


def _time_pattern(p: str) -> str:
    """One clock time, `9:00`, `9時`, `9時30分`, `午後5時`, with group names prefixed by `p`."""
    return rf"""
        (?:(?P<{p}ap>午前|午後|AM|PM|am|pm)[ ]?)?
        (?P<{p}h>2[0-4]|[01]?\d)[ ]?
        (?: :[ ]?(?P<{p}m>[0-5]\d)
          | 時(?:[ ]?(?P<{p}m2>[0-5]?\d)[ ]?分|(?P<{p}half>半))?
        )
    """


_HOURS = re.compile(
    rf"""
    (?<!\d)(?<!\d:)
    {_time_pattern("o")}
    [ \t]*(?:~|-|から)[ \t]*
    {_time_pattern("c")}
    (?![\d:])
    (?:[ ]?まで)?
    """,
    re.VERBOSE,
)
_ALL_DAY = re.compile(r"24時間(?:[ ]?365日)?(?:受付|対応|営業|稼働|体制)")

_DAY_TOKENS = (
    r"(?:年末年始|土曜日?|日曜日?|祝祭日|祝日|祭日|祝|土|日|・|、|,|/|及び|および|と|[ \t])"
)
_CLOSED_DAYS = re.compile(
    rf"""
    (?<![\u4e00-\u9fff])
    (?P<body>{_DAY_TOKENS}*(?:年末年始|土曜日?|日曜日?|祝祭日|祝日|祭日|祝|土|日))
    (?:を|は)?[ ]?
    (?:除く|除き|除いた|休み|休業日?|定休日?)
    """,
    re.VERBOSE,
)
_OPEN_DAYS = re.compile(
    rf"""
    (?<![\u4e00-\u9fff])
    (?P<body>{_DAY_TOKENS}*(?:土曜日?|日曜日?|祝祭日|祝日|祭日|祝|土|日))
    [ ]?(?:も|を含む|含め)[ ]?
    (?:受付|受け付け|営業|対応|稼働|開設|ご利用|利用)
    """,
    re.VERBOSE,
)
_EVERY_DAY = re.compile(r"年中無休|365日(?:受付|対応|営業|稼働)?|無休")
_WEEKDAYS_ONLY = re.compile(r"平日(?:のみ|限定)|平日(?=[ \t:]*\d{1,2}(?::|時))")


@dataclass(frozen=True)
class HoursFact:
    """Opening hours `open`–`close` (local time). ``24:00`` closes at `datetime.time.max`."""

    raw: str
    start: int
    end: int
    open: dt.time
    close: dt.time

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (times in ISO format)."""
        return {
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "open": self.open.isoformat(),
            "close": self.close.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HoursFact:
        """Rebuild from `to_dict` output."""
        return cls(
            data["raw"],
            data["start"],
            data["end"],
            dt.time.fromisoformat(data["open"]),
            dt.time.fromisoformat(data["close"]),
        )


@dataclass(frozen=True)
class DaysRule:
    """On which days a desk is open, read from phrases such as ``土日祝除く``.

    The default value is "open every day, no year-end closure", which is also what a desk with
    no published rule is taken to mean. `raw` is the phrase ("" when none was published).
    `year_end` is the closure period as ((month, day), (month, day)), inclusive.
    """

    raw: str = ""
    start: int = 0
    end: int = 0
    saturday_open: bool = True
    sunday_open: bool = True
    holidays_open: bool = True
    year_end_closed: bool = False
    year_end: tuple[tuple[int, int], tuple[int, int]] = ((12, 29), (1, 3))

    @property
    def weekends_open(self) -> bool:
        """Whether the desk is open on both Saturdays and Sundays."""
        return self.saturday_open and self.sunday_open

    def in_year_end(self, day: dt.date) -> bool:
        """Whether `day` falls in the year-end period (whether or not the desk closes then)."""
        (m1, d1), (m2, d2) = self.year_end
        key = (day.month, day.day)
        if (m1, d1) <= (m2, d2):
            return (m1, d1) <= key <= (m2, d2)
        return key >= (m1, d1) or key <= (m2, d2)

    def merge(self, other: DaysRule) -> DaysRule:
        """Combine two rules that describe the same desk: a day is open only if both allow it."""
        if not other.raw:
            return self
        if not self.raw:
            return other
        first, second = (self, other) if self.start <= other.start else (other, self)
        return DaysRule(
            raw=f"{first.raw} {second.raw}",
            start=first.start,
            end=max(first.end, second.end),
            saturday_open=self.saturday_open and other.saturday_open,
            sunday_open=self.sunday_open and other.sunday_open,
            holidays_open=self.holidays_open and other.holidays_open,
            year_end_closed=self.year_end_closed or other.year_end_closed,
            year_end=self.year_end,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (`weekends_open` included for readers, derived)."""
        return {
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "saturday_open": self.saturday_open,
            "sunday_open": self.sunday_open,
            "weekends_open": self.weekends_open,
            "holidays_open": self.holidays_open,
            "year_end_closed": self.year_end_closed,
            "year_end": [list(self.year_end[0]), list(self.year_end[1])],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DaysRule:
        """Rebuild from `to_dict` output; a bare `weekends_open` sets both weekend days."""
        weekends = data.get("weekends_open", True)
        (m1, d1), (m2, d2) = data.get("year_end", [[12, 29], [1, 3]])
        return cls(
            raw=data.get("raw", ""),
            start=data.get("start", 0),
            end=data.get("end", 0),
            saturday_open=data.get("saturday_open", weekends),
            sunday_open=data.get("sunday_open", weekends),
            holidays_open=data.get("holidays_open", True),
            year_end_closed=data.get("year_end_closed", False),
            year_end=((int(m1), int(d1)), (int(m2), int(d2))),
        )


def _clock(ap: str | None, hour: str, minute: str | None, half: str | None) -> dt.time | None:
    """A `datetime.time` from the parts of `_time_pattern`; 24:00 becomes `time.max`."""
    h = int(hour)
    mi = 30 if half else int(minute or 0)
    if ap in ("午後", "PM", "pm") and h < 12:
        h += 12
    elif ap in ("午前", "AM", "am") and h == 12:
        h = 0
    if h == 24 and mi == 0:
        return dt.time.max
    if h > 23 or mi > 59:
        return None
    return dt.time(h, mi)


def find_hours(text: str, folded: str) -> Iterator[HoursFact]:
    """Opening-closing time pairs, and round-the-clock phrases such as 24時間受付."""
    found: list[HoursFact] = []
    for m in _HOURS.finditer(folded):
        opening = _clock(m["oap"], m["oh"], m["om"] or m["om2"], m["ohalf"])
        closing = _clock(m["cap"], m["ch"], m["cm"] or m["cm2"], m["chalf"])
        if opening is None or closing is None or opening == closing:
            continue
        found.append(HoursFact(text[m.start() : m.end()], m.start(), m.end(), opening, closing))
    for m in _ALL_DAY.finditer(folded):
        found.append(
            HoursFact(text[m.start() : m.end()], m.start(), m.end(), dt.time(0), dt.time.max)
        )
    return iter(sorted(found, key=lambda f: f.start))


def _day_flags(body: str) -> tuple[bool, bool, bool, bool]:
    """Which of (Saturday, Sunday, holidays, year end) a days phrase such as 土・日・祝日 names."""
    year_end = "年末年始" in body
    holidays = "祝" in body or "祭日" in body
    rest = body
    for word in ("年末年始", "祝祭日", "祝日", "祭日", "祝", "曜日", "曜"):
        rest = rest.replace(word, "")
    return "土" in rest, "日" in rest, holidays, year_end


def find_days(text: str, folded: str) -> Iterator[DaysRule]:
    """Closed-day and open-day phrases; the first phrase to claim a span wins."""
    found: list[DaysRule] = []
    taken = Spans()

    def add(
        start: int,
        end: int,
        closed: tuple[bool, bool, bool, bool] = (False, False, False, False),
    ) -> None:
        """Record the phrase text[start:end] closing (Sat, Sun, holidays, year end) as given."""
        if taken.overlaps(start, end):
            return
        taken.add(start, end)
        sat, sun, holidays, year_end = closed
        found.append(
            DaysRule(
                raw=text[start:end],
                start=start,
                end=end,
                saturday_open=not sat,
                sunday_open=not sun,
                holidays_open=not holidays,
                year_end_closed=year_end,
            )
        )

    for m in _CLOSED_DAYS.finditer(folded):
        add(
            m.start("body") + len(m["body"]) - len(m["body"].lstrip()),
            m.end(),
            _day_flags(m["body"]),
        )
    for m in _OPEN_DAYS.finditer(folded):
        add(m.start("body") + len(m["body"]) - len(m["body"].lstrip()), m.end())
    for m in _EVERY_DAY.finditer(folded):
        add(m.start(), m.end())
    for m in _WEEKDAYS_ONLY.finditer(folded):
        add(m.start(), m.end(), (True, True, True, False))
    return iter(sorted(found, key=lambda f: f.start))
