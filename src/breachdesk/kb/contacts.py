"""The incident's contact desks: phone, hours, closed days and mail, read off its entries.

`find_contacts(entries)` is pure: parsed entries in, `Contact` values out, most-cited first.
A desk is a phone number (not FAX; third-party short numbers such as 188, press lines and the
desks of other bodies — 消費生活センター, 警察 — only when nothing else is published) grouped with the hours, closed-days rule and mail address
written near it: on the same line, the few lines after it, or the lines of its block before
it (a block ends at a blank line or at another desk's number), as in

    ≪… お客様相談窓口≫
    ・受付時間:10:00~18:00(年末年始を除く)
    ・電話番号:フリーダイヤル 0120-…
    ・メールアドレス:info@…

Every mention of the same number is one *citation*; a desk merges its citations, taking each
field from the most complete one (a citation in a ``contact`` entry first).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import jpholiday

from breachdesk import pacing
from breachdesk.kb.facts import (
    DaysRule,
    Facts,
    HoursFact,
    MailFact,
    PhoneFact,
    PhoneKind,
    extract_facts,
)
from breachdesk.kb.facts.phones import find_phones
from breachdesk.kb.facts.text import URL, fold
from breachdesk.kb.parsed import ParsedEntry

JST = dt.timezone(dt.timedelta(hours=9), "JST")
"""Japan Standard Time (no daylight saving), the clock every desk's hours are written in."""

_LINES_AFTER = 4
"""How many non-blank lines after a phone's line may still describe its desk."""
_LINES_BEFORE = 3
"""How many lines of the phone's block before it may describe its desk."""

_HEADING = re.compile(
    r"^[\s・]*(?:≪(?P<a>[^≫]+)≫|<<(?P<b>[^>]+)>>|《(?P<c>[^》]+)》|【(?P<d>[^】]+)】)\s*$"
)
_DESK_NAME = re.compile(
    r"[^\s、。,:：・「」()（）【】\[\]<>≪≫]*?(?:窓口|デスク|センター|係|ホットライン|ダイヤル|相談室)"
)
_GENERIC_DIALS = frozenset({"フリーダイヤル", "ナビダイヤル", "ダイヤル"})
_DESK_LINE = re.compile(
    r"(?:窓口|デスク|センター|係|室|部|課|問い?合わ?せ先|ダイヤル|ホットライン)$"
)
_PRESS = re.compile(r"報道|プレス|メディア|(?<![A-Za-z])IR(?![A-Za-z])|投資家")
_OTHER_BODY = re.compile(
    r"消費生活(?:センター|相談)|消費者ホットライン|国民生活センター|警察|#9110|個人情報保護委員会"
    r"|法テラス|消費者庁"
)
"""Public bodies a notice points to for scams and advice: their desks are not the incident's."""
_DIGIT = re.compile(r"\d")

_F = TypeVar("_F", HoursFact, MailFact)
_Rank = Callable[[int], float | None]
"""Maps a character offset to its line's distance rank from the phone, or None off-window."""


@dataclass(frozen=True)
class Contact:
    """A contact desk of the incident, as published.

    `hours_text` is the hours (and closed days) as written, for display; `open_time`/
    `close_time` are ``None`` when no hours are published. `source_entry` is the index, in the
    sequence given to `find_contacts`, of the entry the desk was mainly read from.
    """

    label: str
    phone: str
    phone_kind: PhoneKind
    mail: str | None = None
    hours_text: str | None = None
    open_time: dt.time | None = None
    close_time: dt.time | None = None
    days: DaysRule = field(default_factory=DaysRule)
    source_entry: int = 0

    def is_open(self, at: dt.datetime) -> bool | None:
        """Whether the desk is open at `at` (naive values are read as JST).

        ``None`` when the hours are unknown. Japanese public holidays come from `jpholiday`;
        the year-end period closes the desk when its rule says so. A closing time before the
        opening time means the desk is open past midnight.
        """
        if self.open_time is None or self.close_time is None:
            return None
        local = at.replace(tzinfo=JST) if at.tzinfo is None else at.astimezone(JST)
        day, now = local.date(), local.time().replace(tzinfo=None)
        if self.days.year_end_closed and self.days.in_year_end(day):
            return False
        if not self.days.holidays_open and bool(jpholiday.is_holiday(day)):
            return False
        if day.weekday() == 5 and not self.days.saturday_open:
            return False
        if day.weekday() == 6 and not self.days.sunday_open:
            return False
        if self.open_time <= self.close_time:
            return self.open_time <= now < self.close_time
        return now >= self.open_time or now < self.close_time

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (times in ISO format)."""
        return {
            "label": self.label,
            "phone": self.phone,
            "phone_kind": self.phone_kind,
            "mail": self.mail,
            "hours_text": self.hours_text,
            "open_time": self.open_time.isoformat() if self.open_time else None,
            "close_time": self.close_time.isoformat() if self.close_time else None,
            "days": self.days.to_dict(),
            "source_entry": self.source_entry,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Contact:
        """Rebuild from `to_dict` output."""
        open_time, close_time = data.get("open_time"), data.get("close_time")
        return cls(
            label=data["label"],
            phone=data["phone"],
            phone_kind=data["phone_kind"],
            mail=data.get("mail"),
            hours_text=data.get("hours_text"),
            open_time=dt.time.fromisoformat(open_time) if open_time else None,
            close_time=dt.time.fromisoformat(close_time) if close_time else None,
            days=DaysRule.from_dict(data.get("days") or {}),
            source_entry=data.get("source_entry", 0),
        )


@dataclass(frozen=True)
class _Citation:
    """One mention of a desk phone with what was written near it."""

    phone: PhoneFact
    entry: int
    in_contact_entry: bool
    label: str
    label_rank: int
    hours: HoursFact | None
    hours_text: str | None
    days: DaysRule
    mail: MailFact | None
    press: bool
    other_body: bool

    @property
    def completeness(self) -> int:
        """How many of hours, days rule and mail this citation found (to pick the best one)."""
        return sum((self.hours is not None, bool(self.days.raw), self.mail is not None))


def find_contacts(entries: Sequence[ParsedEntry]) -> list[Contact]:
    """Return the incident's contact desks found in `entries`, the most-cited desk first.

    Desks are ordered by how often their number is cited, then by whether a ``contact``
    entry cites them, then by first appearance. FAX numbers are never desks; press lines
    and third-party short numbers (188) are returned only when no other desk is published.
    """
    citations: dict[str, list[_Citation]] = {}
    for index, entry in enumerate(pacing.paced(entries)):
        for citation in _cite(index, entry):
            citations.setdefault(citation.phone.digits, []).append(citation)

    def tier(group: list[_Citation]) -> int:
        if group[0].phone.kind == "short":
            return 2
        return 1 if all(c.press or c.other_body for c in group) else 0

    if not citations:
        return []
    best_tier = min(tier(group) for group in citations.values())
    groups = [g for g in citations.values() if tier(g) == best_tier]
    groups.sort(
        key=lambda g: (
            -len(g),
            not any(c.in_contact_entry for c in g),
            min((c.entry, c.phone.start) for c in g),
        )
    )
    return [_merge(group) for group in groups]


def _merge(group: list[_Citation]) -> Contact:
    """One desk from all its citations, each field from the best citation that has it."""
    ranked = sorted(group, key=lambda c: (not c.in_contact_entry, -c.completeness, c.entry))
    best = ranked[0]
    timed = next((c for c in ranked if c.hours is not None), None)
    days_from = next((c for c in ranked if c.days.raw), None)
    mail = next((c.mail for c in ranked if c.mail is not None), None)
    label = max(ranked, key=lambda c: c.label_rank).label  # first of the best rank
    days = (timed if timed and timed.days.raw else days_from or best).days
    hours_text = (timed or days_from or best).hours_text
    if hours_text and days.raw and days.raw not in hours_text:
        hours_text = f"{hours_text} {days.raw}"
    return Contact(
        label=label,
        phone=best.phone.number,
        phone_kind=best.phone.kind,
        mail=mail.address if mail else None,
        hours_text=hours_text,
        open_time=timed.hours.open if timed and timed.hours else None,
        close_time=timed.hours.close if timed and timed.hours else None,
        days=days,
        source_entry=(timed or best).entry,
    )


def _cite(index: int, entry: ParsedEntry) -> list[_Citation]:
    """The desk-phone citations of one entry (its question line, then its answer)."""
    text = f"{entry.question}\n{entry.answer}"
    # Most entries cite no phone at all; the phone finder alone is cheap, every other finder
    # is not (an approval re-reads all of a 5,000-entry incident's entries).
    folded = fold(text)
    urls = [(m.start(), m.end()) for m in URL.finditer(folded)]
    if not any(p.kind != "fax" for p in find_phones(text, folded, urls)):
        return []
    facts = extract_facts(text)
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    desk_phones = [p for p in facts.phones if p.kind != "fax"]
    phone_lines: dict[int, set[str]] = {}
    for p in desk_phones:
        phone_lines.setdefault(line_of(p.start), set()).add(p.digits)

    fallback_label = entry.section[-1] if entry.section else entry.question.strip()
    citations = []
    for phone in desk_phones:
        here = line_of(phone.start)
        window = _window(lines, here, phone.digits, phone_lines)

        def rank(offset: int, window: dict[int, float] = window) -> float | None:
            return window.get(line_of(offset))

        hours = _nearest(facts.hours, rank, phone.start)
        days = _days_near(facts, hours, rank, line_of, phone.start)
        mail = _nearest(facts.mails, rank, phone.start)
        label, label_rank = _label(lines, here, window, text[starts[here] : phone.start])
        press = any(_PRESS.search(lines[i]) for i in window if i <= here)
        other_body = bool(_OTHER_BODY.search(lines[here]) or _OTHER_BODY.search(label or ""))
        citations.append(
            _Citation(
                phone=phone,
                entry=index,
                in_contact_entry=entry.kind == "contact",
                label=label or fallback_label,
                label_rank=label_rank,
                hours=hours,
                hours_text=_hours_text(text, hours, days),
                days=days,
                mail=mail,
                press=press,
                other_body=other_body,
            )
        )
    return citations


def _window(
    lines: list[str], here: int, digits: str, phone_lines: dict[int, set[str]]
) -> dict[int, float]:
    """Lines that may describe the desk on line `here`, each with a distance rank."""

    def other_desk(i: int) -> bool:
        return bool(phone_lines.get(i, set()) - {digits})

    window: dict[int, float] = {here: 0.0}
    seen = 0
    for i in range(here + 1, len(lines)):
        if other_desk(i) or seen >= _LINES_AFTER:
            break
        if lines[i].strip():
            seen += 1
            window[i] = float(i - here)
    for i in range(here - 1, max(-1, here - 1 - _LINES_BEFORE), -1):
        if not lines[i].strip() or other_desk(i):
            break
        window[i] = here - i + 0.5
    return window


def _nearest(found: Sequence[_F], rank: _Rank, anchor: int) -> _F | None:
    """The fact in the window closest to the phone: by line rank, then by character distance."""
    scored = [(r, abs(f.start - anchor), f) for f in found if (r := rank(f.start)) is not None]
    return min(scored, key=lambda s: (s[0], s[1]))[2] if scored else None


def _days_near(
    facts: Facts, hours: HoursFact | None, rank: _Rank, line_of: Callable[[int], int], anchor: int
) -> DaysRule:
    """The closed-days rule of the desk: every rule on the hours' line, else the nearest one."""
    rule = DaysRule()
    if hours is not None:
        for found in facts.days:
            if line_of(found.start) == line_of(hours.start):
                rule = rule.merge(found)
        if rule.raw:
            return rule
    scored = [(r, abs(d.start - anchor), d) for d in facts.days if (r := rank(d.start)) is not None]
    return min(scored, key=lambda s: (s[0], s[1]))[2] if scored else rule


def _label(lines: list[str], here: int, window: dict[int, float], prefix: str) -> tuple[str, int]:
    """The desk's name and how sure we are of it (3 heading, 2 desk name, 1 generic dial, 0 none).

    A bracketed heading line of the block (≪…≫, <<…>>, 《…》, 【…】) wins; then a desk name
    written just before the number (…窓口, …デスク, …係); then a block line naming a desk or
    office; then フリーダイヤル-style words.
    """
    for i in sorted((i for i in window if i < here), reverse=True):
        heading = _HEADING.match(lines[i])
        if heading and not _DIGIT.search(lines[i]):
            return next(g for g in heading.groups() if g).strip(), 3
    names = [m for m in _DESK_NAME.finditer(prefix) if len(prefix) - m.end() <= 12]
    generic = ""
    for m in reversed(names):
        name = m.group().strip()
        if name in _GENERIC_DIALS or name.endswith("フリーダイヤル"):
            generic = generic or name
            continue
        return name, 2
    for i in sorted((i for i in window if i < here), reverse=True):
        line = lines[i].strip(" \t・-")
        if (
            line
            and len(line) <= 40
            and not _DIGIT.search(line)
            and _DESK_LINE.search(line)
            and line not in _GENERIC_DIALS
        ):
            return line, 2
    return generic, 1 if generic else 0


def _hours_text(text: str, hours: HoursFact | None, days: DaysRule) -> str | None:
    """The hours as published: the slice from the hours through an adjacent days phrase."""
    if hours is None:
        return days.raw or None
    if not days.raw:
        return hours.raw
    gap = text[hours.end : days.start]
    if 0 <= len(gap) <= 2 and "\n" not in gap and days.start >= hours.end:
        shown = text[hours.start : days.end]
        if shown.count("(") > shown.count(")") and text[days.end : days.end + 1] == ")":
            shown += ")"
        elif shown.count("（") > shown.count("）") and text[days.end : days.end + 1] == "）":
            shown += "）"
        return shown
    return f"{hours.raw} {days.raw}"
