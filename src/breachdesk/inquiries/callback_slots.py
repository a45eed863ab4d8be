"""The preferred times a callback request offers: the main desk's next open days, each split
into 午前 and 午後, from its published hours, closed days and Japanese holidays (weekdays 9–17,
holidays closed, when it publishes none). A slot already under way is not offered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from breachdesk.kb.contacts import JST, Contact
from breachdesk.kb.facts import DaysRule

SLOT_DAYS = 5
"""Open days offered as preferred times (each with its 午前 and 午後 slots)."""
LOOKAHEAD_DAYS = 31
"""How far ahead open days are searched (a long holiday closure still finds some)."""
NOON = dt.time(12, 0)
DEFAULT_HOURS = (dt.time(9, 0), dt.time(17, 0))
"""Hours assumed for a desk that publishes none: weekdays, holidays closed."""
_WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class Slot:
    """A preferred time a person can choose: when the desk calls from, and until."""

    start: dt.datetime
    end: dt.datetime

    @property
    def value(self) -> str:
        """The form value: the start in JST, ISO minutes (``2026-09-10T09:00``)."""
        return self.start.astimezone(JST).strftime("%Y-%m-%dT%H:%M")

    @property
    def label(self) -> str:
        """e.g. ``9月10日（木）午前 9:00〜12:00``."""
        start, end = self.start.astimezone(JST), self.end.astimezone(JST)
        half = "午前" if start.time() < NOON else "午後"
        day = f"{start.month}月{start.day}日（{_WEEKDAYS[start.weekday()]}）"
        return f"{day}{half} {start:%-H:%M}〜{end:%-H:%M}"


def main_contact(contacts: Sequence[Mapping[str, Any]]) -> Contact | None:
    """The desk the page shows first (the most-cited), if the incident publishes one."""
    return Contact.from_dict(contacts[0]) if contacts else None


def desk_closed(contacts: Sequence[Mapping[str, Any]], now: dt.datetime) -> bool:
    """Whether the main desk is closed at `now` by its published hours (False when unknown)."""
    contact = main_contact(contacts)
    return contact is not None and contact.is_open(now) is False


def _desk(contacts: Sequence[Mapping[str, Any]]) -> Contact:
    """The main desk, with `DEFAULT_HOURS` (weekdays, holidays closed) when it publishes none."""
    contact = main_contact(contacts)
    if contact is not None and contact.open_time is not None and contact.close_time is not None:
        return contact
    closed = DaysRule(saturday_open=False, sunday_open=False, holidays_open=False)
    return Contact(
        label=contact.label if contact else "",
        phone=contact.phone if contact else "",
        phone_kind=contact.phone_kind if contact else "landline",
        open_time=DEFAULT_HOURS[0],
        close_time=DEFAULT_HOURS[1],
        days=closed,
    )


def _day_slots(day: dt.date, opens: dt.time, closes: dt.time) -> list[Slot]:
    start = dt.datetime.combine(day, opens, JST)
    end = dt.datetime.combine(day, closes, JST)
    if closes <= opens:  # open past midnight: one slot to the closing time the next morning
        return [Slot(start, end + dt.timedelta(days=1))]
    if opens < NOON < closes:
        noon = dt.datetime.combine(day, NOON, JST)
        return [Slot(start, noon), Slot(noon, end)]
    return [Slot(start, end)]


def day_slots(contacts: Sequence[Mapping[str, Any]], now: dt.datetime) -> list[Slot]:
    """Every slot of the main desk's open days from `now`'s day on (`LOOKAHEAD_DAYS`)."""
    desk = _desk(contacts)
    opens, closes = cast(dt.time, desk.open_time), cast(dt.time, desk.close_time)
    today = now.astimezone(JST).date()
    slots: list[Slot] = []
    for offset in range(LOOKAHEAD_DAYS):
        day = today + dt.timedelta(days=offset)
        # Open at its opening time: the desk's own rule (closed days, holidays, year end).
        if desk.is_open(dt.datetime.combine(day, opens, JST)):
            slots.extend(_day_slots(day, opens, closes))
    return slots


def open_slots(
    contacts: Sequence[Mapping[str, Any]], now: dt.datetime, *, days: int = SLOT_DAYS
) -> list[Slot]:
    """The preferred times offered at `now`: the slots not yet begun on the next `days` open
    days of the main desk (a slot under way is not offered: the desk can be called now)."""
    later = [s for s in day_slots(contacts, now) if s.start > now]
    kept_days = sorted({s.start.astimezone(JST).date() for s in later})[:days]
    return [s for s in later if s.start.astimezone(JST).date() in kept_days]


def chosen_slot(contacts: Sequence[Mapping[str, Any]], value: str, now: dt.datetime) -> Slot | None:
    """The slot a form sent, if it is one of the desk's and has not ended (a form opened a
    while ago may send a slot that has begun since; it is still a real time to call)."""
    return next((s for s in day_slots(contacts, now) if s.value == value and s.end > now), None)
