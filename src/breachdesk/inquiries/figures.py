"""Historical daily figures: a parsed daily table stored as figures, category figures, campaigns.

A council report's table is the desk's record for the days before breachdesk logged calls (or
for a desk run elsewhere). Storing one is idempotent: re-importing the same table changes
nothing, and a corrected version replaces what the previous version of the same file said.

- A day's figures belong to the file that last imported them (`DailyFigure.source` is the file
  name); its category figures are replaced with the day's.
- A row label maps to a category through `KNOWN_ROW_LABELS` (``QUOカードPay関連`` →
  ``補償・QUOカードPay``), else to the incident's category of that name, else it becomes a new
  category of the incident. Two rows of one day that land on one category are added up.
- An event becomes a `Campaign` with `source` = the file name; its channel is read off the note
  (`event_channel`). Campaigns are matched on (day, note), so their ids — and any deliveries
  attached to them — survive a re-import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from breachdesk.db.tables import Campaign, Category, DailyCategoryFigure, DailyFigure, Incident
from breachdesk.errors import NotFoundError
from breachdesk.inquiries.categories import add_category, category_by_name, ensure_categories
from breachdesk.kb.importers.dailytable import ParsedDailyTable

KNOWN_ROW_LABELS: dict[str, str] = {
    "不正利用": "不正利用",
    "不正利用関連": "不正利用",
    "QUOカードPay関連": "補償・QUOカードPay",
    "QUOカードPay": "補償・QUOカードPay",
    "補償": "補償・QUOカードPay",
    "補償関連": "補償・QUOカードPay",
    "対象確認": "対象確認",
    "対象者確認": "対象確認",
    "漏えい項目": "漏えい項目",
    "カード再発行": "カード再発行・手数料",
    "カード再発行関連": "カード再発行・手数料",
    "再発行": "カード再発行・手数料",
    "パスワード": "パスワード",
    "不審な連絡": "不審な連絡",
    "不審メール": "不審な連絡",
    "退会": "退会・削除",
    "退会・削除": "退会・削除",
    "その他": "その他",
}
"""Daily-table row labels (NFKC, no spaces) → the default category they count."""

_CHANNEL_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # SMS first: "メール不通の方へショートメッセージ配信" is an SMS that names mail.
    ("sms", ("SMS", "ショートメッセージ", "ショートメール")),
    ("letter", ("郵送", "はがき", "ハガキ", "葉書", "封書")),
    ("mail", ("メール", "EMAIL", "E-MAIL")),
)


@dataclass(frozen=True)
class StoredTable:
    """What storing one table did: days written, days removed, categories added, campaigns."""

    source: str
    days: int
    removed_days: int
    new_categories: list[str]
    campaigns_added: int
    campaigns_removed: int


def event_channel(note: str) -> str:
    """The campaign channel an event note names: ``sms``, ``letter``, ``mail``, else ``web``."""
    folded = unicodedata.normalize("NFKC", note).upper()
    for channel, words in _CHANNEL_WORDS:
        if any(word in folded for word in words):
            return channel
    return "web"


def category_for_label(s: Session, incident: Incident, label: str) -> tuple[Category, bool]:
    """The incident's category a row label counts, and whether it was created for it."""
    key = _label_key(label)
    known = KNOWN_ROW_LABELS.get(key)
    for name in (known, label) if known else (label,):
        try:
            return category_by_name(s, incident, name), False
        except NotFoundError:
            continue
    return add_category(s, incident, label), True


def store_daily_table(s: Session, incident: Incident, table: ParsedDailyTable) -> StoredTable:
    """Upsert a parsed table's days, category figures and events into the incident.

    Runs inside the caller's transaction; see the module docstring for the rules.
    """
    source = Path(table.path).name
    ensure_categories(s, incident)
    category_ids: dict[str, int] = {}
    created: list[str] = []
    for label in table.category_labels:
        category, new = category_for_label(s, incident, label)
        category_ids[label] = category.id
        if new:
            created.append(category.name)
    removed = _store_figures(s, incident, source, table, category_ids)
    added, dropped = _store_campaigns(s, incident, source, table)
    s.flush()
    return StoredTable(source, len(table.days), removed, created, added, dropped)


def _store_figures(
    s: Session,
    incident: Incident,
    source: str,
    table: ParsedDailyTable,
    category_ids: dict[str, int],
) -> int:
    days = [d.day for d in table.days]
    figures = {
        f.day: f
        for f in s.scalars(
            select(DailyFigure).where(
                DailyFigure.incident_id == incident.id,
                DailyFigure.day.in_(days) | (DailyFigure.source == source),
            )
        )
    }
    stale = [day for day, f in figures.items() if f.source == source and day not in set(days)]
    if stale:
        s.execute(
            delete(DailyCategoryFigure).where(
                DailyCategoryFigure.incident_id == incident.id, DailyCategoryFigure.day.in_(stale)
            )
        )
        s.execute(
            delete(DailyFigure).where(
                DailyFigure.incident_id == incident.id, DailyFigure.day.in_(stale)
            )
        )
    existing = {
        (c.day, c.category_id): c
        for c in s.scalars(
            select(DailyCategoryFigure).where(
                DailyCategoryFigure.incident_id == incident.id, DailyCategoryFigure.day.in_(days)
            )
        )
    }
    wanted: set[tuple[date, int]] = set()
    for parsed in table.days:
        figure = figures.get(parsed.day)
        if figure is None:
            figure = DailyFigure(incident_id=incident.id, day=parsed.day)
            s.add(figure)
        figure.offered, figure.answered, figure.source = parsed.offered, parsed.answered, source
        counts: dict[int, int | None] = {}
        for label, count in parsed.categories.items():
            cid = category_ids[label]
            counts[cid] = _add(counts[cid], count) if cid in counts else count
        for cid, count in counts.items():
            wanted.add((parsed.day, cid))
            row = existing.get((parsed.day, cid))
            if row is None:
                s.add(
                    DailyCategoryFigure(
                        incident_id=incident.id, day=parsed.day, category_id=cid, count=count
                    )
                )
            elif row.count != count:
                row.count = count
    for key, row in existing.items():
        if key not in wanted:
            s.delete(row)
    return len(stale)


def _store_campaigns(
    s: Session, incident: Incident, source: str, table: ParsedDailyTable
) -> tuple[int, int]:
    existing = {
        (c.sent_on, c.note): c
        for c in s.scalars(
            select(Campaign)
            .where(Campaign.incident_id == incident.id, Campaign.source == source)
            .order_by(Campaign.id)
        )
    }
    seen: set[tuple[date, str]] = set()
    added = 0
    for event in table.events:
        key = (event.day, event.note)
        if key in seen:
            continue
        seen.add(key)
        channel = event_channel(event.note)
        campaign = existing.get(key)
        if campaign is None:
            s.add(
                Campaign(
                    incident_id=incident.id,
                    channel=channel,
                    sent_on=event.day,
                    note=event.note,
                    source=source,
                )
            )
            added += 1
        elif campaign.channel != channel:
            campaign.channel = channel
    removed = 0
    for key, campaign in existing.items():
        if key not in seen:
            s.delete(campaign)
            removed += 1
    return added, removed


def store_daily_tables(s: Session, incident: Incident, tables: list[ParsedDailyTable]) -> None:
    """Store every daily table a documents import found (`kb.service.import_documents`'s
    `daily` step), in its transaction."""
    for table in tables:
        store_daily_table(s, incident, table)


def _add(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _label_key(label: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))


__all__ = [
    "KNOWN_ROW_LABELS",
    "StoredTable",
    "category_for_label",
    "event_channel",
    "store_daily_table",
    "store_daily_tables",
]
