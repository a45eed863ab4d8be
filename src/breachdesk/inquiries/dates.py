"""The window of plausible desk dates, checked on the way in and respected by every report.

A desk's dates come from people typing and from phone systems exporting: `0001-01-01` (an empty
date field), `9999-12-31` (a "no end" marker) and a year off by a century all happen. One such
row used to make every report of the incident refuse to build (a daily table of two thousand
years), so:

- **On the way in** (an inquiry's `received_at`, a call log's rows, a campaign's day, a
  forecast's day) a date must lie between `EARLIEST` (1 January 2000: no breach desk this
  software serves logged a call before) and a little after today: a received call at most one
  day ahead (`RECEIVED_AHEAD`, clock skew and time zones of phone systems), a campaign or a
  forecast at most `PLANNING_DAYS` ahead (a planned mailing). A time a person types for one
  call (the console's 受付日時, the API, `inquiry log --at`) is of a call already received: at
  most `TYPED_AHEAD` ahead (the clocks of their computer and the server). Anything else is an
  `InvalidInputError` naming 受付日時.
- **In reports**, rows stored before these checks existed are skipped when they fall outside
  the window, and the table says how many it left out (`daily_table`'s notes).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from breachdesk.errors import InvalidInputError

JST = ZoneInfo("Asia/Tokyo")
EARLIEST = date(2000, 1, 1)
RECEIVED_AHEAD = timedelta(days=1)
TYPED_AHEAD = timedelta(minutes=5)
PLANNING_DAYS = 366


def today_jst() -> date:
    """Today in Japan."""
    return datetime.now(JST).date()


def latest_day(today: date | None = None) -> date:
    """The last day a report or a plan may reach: today plus `PLANNING_DAYS`."""
    return (today or today_jst()) + timedelta(days=PLANNING_DAYS)


def check_received(
    moment: datetime | None, *, now: datetime | None = None, typed: bool = False
) -> datetime:
    """When an inquiry was received, as an aware JST datetime (naive = JST; None = now).

    Refused when it is before `EARLIEST`, more than `RECEIVED_AHEAD` in the future (`typed`,
    a time a person gives for one call: `TYPED_AHEAD`), or cannot be represented in JST at
    all (`9999-12-31T23:59:59-12:00`)."""
    current = now or datetime.now(JST)
    if moment is None:
        return current.astimezone(JST)
    try:
        at = moment.replace(tzinfo=JST) if moment.tzinfo is None else moment.astimezone(JST)
    except (OverflowError, ValueError):
        raise InvalidInputError(
            f"受付日時「{moment.isoformat()}」はありえない日時です", where="received_at"
        ) from None
    if typed and at.date() < EARLIEST:
        raise InvalidInputError(
            f"受付日時「{at:%Y-%m-%d %H:%M}」はありえない日時です"
            f"（{_ja(EARLIEST)}以降の日時を入力してください）",
            where="received_at",
        )
    if typed and at > current + TYPED_AHEAD:
        raise InvalidInputError(
            f"受付日時「{at:%Y-%m-%d %H:%M}」は未来の日時です"
            f"（今より後の受付は記録できません。今は{current.astimezone(JST):%Y-%m-%d %H:%M}）",
            where="received_at",
        )
    if at.date() < EARLIEST or at > current + RECEIVED_AHEAD:
        raise InvalidInputError(
            f"受付日時「{at:%Y-%m-%d %H:%M}」は受け付けられる範囲"
            f"（{_ja(EARLIEST)}から明日まで）の外です",
            where="received_at",
        )
    return at


def check_day(day: date, *, where: str, today: date | None = None) -> date:
    """A campaign's, a forecast's or a report bound's day: between `EARLIEST` and
    `latest_day()`."""
    last = latest_day(today)
    if not EARLIEST <= day <= last:
        raise InvalidInputError(
            f"{day.isoformat()} は受け付けられる範囲（{_ja(EARLIEST)}〜{_ja(last)}）の外です",
            where=where,
        )
    return day


def _ja(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
