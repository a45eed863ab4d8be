"""Date evidence: does an entry settle the time a question names?

"2020年5月に買った" must reach the entry that says orders after 2020年4月8日 are safe, and
"2021年12月に寄付した" the period 令和3年10月14日～令和4年1月25日. People also name times
more loosely: a year (2021年, 令和3年), a season (令和元年の夏, 去年の春), a year relative to
the notice (去年, 昨年, 今年, おととし). Each becomes a span of days and is placed against every
published period: an entry whose period overlaps the span settles the question.

The entries' dates and periods come from `kb.facts` (西暦 and 和暦 alike); a relative year is
counted from the incident's reference day (`reference_day`: the latest published date that is
not in the future — in a notice, its own date or the end of the period it reports).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from breachdesk.kb.facts import DateFact, Facts, extract_facts
from breachdesk.kb.facts.periods import DateRange


@dataclass(frozen=True)
class Span:
    """The days a question's time expression covers, both ends inclusive."""

    first: dt.date
    last: dt.date

    def overlaps(self, lower: dt.date | None, upper: dt.date | None) -> bool:
        return (upper is None or self.first <= upper) and (lower is None or self.last >= lower)


_ERA_BASE = {"令和": 2018, "平成": 1988}
_RELATIVE_YEAR = {"去年": -1, "昨年": -1, "今年": 0, "本年": 0, "一昨年": -2, "おととし": -2}
_YEAR = r"(?:(?P<era>令和|平成)\s*(?P<ey>元|\d{1,2})\s*年|(?P<y>(?:19|20)\d{2})\s*年|(?P<rel>一昨年|おととし|去年|昨年|今年|本年))"
_SEASON_MONTHS = {"春": (3, 5), "夏": (6, 8), "秋": (9, 11)}
# A year, then optionally の and a season or a month: 令和元年の夏, 去年の春, 2021年, 昨年の5月.
_YEAR_EXPR = re.compile(
    _YEAR + r"(?:\s*(?:の|度の|度)?\s*(?:(?P<season>春|夏|秋|冬)|(?P<m>\d{1,2})\s*月))?"
)
_DAY_AFTER = re.compile(r"\s*\d{1,2}\s*日")
# A season without a year, said as a time: 夏頃, 春に, 秋ごろ (counted in the reference year).
_BARE_SEASON = re.compile(
    r"(?<![\w])(?P<season>春|夏|秋|冬)(?:頃|ごろ|ころ|くらい|ぐらい|あたり|先|に|の間)"
)


def reference_day(facts: Sequence[Facts], today: dt.date | None = None) -> dt.date | None:
    """The latest published day not after `today`: what 去年 and 今年 are counted from."""
    today = today or dt.date.today()
    days: list[dt.date] = []
    for f in facts:
        days.extend(d for fact in f.dates for d in (fact.last_day,) if d is not None)
    days = [d for d in days if d <= today]
    return max(days) if days else None


def _year_of(found: re.Match[str], reference: dt.date | None) -> int | None:
    if found.group("era"):
        ey = found.group("ey")
        return _ERA_BASE[found.group("era")] + (1 if ey == "元" else int(ey))
    if found.group("y"):
        return int(found.group("y"))
    if reference is None:
        return None
    return reference.year + _RELATIVE_YEAR[found.group("rel")]


def _season_spans(year: int, season: str) -> list[Span]:
    if season == "冬":
        # 2021年の冬: its first two months and its December.
        return [
            Span(dt.date(year, 1, 1), dt.date(year, 2, calendar.monthrange(year, 2)[1])),
            Span(dt.date(year, 12, 1), dt.date(year, 12, 31)),
        ]
    first, last = _SEASON_MONTHS[season]
    return [Span(dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]))]


def question_spans(question: str, reference: dt.date | None = None) -> list[Span]:
    """The spans of days a question's years, seasons and relative years name.

    Full dates and months with a year are `question_dates`' (kb.facts) business; this reads
    what they leave: a year alone, a season, a year said relative to the notice."""
    text = unicodedata.normalize("NFKC", question)
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []
    for found in _YEAR_EXPR.finditer(text):
        year = _year_of(found, reference)
        if year is None or not 1900 <= year <= 2100:
            continue
        taken.append(found.span())
        if found.group("season"):
            spans.extend(_season_spans(year, found.group("season")))
        elif found.group("m"):
            month = int(found.group("m"))
            if _DAY_AFTER.match(text, found.end()):
                continue  # a whole date: question_dates places it to the day
            if 1 <= month <= 12:
                last = calendar.monthrange(year, month)[1]
                spans.append(Span(dt.date(year, month, 1), dt.date(year, month, last)))
        else:
            spans.append(Span(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if reference is not None:
        for found in _BARE_SEASON.finditer(text):
            if any(a <= found.start() < b for a, b in taken):
                continue
            season = found.group("season")
            # The latest such season that had begun by the reference day.
            year = reference.year
            start_month = 12 if season == "冬" else _SEASON_MONTHS[season][0]
            if dt.date(year, start_month, 1) > reference:
                year -= 1
            spans.extend(_season_spans(year, season))
    return spans


def question_dates(question: str) -> list[DateFact]:
    """The dates and months a question names."""
    return list(extract_facts(question).dates)


def _bounds(period: DateRange) -> tuple[dt.date | None, dt.date | None] | None:
    """A period's first and last day (None: open on that side); None when a year is unknown."""
    lower = upper = None
    if period.first is not None:
        lower = period.first.first_day if period.kind != "after" else period.first.last_day
        if lower is None:
            return None
    if period.last is not None:
        upper = period.last.last_day if period.kind != "before" else period.last.first_day
        if upper is None:
            return None
    return lower, upper


# An entry that publishes a period settles a dated question even when the date falls outside
# it (去年の春 against 2026年3月1日~8月31日: "not affected"), so it scores, below one that holds it.
SETTLES_BY_EXCLUSION = 0.3


def date_score(asked: Sequence[DateFact], facts: Facts, spans: Sequence[Span] = ()) -> float:
    """1.0 when the entry's period holds an asked date (or overlaps an asked year or season)
    or the entry names the same day; 0.5 the same month, or a dated day inside an asked span;
    `SETTLES_BY_EXCLUSION` a published period the asked time falls outside of."""
    best = 0.0
    dated = spans or any(q.year is not None for q in asked)
    if dated and any(_bounds(p) not in (None, (None, None)) for p in facts.ranges):
        best = SETTLES_BY_EXCLUSION
    for q in asked:
        if q.year is not None:
            probes = [d for d in (q.first_day, q.last_day) if d is not None]
            for period in facts.ranges:
                if any(period.contains(d) is True for d in probes):
                    return 1.0
        for d in facts.dates:
            if d.month != q.month or (q.year is not None and d.year not in (None, q.year)):
                continue
            if q.day is not None and d.day == q.day:
                return 1.0
            best = max(best, 0.5 if q.day is None or d.day is None else 0.0)
    for span in spans:
        for period in facts.ranges:
            bounds = _bounds(period)
            if bounds is not None and bounds != (None, None) and span.overlaps(*bounds):
                return 1.0
        for d in facts.dates:
            day = d.first_day
            if day is not None and span.first <= day <= span.last:
                best = max(best, 0.5)
    return best


def date_scores(
    question: str, entry_facts: Sequence[Facts], reference: dt.date | None = None
) -> NDArray[np.float64]:
    """`date_score` for every entry (all zero when the question names no time)."""
    asked = question_dates(question)
    spans = question_spans(question, reference)
    if not asked and not spans:
        return np.zeros(len(entry_facts))
    return np.array([date_score(asked, f, spans) for f in entry_facts], dtype=np.float64)
