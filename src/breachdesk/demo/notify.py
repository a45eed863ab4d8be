"""The demo incident's campaign material, so that a newcomer can plan and send on the first try.

Written for the fictional さくら書房 incident (nothing here is a real organisation's text):

- approved message templates for mail, SMS and letter, using every placeholder;
- a stock of made-up compensation codes (``DEMO-…``, not any vendor's format), enough for every
  person on the register and a reminder;
- two made-up card companies' reissue reports a week apart, so the 補償・再発行 page and the
  reports have a rate over time.

Each part is added once: a later run finds it there and adds nothing. Templates are drafted and
approved by the actor ``demo`` (the audit log says so).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from breachdesk.auth.service import Actor
from breachdesk.notify import remediation
from breachdesk.notify.desk import NotifyDesk

DEMO_ACTOR = Actor("demo")
MAIL = """件名：【さくら書房】不正アクセスによるカード情報流出のお詫びとお知らせ
{name} 様

さくら書房をご利用いただき、ありがとうございます。
当社通販サイトへの不正アクセスにより、お客様の次の情報が流出した可能性があります。

  {items}

お客様の情報のうち対象となった項目は、次のページからもご確認いただけます。
{check_url}

お詫びのしるしとして、QUOカードPay 500円分をお送りします。
ギフトコード：{code}

ご不明な点は、専用窓口までお問い合わせください。
{desk}

当社からカード番号やパスワードをお尋ねすることはありません。
"""
SMS = (
    "【さくら書房】カード情報流出のお詫び。対象の項目：{items}。"
    "お詫びのQUOカードPay：{code} 確認ページ {check_url} 窓口 {desk}"
)
LETTER = """{name} 様

拝啓 平素はさくら書房をご利用いただき、誠にありがとうございます。
このたび、当社通販サイトへの不正アクセスにより、お客様の次の情報が流出した可能性があることが
判明いたしました。多大なるご迷惑とご心配をおかけしますことを、深くお詫び申し上げます。

  流出した可能性のある情報：{items}

お詫びのしるしとして、QUOカードPay 500円分のギフトコードをお送りいたします。
  ギフトコード：{code}

対象となった項目は、次のページからもご確認いただけます。
  {check_url}

ご不明な点は、下記の専用窓口までお問い合わせください。
  {desk}
                                                                 敬具
"""
TEMPLATES = {"mail": MAIL, "sms": SMS, "letter": LETTER}
CODES = 400
"""Made-up codes loaded: more than the register's 300 people, so a reminder can be planned."""
COMPANIES = (("さくらカード（架空）", 0.42, 0.61), ("みどり信販（架空）", 0.35, 0.55))
"""Made-up card companies: (name, reissued share a week ago, reissued share now)."""


@dataclass(frozen=True)
class NotifySeed:
    templates: int
    """Template versions drafted and approved now."""
    codes: int
    """Codes loaded now."""
    reissue_reports: int
    """Reissue reports recorded now."""


def demo_codes(count: int = CODES) -> bytes:
    """Made-up compensation codes, one a line, the same every run."""
    lines = []
    for n in range(1, count + 1):
        digest = hashlib.sha256(f"sakura-demo-code-{n}".encode()).hexdigest().upper()
        lines.append(f"DEMO-{digest[:4]}-{digest[4:8]}-{digest[8:12]}")
    return ("\n".join(lines) + "\n").encode()


def seed_demo_notify(notify: NotifyDesk, slug: str, people: int, *, today: date) -> NotifySeed:
    """Add the demo's templates, codes and reissue reports where the incident has none."""
    drafted = 0
    approved_channels = {t.channel for t in notify.list_templates(slug) if t.status == "approved"}
    for channel, text in TEMPLATES.items():
        if channel in approved_channels:
            continue
        view = notify.draft_template(slug, channel, text, by=DEMO_ACTOR, where=f"demo {channel}")
        notify.approve_template(view.id, by=DEMO_ACTOR)
        drafted += 1
    figures = remediation.stats(notify.db, slug)
    loaded = 0
    if figures.codes.loaded == 0:
        loaded = remediation.load_codes(
            notify.db,
            notify.keyring,
            slug,
            Path("sakura-quo-codes.txt"),
            data=demo_codes(),
            by=DEMO_ACTOR,
        ).loaded
    reports = 0
    if not figures.companies:
        cards = max(people, 1)
        for name, before, now in COMPANIES:
            for as_of, share in ((today - timedelta(days=7), before), (today, now)):
                remediation.record_reissue(
                    notify.db,
                    slug,
                    company=name,
                    as_of=as_of,
                    cards=cards // 2,
                    reissued=int(cards // 2 * share),
                    by=DEMO_ACTOR,
                    today=today,
                )
                reports += 1
    return NotifySeed(drafted, loaded, reports)
