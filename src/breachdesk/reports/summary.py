"""The desk on one screen: what an operator needs to see first on the worst day.

`desk_summary` answers, for one incident and the current moment (JST): how many calls came in
today and how many were answered, how many questions the public page was asked today and how
many it answered, how many wait for review, the next campaign, and whether the desk is open
now. The console's dashboard shows it per incident; the counts come from the same tables the
daily report reads (phone calls from the inquiry log, web questions from the public question
log), so the two never disagree. It reads the inquiry desk and the review queue, so it stands
with the reports, above both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select

from breachdesk.db import Database
from breachdesk.db.tables import Campaign, Inquiry, PublicQuestion
from breachdesk.inquiries.desk_days import main_desk
from breachdesk.kb.contacts import JST
from breachdesk.kb.service import describe_incident, get_incident
from breachdesk.review import service as review


@dataclass(frozen=True)
class NextCampaign:
    """The next planned notification (today or later)."""

    id: int
    sent_on: date
    channel: str
    audience: int | None
    note: str


@dataclass(frozen=True)
class DeskSummary:
    """One incident's desk today (see the module docstring)."""

    slug: str
    name: str
    day: date
    calls: int
    answered_calls: int
    web_questions: int
    web_answered: int
    unreviewed: int
    next_campaign: NextCampaign | None
    desk_label: str | None
    desk_phone: str | None
    desk_hours: str | None
    open_now: bool | None
    """True/False from the published hours and closed days; None when no hours are published."""

    @property
    def answer_rate(self) -> float | None:
        """Today's answered calls ÷ calls; None before the first call (no rate, not 0 %)."""
        return self.answered_calls / self.calls if self.calls else None


def desk_summary(db: Database, slug: str, *, now: datetime | None = None) -> DeskSummary:
    """The incident's desk today; `now` (default: the current time) decides 'today' in JST."""
    moment = (now or datetime.now(UTC)).astimezone(JST)
    today = moment.date()
    start = datetime.combine(today, datetime.min.time(), tzinfo=JST)
    incident = describe_incident(db, slug)
    contact = main_desk(db, slug)
    with db.read() as s:
        row = get_incident(s, slug)
        calls, answered = s.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((Inquiry.outcome == "answered", 1), else_=0)), 0),
            ).where(Inquiry.incident_id == row.id, Inquiry.day == today, Inquiry.channel == "phone")
        ).one()
        asked, asked_answered = s.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((PublicQuestion.answered.is_(True), 1), else_=0)), 0),
            ).where(
                PublicQuestion.incident_id == row.id,
                PublicQuestion.asked_at >= start.astimezone(UTC),
                PublicQuestion.asked_at < (start + timedelta(days=1)).astimezone(UTC),
            )
        ).one()
        upcoming = s.scalars(
            select(Campaign)
            .where(Campaign.incident_id == row.id, Campaign.sent_on >= today)
            .order_by(Campaign.sent_on, Campaign.id)
            .limit(1)
        ).first()
        next_campaign = (
            NextCampaign(
                upcoming.id, upcoming.sent_on, upcoming.channel, upcoming.audience, upcoming.note
            )
            if upcoming is not None
            else None
        )
    return DeskSummary(
        slug=incident.slug,
        name=incident.name,
        day=today,
        calls=int(calls),
        answered_calls=int(answered),
        web_questions=int(asked),
        web_answered=int(asked_answered),
        unreviewed=review.pending_count(db, slug),
        next_campaign=next_campaign,
        desk_label=contact.label if contact else None,
        desk_phone=contact.phone if contact else None,
        desk_hours=contact.hours_text if contact else None,
        open_now=contact.is_open(moment) if contact else None,
    )
