"""Notification campaigns (mail, SMS, letter, web notice) and their delivery results.

Recipients (mail addresses, phone numbers) are personal data. They are kept only so that the
bounced ones can be exported as the audience of the next campaign (an SMS or a letter to those
whose mail bounced), are never logged, and should be purged with `purge_deliveries` once that
follow-up has gone out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Campaign, CampaignDelivery, Incident
from breachdesk.errors import DocumentFormatError, InvalidInputError, NotFoundError
from breachdesk.inquiries.dates import check_day
from breachdesk.kb.service import get_incident
from breachdesk.privacy.redact import redact
from breachdesk.spreadsheet import csv_rows, csv_text, decode_csv

CHANNELS = ("mail", "sms", "letter", "web")
RECIPIENT = ("recipient", "宛先", "email", "mail", "メールアドレス", "phone", "電話番号", "送信先")
STATUS = ("status", "結果", "配信結果", "送信結果", "ステータス")
REASON = ("reason", "理由", "エラー内容", "詳細")
DELIVERED = ("delivered", "成功", "配信済", "送信済", "到達", "ok", "success")
PURGED = "(purged) #"  # a forgotten recipient: no mail address or phone number starts so
MAX_AUDIENCE = 1_000_000_000
BOUNCED = ("bounced", "bounce", "エラー", "不達", "失敗", "宛先不明", "failed", "error")


@dataclass(frozen=True)
class CampaignView:
    id: int
    incident: str
    channel: str
    sent_on: date
    audience: int | None
    note: str
    follows: int | None
    delivered: int
    bounced: int


def add_campaign(
    db: Database,
    slug: str,
    *,
    channel: str,
    sent_on: date,
    audience: int | None = None,
    note: str = "",
    follows: int | None = None,
    by: Actor | None = None,
) -> CampaignView:
    """Record a campaign; `follows` names the campaign whose bounces it reaches again. With
    `by`, its `campaign.add` audit row is written in the same transaction."""
    if channel not in CHANNELS:
        raise InvalidInputError(
            f"unknown channel {channel!r}; one of {', '.join(CHANNELS)}", where="channel"
        )
    if audience is not None and not 0 <= audience <= MAX_AUDIENCE:
        raise InvalidInputError(
            f"the audience is a count of people (0–{MAX_AUDIENCE:,})", where="audience"
        )
    check_day(sent_on, where="sent_on")
    with db.transaction() as s:
        incident = get_incident(s, slug)
        if follows is not None:
            earlier = s.get(Campaign, follows)
            if earlier is None or earlier.incident_id != incident.id:
                raise NotFoundError("campaign", str(follows))
        row = Campaign(
            incident_id=incident.id,
            channel=channel,
            sent_on=sent_on,
            audience=audience,
            note=redact(note.strip())[:2000],  # redacted before it is cut: no half numbers
            follows_campaign_id=follows,
            source="console",
        )
        s.add(row)
        s.flush()
        detail = {"channel": channel, "sent_on": sent_on.isoformat()}
        audited(s, by, "campaign.add", f"{slug}/{row.id}", detail)
        return CampaignView(row.id, slug, channel, sent_on, audience, row.note, follows, 0, 0)


def list_campaigns(db: Database, slug: str) -> list[CampaignView]:
    """The incident's campaigns by date, with their delivery counts."""
    with db.read() as s:
        incident = get_incident(s, slug)
        counts: dict[tuple[int, str], int] = {
            (cid, status): n
            for cid, status, n in s.execute(
                select(CampaignDelivery.campaign_id, CampaignDelivery.status, func.count())
                .join(Campaign, Campaign.id == CampaignDelivery.campaign_id)
                .where(Campaign.incident_id == incident.id)
                .group_by(CampaignDelivery.campaign_id, CampaignDelivery.status)
            )
        }
        return [
            CampaignView(
                c.id,
                slug,
                c.channel,
                c.sent_on,
                c.audience,
                c.note,
                c.follows_campaign_id,
                counts.get((c.id, "delivered"), 0),
                counts.get((c.id, "bounced"), 0),
            )
            for c in s.scalars(
                select(Campaign)
                .where(Campaign.incident_id == incident.id)
                .order_by(Campaign.sent_on, Campaign.id)
            )
        ]


def campaign_of(db: Database, slug: str, campaign_id: int) -> CampaignView:
    """One campaign of the incident (not found when it is another incident's)."""
    for campaign in list_campaigns(db, slug):
        if campaign.id == campaign_id:
            return campaign
    raise NotFoundError("campaign", str(campaign_id))


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _status(text: str) -> str | None:
    value = _norm(text)
    if any(value.startswith(_norm(w)) for w in DELIVERED):
        return "delivered"
    if any(value.startswith(_norm(w)) for w in BOUNCED):
        return "bounced"
    return None


def _campaign(s: Session, campaign_id: int, slug: str | None) -> Campaign:
    """The campaign, which must belong to the incident `slug` when one is given."""
    campaign = s.get(Campaign, campaign_id)
    if campaign is None or (slug is not None and campaign.incident_id != get_incident(s, slug).id):
        raise NotFoundError("campaign", str(campaign_id))
    return campaign


def read_results(path: Path, data: bytes) -> list[tuple[int, str, str, str]]:
    """The vendor's CSV of delivery results as (line, recipient, status, reason) rows, status
    "delivered" or "bounced"; any bad row fails the whole file (naming lines, not values)."""
    text = decode_csv(path, data)
    rows = list(csv_rows(path, text))
    if not rows:
        raise DocumentFormatError(str(path), None, "the file is empty")
    header = [_norm(h) for h in rows[0][1]]

    def column(names: tuple[str, ...], required: bool) -> int | None:
        for name in names:
            if _norm(name) in header:
                return header.index(_norm(name))
        if required:
            raise DocumentFormatError(
                str(path), 1, f"no {names[0]} column ({' / '.join(names[:4])})"
            )
        return None

    who, status_col, reason_col = (
        column(RECIPIENT, True),
        column(STATUS, True),
        column(REASON, False),
    )
    assert who is not None and status_col is not None
    results: list[tuple[int, str, str, str]] = []
    problems: list[str] = []
    for line, row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        recipient = row[who].strip() if who < len(row) else ""
        status = _status(row[status_col]) if status_col < len(row) else None
        if not recipient:
            problems.append(f"line {line}: no recipient")
        elif status is None:
            problems.append(f"line {line}: unknown status (delivered/成功 or bounced/不達)")
        else:
            reason = (
                row[reason_col].strip() if reason_col is not None and reason_col < len(row) else ""
            )
            results.append((line, recipient[:320], status, reason))
    if problems:
        raise DocumentFormatError(
            str(path), None, f"{len(problems)} bad rows — " + "; ".join(problems[:10])
        )
    return results


def import_delivery_results(
    db: Database,
    campaign_id: int,
    path: Path,
    *,
    slug: str | None = None,
    name: str | None = None,
    by: Actor | None = None,
) -> tuple[int, int]:
    """Read the vendor's CSV of delivery results; all rows or none. Returns (delivered, bounced).

    With `slug`, a campaign of another incident is not found (as the web routes need); `name`
    is the file's own name for messages when `path` is only where an upload was saved; with
    `by`, the `campaign.results` audit row is written in the import's transaction."""
    data = path.read_bytes()
    path = Path(name) if name else path  # from here on, only a label
    results = {
        recipient: (status, reason) for _, recipient, status, reason in read_results(path, data)
    }
    with db.transaction() as s:
        campaign = _campaign(s, campaign_id, slug)
        existing = {
            d.recipient: d
            for d in s.scalars(
                select(CampaignDelivery).where(CampaignDelivery.campaign_id == campaign_id)
            )
        }
        for recipient, (status, reason) in results.items():
            row_ = existing.get(recipient)
            if row_ is None:
                s.add(
                    CampaignDelivery(
                        campaign_id=campaign_id, recipient=recipient, status=status, reason=reason
                    )
                )
            else:
                row_.status, row_.reason = status, reason
        statuses = [status for status, _ in results.values()]
        delivered, bounced = statuses.count("delivered"), statuses.count("bounced")
        detail = {"file": path.name, "delivered": delivered, "bounced": bounced}
        audited(s, by, "campaign.results", _target(s, campaign), detail)
    return delivered, bounced


def delivery_summary(db: Database, campaign_id: int) -> tuple[int, int, int | None]:
    """(delivered, bounced, unknown): unknown is the audience not in the results, if known."""
    with db.read() as s:
        campaign = s.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFoundError("campaign", str(campaign_id))
        counts = dict(
            s.execute(
                select(CampaignDelivery.status, func.count())
                .where(CampaignDelivery.campaign_id == campaign_id)
                .group_by(CampaignDelivery.status)
            ).all()
        )
        delivered, bounced = int(counts.get("delivered", 0)), int(counts.get("bounced", 0))
        unknown = (
            None if campaign.audience is None else max(0, campaign.audience - delivered - bounced)
        )
        return delivered, bounced, unknown


def _target(s: Session, campaign: Campaign) -> str:
    """A campaign as an audit row names it: `slug/id`."""
    incident = s.get(Incident, campaign.incident_id)
    return f"{incident.slug if incident else '?'}/{campaign.id}"


def export_bounced(
    db: Database, campaign_id: int, *, slug: str | None = None, by: Actor | None = None
) -> str:
    """The bounced recipients as CSV (header `recipient,reason`), for the next campaign.

    Personal data: with `by`, the `campaign.export_bounced` audit row is written in the same
    transaction as the read, so no list leaves unrecorded."""
    with db.transaction() if by is not None else db.read() as s:
        campaign = _campaign(s, campaign_id, slug)
        rows = [["recipient", "reason"]]
        for d in s.scalars(
            select(CampaignDelivery)
            .where(
                CampaignDelivery.campaign_id == campaign_id,
                CampaignDelivery.status == "bounced",
                CampaignDelivery.recipient.not_like(f"{PURGED}%"),
            )
            .order_by(CampaignDelivery.id)
        ):
            rows.append([d.recipient, d.reason])
        audited(s, by, "campaign.export_bounced", _target(s, campaign), {"rows": len(rows) - 1})
    return csv_text(rows)  # a vendor's "=HYPERLINK(…)" reason must not become a formula


def purge_deliveries(
    db: Database, campaign_id: int, *, slug: str | None = None, by: Actor | None = None
) -> int:
    """Forget a campaign's recipients once the follow-up went out; returns how many.

    Each row's address or number is replaced by a placeholder, so the delivered and bounced
    counts stay while no personal data does; purged rows are never exported. `slug` works as
    in `import_delivery_results`; with `by`, the `campaign.purge` audit row is written in the
    same transaction."""
    with db.transaction() as s:
        campaign = _campaign(s, campaign_id, slug)
        rows = s.scalars(
            select(CampaignDelivery).where(
                CampaignDelivery.campaign_id == campaign_id,
                CampaignDelivery.recipient.not_like(f"{PURGED}%"),
            )
        ).all()
        for row in rows:
            row.recipient, row.reason = f"{PURGED}{row.id}", ""
        audited(s, by, "campaign.purge", _target(s, campaign), {"removed": len(rows)})
        return len(rows)
