"""The days a desk takes calls, as its organisation published them (土日祝日を除く, 年末年始 …).

The demo's fictional calls, the forecast after a campaign and the staffing table all follow
the incident's main desk: a day it is closed has no calls to take and needs no agents, and an
open day lasts the hours it publishes (`open_hours`, the staffing default). The rule is the
desk's own (`kb.contacts.Contact.is_open` at its opening time: weekends, Japanese public
holidays, the year-end break); an incident that published no hours is open every day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from breachdesk.db import Database
from breachdesk.kb.contacts import JST, Contact
from breachdesk.kb.service import describe_incident


def open_on(contact: Contact, day: date) -> bool | None:
    """Whether the desk opens at all on `day`; None when its hours are not published."""
    if contact.open_time is None:
        return None
    return contact.is_open(datetime.combine(day, contact.open_time, tzinfo=JST))


def main_desk(db: Database, slug: str) -> Contact | None:
    """The incident's main desk (its most-cited contact), if it published one."""
    contacts = describe_incident(db, slug).contacts
    return Contact.from_dict(contacts[0]) if contacts else None


def desk_days(db: Database, slug: str) -> Callable[[date], bool]:
    """`is_open(day)` for the incident's main desk: False only on a day it says it is closed."""
    contact = main_desk(db, slug)
    if contact is None or contact.open_time is None:
        return lambda _day: True
    return lambda day: open_on(contact, day) is not False


def open_hours(db: Database, slug: str) -> int | None:
    """How many hours a day the main desk is open (10:00–17:00 → 7, rounded up), from its
    published hours; None when it published none. Staffing and the forecast start from it."""
    contact = main_desk(db, slug)
    if contact is None or contact.open_time is None or contact.close_time is None:
        return None
    opens = contact.open_time.hour * 60 + contact.open_time.minute
    closes = contact.close_time.hour * 60 + contact.close_time.minute
    minutes = closes - opens if closes > opens else closes + 24 * 60 - opens
    return max(1, min(24, -(-minutes // 60)))


def staffing_hours(db: Database, slug: str, hours: int | None, profile: str | None) -> int | None:
    """The open hours staffing assumes: as given, else the profile's (None lets the profile
    decide), else the hours the incident's desk publishes (None: the model's default)."""
    if hours is not None or (profile is not None and profile.strip()):
        return hours
    return open_hours(db, slug)
