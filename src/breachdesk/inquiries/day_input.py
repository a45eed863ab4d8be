"""One parser for the days and times people type: every CLI date option, every console date
field, a call log's date-time column and `inquiry log --at`.

An operator copies a day from a notice or a spreadsheet, so `2026-09-03`, `2026/9/3`,
`2026.09.03`, `2026年9月3日` and `令和8年9月3日` all mean the same day; full-width digits are
folded first (`２０２６／９／３`). Two-digit years, month-day without a year and weekday
suffixes are refused rather than guessed: a report built on a guessed year is worse than an
error that says what was typed.

A moment (`parse_moment`) is such a day and a time of day: `10:15`, `10:15:30`, `10時15分`,
`10時`, `午後3時5分` (午前/午後 on a 12-hour clock), after a space, a `T` or straight after `日`;
or ISO 8601 with an offset (`2026-09-03T10:15+09:00`). A time without an offset is Japan time.
A day without a time is refused: a call logged at midnight by default would sit in the wrong
hour of every staffing figure.

The messages are Japanese and quote what was typed: operators read them on the console.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from breachdesk.errors import InvalidInputError

_ERAS = {"令和": 2018, "平成": 1988}
_NUMERIC = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_JAPANESE = re.compile(r"(令和|平成)?(\d{1,4}|元)年(\d{1,2})月(\d{1,2})日")

_TIME = re.compile(
    r"(?P<half>午前|午後)?(?P<hour>\d{1,2})(?:"
    r":(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"|時(?:(?P<jminute>\d{1,2})分(?:(?P<jsecond>\d{1,2})秒)?)?)"
)
_DAY_THEN_TIME = re.compile(r"(?P<day>.+?日|[^\sT]+)(?:\s*|T)(?P<time>(?:午前|午後)?\d.*)")
JST = ZoneInfo("Asia/Tokyo")

FORMATS_HINT = "2026-09-03、2026/9/3、2026年9月3日 のように入力してください"
MOMENT_HINT = (
    "2026-09-03 10:15、2026/9/3 10:15、2026年9月3日 10時15分 のように日付と時刻を入力してください"
)


def parse_day(text: str, *, where: str | None = None) -> date:
    """The day `text` names, in any of the accepted spellings; else an `InvalidInputError`."""
    found = _day(unicodedata.normalize("NFKC", text).strip().replace(" ", ""))
    if found is None:
        raise InvalidInputError(f"「{text}」は日付として読めません（{FORMATS_HINT}）", where=where)
    return found


def parse_moment(text: str, *, where: str | None = None, field: str = "") -> datetime:
    """The moment `text` names (see the module docstring), as an aware datetime (naive = JST);
    else an `InvalidInputError` quoting `text`, after `field` (the field's Japanese name, so
    that the message says which field: 受付日時「昨日」は…)."""
    folded = unicodedata.normalize("NFKC", text).strip()
    moment = _iso_moment(folded)
    if moment is None and (split := _DAY_THEN_TIME.fullmatch(folded)):
        day = _day(split["day"].replace(" ", ""))
        clock = _clock(split["time"].replace(" ", ""))
        if day is not None and clock is not None:
            moment = datetime.combine(day, clock)
    if moment is None:
        raise InvalidInputError(
            f"{field}「{text}」は日時として読めません（{MOMENT_HINT}）", where=where
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=JST)


def _iso_moment(text: str) -> datetime | None:
    """ISO 8601 with a time (`2026-09-03T10:15`, `2026-09-03 10:15:30+09:00`), else None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _clock(text: str) -> time | None:
    found = _TIME.fullmatch(text)
    if found is None:
        return None
    hour = int(found["hour"])
    minute = int(found["minute"] or found["jminute"] or 0)
    second = int(found["second"] or found["jsecond"] or 0)
    if found["half"]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if found["half"] == "午後" else 0)
    try:
        return time(hour, minute, second)
    except ValueError:
        return None


def _day(folded: str) -> date | None:
    year = month = day = None
    if found := _NUMERIC.fullmatch(folded):
        year, month, day = (int(g) for g in found.groups())
    elif found := _JAPANESE.fullmatch(folded):
        era, year_text, month_text, day_text = found.groups()
        number = 1 if year_text == "元" else int(year_text)
        if era is None and year_text != "元" and len(year_text) == 4:
            year = number
        elif era is not None:
            year = _ERAS[era] + number
        month, day = int(month_text), int(day_text)
    if year is not None and month is not None and day is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def parse_optional_day(text: str | None, *, where: str | None = None) -> date | None:
    """`parse_day` for an optional field: blank means no day."""
    if text is None or not text.strip():
        return None
    return parse_day(text, where=where)
