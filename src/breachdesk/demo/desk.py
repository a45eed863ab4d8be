"""A fictional six weeks of the demo incident's inquiry desk: a call log and two campaigns.

Generated, not recorded: a deterministic random model of a leak desk (a first wave after the
announcement, a second after each notification campaign, busy lines at the peaks), so that the
demo's reports, charts and staffing pages have something realistic to show. The desk keeps the
hours its own notice publishes (10:00–17:00, 土日祝日を除く): no calls on a weekend or a public
holiday, none outside the hours; the calls a closed day would have had come the next open day.
"""

from __future__ import annotations

import csv
import math
import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import Inquiry
from breachdesk.inquiries.calllog import import_call_log
from breachdesk.inquiries.campaigns import add_campaign
from breachdesk.inquiries.desk_days import main_desk, open_on
from breachdesk.kb.contacts import Contact
from breachdesk.kb.service import get_incident

START = date(2026, 9, 4)
DAYS = 42
CAMPAIGNS = (
    (date(2026, 9, 10), "mail", 3210, "お詫びとお知らせメール配信"),
    (date(2026, 9, 24), "sms", 412, "メール不達の方へSMS配信"),
)
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


def _volume(day: date) -> float:
    """Expected calls: the announcement wave, then a wave after each campaign."""
    t = (day - START).days
    level = 25 + 160 * math.exp(-t / 3)
    for sent, _, audience, _ in CAMPAIGNS:
        since = (day - sent).days
        if since >= 0:
            level += audience / 25 * math.exp(-since / 2.5)
    return level


def write_call_log(path: Path, rng: random.Random, desk: Contact | None = None) -> None:
    """The call log as the phone system would export it, on the days and hours `desk` opens."""
    agents = 2
    opens = desk.open_time.hour if desk and desk.open_time else 10
    closes = desk.close_time.hour if desk and desk.close_time else 17
    minutes = max(60, (closes - opens) * 60)
    waiting = 0.0  # calls a closed day would have had, made the next open day
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["着信日時", "結果", "通話時間", "担当", "分類", "不正利用", "メモ"])
        for i in range(DAYS):
            day = START + timedelta(days=i)
            if desk is not None and open_on(desk, day) is False:
                waiting += _volume(day) * 0.6  # some give up, most call back
                continue
            calls = max(0, int(rng.gauss(_volume(day) + waiting, 4)))
            waiting = 0.0
            capacity = agents * minutes / 6  # two agents, the open hours, six-minute calls
            for _ in range(calls):
                at = datetime(day.year, day.month, day.day, opens) + timedelta(
                    minutes=rng.randrange(minutes)
                )
                answered = rng.random() < min(1.0, capacity / max(calls, 1)) * 0.95
                category, note = rng.choices(NOTES, WEIGHTS)[0]
                writer.writerow(
                    [
                        at.strftime("%Y-%m-%d %H:%M"),
                        "応答" if answered else "話中",
                        rng.randrange(120, 600) if answered else "",
                        rng.choice(("佐藤", "鈴木", "高橋", "田中")) if answered else "",
                        category if answered else "",
                        "○" if answered and category == "不正利用" else "",
                        note if answered else "",
                    ]
                )


def seed_demo_desk(db: Database, slug: str) -> int:
    """Load the fictional call log and campaigns once; returns the calls added (0 if present)."""
    with db.read() as s:
        incident = get_incident(s, slug)
        present = s.scalar(
            select(func.count()).select_from(Inquiry).where(Inquiry.incident_id == incident.id)
        )
    if present:
        return 0
    for sent, channel, audience, note in CAMPAIGNS:
        add_campaign(db, slug, channel=channel, sent_on=sent, audience=audience, note=note)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sakura-calls.csv"
        write_call_log(path, random.Random(2026), main_desk(db, slug))
        return import_call_log(db, slug, path).calls
