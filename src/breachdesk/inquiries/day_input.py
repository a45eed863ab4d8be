"""One parser for the days people type: every CLI date option and every console date field.

An operator copies a day from a notice or a spreadsheet, so `2026-09-03`, `2026/9/3`,
`2026.09.03`, `2026年9月3日` and `令和8年9月3日` all mean the same day; full-width digits are
folded first (`２０２６／９／３`). Two-digit years, month-day without a year and weekday
suffixes are refused rather than guessed: a report built on a guessed year is worse than an
error that says what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from breachdesk.errors import InvalidInputError

_ERAS = {"令和": 2018, "平成": 1988}
_NUMERIC = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_JAPANESE = re.compile(r"(令和|平成)?(\d{1,4}|元)年(\d{1,2})月(\d{1,2})日")

FORMATS_HINT = "YYYY-MM-DD, YYYY/MM/DD or YYYY年M月D日"


def parse_day(text: str, *, where: str | None = None) -> date:
    """The day `text` names, in any of the accepted spellings; else an `InvalidInputError`."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
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
            pass
    raise InvalidInputError(f"not a date ({FORMATS_HINT}): {text!r}", where=where)


def parse_optional_day(text: str | None, *, where: str | None = None) -> date | None:
    """`parse_day` for an optional field: blank means no day."""
    if text is None or not text.strip():
        return None
    return parse_day(text, where=where)
