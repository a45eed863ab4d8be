"""What an organisation's own notice states about the leak itself: when it was discovered, why
it happened, and when it happened — the facts the 漏えい等報告 asks for first.

Pure functions over the texts of the imported entries (notice passages and FAQ answers), and
nothing composed: each fact is the organisation's sentence, quoted, plus the day it names.

Judgement calls, in one place:

- **Sentences** end at 。 or a line break; a fact is read from one sentence only.
- **発覚日**: the first sentence that says the leak became known (発覚, 判明, 連絡を受け,
  連絡があり, 指摘を受け, 検知, 認識) and names a single day. A day that opens or closes a
  period (…から, …まで, …にわたって, ~) is the period of the leak, not its discovery, and is
  skipped. A month and day without a year take the year last written before them in the same
  text (notices write the year once); 令和/平成 years are converted.
- **原因**: the first sentence that attributes the leak (…が原因, …ことが原因, 原因は…,
  原因と判明); a sentence that only mentions 原因 (「流出原因の防止」) does not count.
- **発生日**: the first period (from a day to a day) in a sentence about the exposure or the
  unauthorised access, else the first day of an unauthorised-access sentence.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

_SENTENCE = re.compile(r"[^。\n]+。?")
_DAY = re.compile(
    r"(?:(?P<era>令和|平成)(?P<era_year>\d{1,2}|元)年|(?P<year>\d{4})年)?"
    r"(?P<month>\d{1,2})月(?P<day>\d{1,2})日"
)
_YEAR = re.compile(r"(?:(令和|平成)(\d{1,2}|元)|(\d{4}))年")
_ERAS = {"令和": 2018, "平成": 1988}
_DISCOVERY = re.compile(r"発覚|判明|連絡を受け|連絡があり|指摘を受け|検知|認識")
_PERIOD_EDGE = re.compile(
    r"^\s*(?:\([^)]*\)|（[^）]*）)?\s*(?:から|まで|にわたって|にかけて|~|〜|～|-|－|より)"
)
_CAUSE = re.compile(r"が原因|ことが原因|原因は|原因と判明|原因であ")
_ATTACK = re.compile(r"不正アクセス|不正にアクセス|改ざん|攻撃")
_OCCURRENCE = re.compile(r"不正アクセス|不正にアクセス|改ざん|攻撃|期間|対象")


@dataclass(frozen=True)
class Quote:
    """A sentence of the organisation's, and the day it names (if the fact is a day)."""

    sentence: str
    day: date | None = None
    until: date | None = None
    """The last day, when the fact is a period (発生日 as an exposure period)."""

    def day_text(self) -> str:
        """The day (or period) in Japanese, e.g. 2026年9月3日 or 2026年3月1日〜2026年8月31日."""
        if self.day is None:
            return ""
        first = f"{self.day.year}年{self.day.month}月{self.day.day}日"
        if self.until is None:
            return first
        return f"{first}〜{self.until.year}年{self.until.month}月{self.until.day}日"


@dataclass(frozen=True)
class NoticeFacts:
    """The leak's discovery day, cause and time of occurrence, as the notice states them."""

    discovered: Quote | None = None
    cause: Quote | None = None
    occurred: Quote | None = None


@dataclass(frozen=True)
class _Day:
    day: date
    start: int
    end: int


def _era_year(era: str | None, number: str) -> int:
    value = 1 if number == "元" else int(number)
    return _ERAS[era] + value if era else value


def _days(sentence: str, year: int | None) -> tuple[list[_Day], int | None]:
    """The days of a sentence (years carried over from `year`), and the year last written."""
    found: list[_Day] = []
    for match in _DAY.finditer(sentence):
        if match["year"]:
            year = int(match["year"])
        elif match["era"]:
            year = _era_year(match["era"], match["era_year"])
        if year is None:
            continue
        try:
            found.append(_Day(date(year, int(match["month"]), int(match["day"])), *match.span()))
        except ValueError:
            continue
    for match in _YEAR.finditer(sentence):  # a year written alone ("2026年の…") carries too
        year = _era_year(match[1], match[2]) if match[1] else int(match[3])
    return found, year


def _sentences(texts: Iterable[str]) -> Iterable[tuple[str, list[_Day]]]:
    for text in texts:
        year: int | None = None
        for match in _SENTENCE.finditer(unicodedata.normalize("NFKC", text)):
            sentence = match.group().strip()
            if not sentence:
                continue
            days, year = _days(sentence, year)
            yield sentence, days


def _single_days(sentence: str, days: list[_Day]) -> list[_Day]:
    """The days that stand alone, not the ends of a period."""
    alone = []
    for d in days:
        if _PERIOD_EDGE.match(sentence[d.end :]):
            continue
        if sentence[: d.start].rstrip().endswith(("~", "〜", "～", "から")):
            continue
        alone.append(d)
    return alone


def notice_facts(texts: Iterable[str]) -> NoticeFacts:
    """The discovery day, the cause and the time of occurrence the texts state (see the module
    docstring for how each is recognised); a fact nothing states is `None`."""
    discovered = cause = occurred = None
    for sentence, days in _sentences(texts):
        if discovered is None and _DISCOVERY.search(sentence):
            single = _single_days(sentence, days)
            if single:
                discovered = Quote(sentence, single[0].day)
        if cause is None and _CAUSE.search(sentence) and not sentence.rstrip("。").endswith("?"):
            cause = Quote(sentence)
        if occurred is None and _OCCURRENCE.search(sentence) and days:
            period = _period(sentence, days)
            if period is not None:
                occurred = period
            elif _ATTACK.search(sentence):
                on = [d for d in days if re.match(r"(?:頃|ごろ)?(?:に|、)", sentence[d.end :])]
                occurred = Quote(sentence, on[0].day) if on else None
    return NoticeFacts(discovered, cause, occurred)


def _period(sentence: str, days: list[_Day]) -> Quote | None:
    for first, last in itertools.pairwise(days):
        between = sentence[first.end : last.start]
        if (
            len(between) <= 12
            and re.search(r"から|~|〜|～|より", between)
            and first.day <= last.day
        ):
            return Quote(sentence, first.day, last.day)
    return None
