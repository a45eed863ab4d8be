"""The demo incident's fictional inquiry desk: six weeks of calls that end now, and campaigns.

Generated, not recorded: a deterministic random model of a leak desk (a first wave after the
announcement, a second after each notification campaign, busy lines at the peaks), so that the
demo's dashboard, reports, charts and staffing pages have something realistic to show. The
desk keeps the hours its own notice publishes (10:00–17:00, 土日祝日を除く): no calls on a
weekend or a public holiday, none outside the hours; the calls a closed day would have had come
the next open day.

Only the desk's history moves with the clock; the demo documents keep their dates.

- **The first run** announces the leak on the first open day of the six weeks that end today
  (JST), logs the two campaigns that followed (a mail on the sixth day, an SMS to those the mail
  did not reach on the twentieth) and plans the next one after today, then logs every call up
  to the current minute — never a call later than now.
- **A later run** brings the desk up to date: it logs the calls since the last run (on the day
  of the last generated call, those after the ones already logged; then every day up to now),
  and plans a new campaign when none is left after today. Nothing is logged twice.
- **Deterministic by day**: a day's calls come from a random generator seeded with the day, so
  running the demo at 11:00 and again at 15:00 gives the same calls as running it once at 15:00.
  The model reads the announcement day (the first generated call's day) and the campaigns back
  from the database.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import Inquiry
from breachdesk.inquiries.calllog import import_call_log
from breachdesk.inquiries.campaigns import CampaignView, add_campaign, list_campaigns
from breachdesk.inquiries.desk_days import main_desk, open_on
from breachdesk.kb.contacts import JST, Contact
from breachdesk.kb.service import get_incident

SEED = 2026
DAYS = 42
"""Six weeks, today included."""
CALL_LOG = "sakura-calls"
"""Every generated call log's file name starts so; its calls' source is ``calllog:sakura-calls…``."""
AGENTS = 2
CAMPAIGNS = (
    (6, "mail", 3210, "お詫びとお知らせメール配信"),
    (20, "sms", 412, "メール不達の方へSMS配信"),
)
"""The campaigns after the announcement: (days after it, channel, audience, note)."""
PLANNED_AFTER = 8
"""The next campaign is planned on the first open day at least this many days after today."""
NEXT_CAMPAIGNS = (
    ("letter", 180, "メール・SMSが届かなかった方へ書面でお知らせ"),
    ("mail", 3210, "カード再発行手続きのご案内メール配信"),
    ("sms", 412, "お詫びの品（QUOカードPay）のご案内SMS配信"),
)
"""What the next campaign is, in turn (the nth campaign planned by the demo takes the nth)."""
NOTES = (
    ("対象確認", "自分が対象か知りたい"),
    ("漏えい項目", "セキュリティコードも漏れたのか"),
    ("不正利用", "身に覚えのない請求がある"),
    ("カード再発行・手数料", "再発行の手数料について"),
    ("パスワード", "パスワードを変えるべきか"),
    ("補償・QUOカードPay", "お詫びの品はいつ届くか"),
    ("不審な連絡", "不審なSMSが届いた"),
    ("退会・削除", "会員を退会したい"),
    ("その他", ""),
)
WEIGHTS = (30, 18, 9, 12, 5, 8, 6, 4, 8)


@dataclass(frozen=True)
class Call:
    at: datetime
    answered: bool
    seconds: int | None
    agent: str
    category: str
    note: str


@dataclass(frozen=True)
class DeskUpdate:
    """What a run of the demo did to the desk."""

    calls: int
    campaigns: list[CampaignView]
    first: date | None
    """The first and last day with a call added (None when none was)."""
    last: date | None


def _is_open(desk: Contact | None, day: date) -> bool:
    return desk is None or open_on(desk, day) is not False


def _open_from(desk: Contact | None, day: date) -> date:
    """`day`, or the first day after it that the desk opens."""
    for k in range(30):
        if _is_open(desk, day + timedelta(days=k)):
            return day + timedelta(days=k)
    return day


def volume(day: date, announced: date, campaigns: Sequence[CampaignView]) -> float:
    """Expected calls on `day`: the announcement wave over a baseline that fades after the six
    weeks, and a wave after each campaign sent by then (bigger for a bigger audience)."""
    t = (day - announced).days
    baseline = 25.0 if t <= DAYS else max(4.0, 25.0 * math.exp(-(t - DAYS) / 45))
    level = baseline + 160 * math.exp(-t / 3)
    for c in campaigns:
        since = (day - c.sent_on).days
        if since >= 0 and c.audience:
            level += c.audience / 25 * math.exp(-since / 2.5)
    return level


def calls_on(
    day: date, desk: Contact | None, announced: date, campaigns: Sequence[CampaignView]
) -> list[Call]:
    """Every call of `day` (none on a closed day), in time order; the same whenever asked."""
    if day < announced or not _is_open(desk, day):
        return []
    waiting = 0.0  # calls the closed days just before would have had: some give up, most call back
    before = day - timedelta(days=1)
    while before >= announced and not _is_open(desk, before):
        waiting += volume(before, announced, campaigns) * 0.6
        before -= timedelta(days=1)
    rng = random.Random(f"{SEED}:{day.isoformat()}")
    opens = desk.open_time.hour if desk and desk.open_time else 10
    closes = desk.close_time.hour if desk and desk.close_time else 17
    minutes = max(60, (closes - opens) * 60)
    count = max(0, int(rng.gauss(volume(day, announced, campaigns) + waiting, 4)))
    capacity = AGENTS * minutes / 6  # two agents, the open hours, six-minute calls
    start = datetime(day.year, day.month, day.day, opens, tzinfo=JST)
    out = []
    for _ in range(count):
        at = start + timedelta(minutes=rng.randrange(minutes))
        answered = rng.random() < min(1.0, capacity / max(count, 1)) * 0.95
        category, note = rng.choices(NOTES, WEIGHTS)[0]
        out.append(
            Call(
                at=at,
                answered=answered,
                seconds=rng.randrange(120, 600) if answered else None,
                agent=rng.choice(("佐藤", "鈴木", "高橋", "田中")) if answered else "",
                category=category if answered else "",
                note=note if answered else "",
            )
        )
    return sorted(out, key=lambda c: c.at)


def write_call_log(path: Path, calls: Sequence[Call]) -> None:
    """The calls as the phone system would export them."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["着信日時", "結果", "通話時間", "担当", "分類", "不正利用", "メモ"])
        for c in calls:
            writer.writerow(
                [
                    c.at.strftime("%Y-%m-%d %H:%M"),
                    "応答" if c.answered else "話中",
                    c.seconds or "",
                    c.agent,
                    c.category,
                    "○" if c.category == "不正利用" else "",
                    c.note,
                ]
            )


def _logged(db: Database, slug: str) -> tuple[date | None, date | None, int]:
    """The first and last day of the generated calls already logged, and the last day's count."""
    with db.read() as s:
        incident = get_incident(s, slug)
        generated = (Inquiry.incident_id == incident.id) & Inquiry.source.startswith(
            f"calllog:{CALL_LOG}"
        )
        first, last = s.execute(
            select(func.min(Inquiry.day), func.max(Inquiry.day)).where(generated)
        ).one()
        on_last = (
            s.scalar(select(func.count()).where(generated, Inquiry.day == last)) if last else 0
        )
    return first, last, int(on_last or 0)


def _days(first: date, last: date) -> Iterator[date]:
    for k in range((last - first).days + 1):
        yield first + timedelta(days=k)


def seed_demo_desk(db: Database, slug: str, *, now: datetime | None = None) -> int:
    """`update_demo_desk`, returning only the number of calls it logged (0: up to date)."""
    return update_demo_desk(db, slug, now=now).calls


def update_demo_desk(db: Database, slug: str, *, now: datetime | None = None) -> DeskUpdate:
    """Bring the demo desk up to `now` (default: the current time): on the first run, six weeks
    of calls and campaigns; later, the calls since the last run and a next campaign when none is
    planned after today. See the module docstring."""
    moment = (now or datetime.now(JST)).astimezone(JST)
    today = moment.date()
    desk = main_desk(db, slug)
    first, last, on_last = _logged(db, slug)
    added: list[CampaignView] = []
    announced = first or _open_from(desk, today - timedelta(days=DAYS - 1))
    if first is None and not list_campaigns(db, slug):
        for offset, channel, audience, note in CAMPAIGNS:
            sent = _open_from(desk, announced + timedelta(days=offset))
            if sent <= today:
                added.append(
                    add_campaign(
                        db, slug, channel=channel, sent_on=sent, audience=audience, note=note
                    )
                )
    campaigns = list_campaigns(db, slug)
    if not any(c.sent_on > today for c in campaigns):
        turn = max(0, len(campaigns) - len(CAMPAIGNS)) % len(NEXT_CAMPAIGNS)
        channel, audience, note = NEXT_CAMPAIGNS[turn]
        sent = _open_from(desk, today + timedelta(days=PLANNED_AFTER))
        added.append(
            add_campaign(db, slug, channel=channel, sent_on=sent, audience=audience, note=note)
        )
        campaigns = list_campaigns(db, slug)
    calls: list[Call] = []
    for day in _days(last or announced, today):
        todays = calls_on(day, desk, announced, campaigns)
        if day == last:
            todays = todays[on_last:]  # the ones already logged come first
        calls.extend(c for c in todays if c.at <= moment)
    if not calls:
        return DeskUpdate(0, added, None, None)
    span = f"{calls[0].at:%Y%m%d%H%M}-{calls[-1].at:%Y%m%d%H%M}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{CALL_LOG}-{span}.csv"
        write_call_log(path, calls)
        result = import_call_log(db, slug, path)
    return DeskUpdate(result.calls, added, calls[0].at.date(), calls[-1].at.date())
