"""Calendar dates as published (西暦, 和暦, `7/29`, `6月30日`) and the inference of missing years."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from .text import PlainRecord, Spans

DatePrecision = Literal["day", "month"]

_ERA_BASE: Mapping[str, tuple[int, int]] = {
    # era: (year before 元年, last era year)
    "令和": (2018, 99),
    "平成": (1988, 31),
    "昭和": (1925, 64),
    "大正": (1911, 15),
}
_WEEKDAY = r"(?:[ \t]*\((?:月|火|水|木|金|土|日)(?:曜日?)?(?:・祝)?\))?"
_DATE_ERA = re.compile(
    rf"""
    (?P<era>令和|平成|昭和|大正)[ \t]*(?P<ey>元|\d{{1,2}})[ \t]*年[ \t]*
    (?:\([ \t]*\d{{4}}[ \t]*年?[ \t]*\)[ \t]*)?
    (?P<m>\d{{1,2}})[ \t]*月
    (?:[ \t]*(?P<d>\d{{1,2}})[ \t]*日{_WEEKDAY})?
    """,
    re.VERBOSE,
)
_DATE_WESTERN = re.compile(
    rf"""
    (?<!\d)(?P<y>(?:19|20)\d{{2}})[ \t]*年[ \t]*
    (?:\([^)\n]{{1,8}}\)[ \t]*)?
    (?P<m>\d{{1,2}})[ \t]*月
    (?:[ \t]*(?P<d>\d{{1,2}})[ \t]*日{_WEEKDAY})?
    """,
    re.VERBOSE,
)
_DATE_NUMERIC = re.compile(
    rf"(?<![\d/.])(?P<y>(?:19|20)\d{{2}})(?P<sep>[/.\-])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?![\d/]){_WEEKDAY}"
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![\d.])(?P<m>\d{{1,2}})[ \t]*月[ \t]*(?P<d>\d{{1,2}})[ \t]*日{_WEEKDAY}"
)
_DATE_SLASH = re.compile(rf"(?<![\d/.:])(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})(?![\d/]){_WEEKDAY}")


@dataclass(frozen=True)
class DateFact(PlainRecord):
    """A calendar date (or a month, `precision == "month"`) as published.

    `year` is ``None`` when the text does not say it and no earlier date lets us infer it
    (`year_inferred` tells which). `era` is the 和暦 era name when the date was written in one.
    """

    raw: str
    start: int
    end: int
    year: int | None
    month: int
    day: int | None
    precision: DatePrecision
    year_inferred: bool = False
    era: str | None = None

    @property
    def first_day(self) -> dt.date | None:
        """The date itself, or the first day of the month; ``None`` when the year is unknown."""
        if self.year is None:
            return None
        return dt.date(self.year, self.month, self.day or 1)

    @property
    def last_day(self) -> dt.date | None:
        """The date itself, or the last day of the month; ``None`` when the year is unknown."""
        if self.year is None:
            return None
        last = self.day or calendar.monthrange(self.year, self.month)[1]
        return dt.date(self.year, self.month, last)

    @property
    def date(self) -> dt.date | None:
        """Same as `first_day`: the `datetime.date` of a day-precision date with a known year."""
        return self.first_day


def valid_day(year: int | None, month: int, day: int | None) -> bool:
    """Whether the month (and day, in a leap year when the year is unknown) exists."""
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    return 1 <= day <= calendar.monthrange(year or 2000, month)[1]


def find_dates(text: str, folded: str, urls: list[tuple[int, int]]) -> list[DateFact]:
    """Dates, most specific form first (和暦, 西暦, numeric, 月日, M/D), then year inference."""
    taken = Spans(urls)
    found: list[DateFact] = []

    def add(m: re.Match[str], year: int | None, era: str | None = None) -> None:
        if taken.overlaps(m.start(), m.end()):
            return
        month = int(m["m"])
        day = int(m["d"]) if m["d"] else None
        if not valid_day(year, month, day):
            return
        taken.add(m.start(), m.end())
        precision: DatePrecision = "day" if day is not None else "month"
        found.append(
            DateFact(
                text[m.start() : m.end()], m.start(), m.end(), year, month, day, precision, era=era
            )
        )

    for m in _DATE_ERA.finditer(folded):
        base, last = _ERA_BASE[m["era"]]
        era_year = 1 if m["ey"] == "元" else int(m["ey"])
        if 1 <= era_year <= last:
            add(m, base + era_year, m["era"])
    for pattern in (_DATE_WESTERN, _DATE_NUMERIC):
        for m in pattern.finditer(folded):
            add(m, int(m["y"]))
    for pattern in (_DATE_MONTH_DAY, _DATE_SLASH):
        for m in pattern.finditer(folded):
            add(m, None)
    found.sort(key=lambda f: f.start)

    # Year inference from the nearest preceding date that states its year.
    anchor: int | None = None
    inferred: list[DateFact] = []
    for fact in found:
        if fact.year is not None:
            anchor = fact.year
            inferred.append(fact)
        elif anchor is not None and valid_day(anchor, fact.month, fact.day):
            inferred.append(replace(fact, year=anchor, year_inferred=True))
        else:
            inferred.append(fact)
    return inferred
