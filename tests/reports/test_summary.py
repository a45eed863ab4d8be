"""The desk today, per incident: calls, answer rate, web questions, review, campaign, open."""

from __future__ import annotations

from datetime import date, datetime

from breachdesk.db import Database
from breachdesk.db.tables import PublicQuestion
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.inquiries.campaigns import add_campaign
from breachdesk.inquiries.service import InquiryInput, list_inquiries, log_inquiry
from breachdesk.kb.contacts import JST
from breachdesk.kb.service import get_incident, import_documents
from breachdesk.reports.summary import desk_summary

MONDAY = datetime(2026, 9, 7, 11, 0, tzinfo=JST)
SATURDAY = datetime(2026, 9, 5, 11, 0, tzinfo=JST)


def _call(db: Database, outcome: str, at: datetime, channel: str = "phone") -> None:
    log_inquiry(db, DEMO_SLUG, InquiryInput(channel=channel, outcome=outcome, received_at=at))


def _asked(db: Database, answered: bool, at: datetime) -> None:
    with db.transaction() as s:
        incident = get_incident(s, DEMO_SLUG)
        s.add(
            PublicQuestion(incident_id=incident.id, question="質問", answered=answered, asked_at=at)
        )


def test_the_summary_counts_today_only_and_reads_the_desk_hours(db: Database) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    _call(db, "answered", MONDAY.replace(hour=10))
    _call(db, "answered", MONDAY.replace(hour=10, minute=30))
    _call(db, "busy", MONDAY.replace(hour=10, minute=45))
    _call(db, "answered", SATURDAY)  # another day
    _call(db, "answered", MONDAY.replace(hour=9), channel="web")  # a web question, not a call
    _asked(db, True, MONDAY.replace(hour=9))
    _asked(db, False, MONDAY.replace(hour=9, minute=5))
    add_campaign(db, DEMO_SLUG, channel="sms", sent_on=date(2026, 9, 9), audience=120)
    today = desk_summary(db, DEMO_SLUG, now=MONDAY)
    assert (today.calls, today.answered_calls) == (3, 2)
    assert today.answer_rate is not None and round(today.answer_rate, 3) == 0.667
    assert (today.web_questions, today.web_answered, today.unreviewed) == (2, 1, 1)
    assert today.next_campaign is not None and today.next_campaign.sent_on == date(2026, 9, 9)
    assert today.desk_phone == "0120-000-111" and today.open_now is True
    weekend = desk_summary(db, DEMO_SLUG, now=SATURDAY)
    assert weekend.open_now is False and weekend.calls == 1
    quiet = desk_summary(db, DEMO_SLUG, now=datetime(2026, 9, 8, 11, 0, tzinfo=JST))
    assert quiet.calls == 0 and quiet.answer_rate is None  # no calls: no rate, not 0 %


def test_filing_under_fraud_sets_the_fraud_flag(db: Database) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    view = log_inquiry(
        db, DEMO_SLUG, InquiryInput(channel="phone", outcome="answered", category="不正利用")
    )
    assert view.fraud_report is True
    other = log_inquiry(
        db, DEMO_SLUG, InquiryInput(channel="phone", outcome="answered", category="パスワード")
    )
    assert other.fraud_report is False


def test_the_log_filters_by_channel(db: Database) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    _call(db, "answered", MONDAY, channel="web")
    _call(db, "answered", MONDAY.replace(hour=12))
    calls, total = list_inquiries(db, DEMO_SLUG, exclude_channels=("web",))
    assert [c.channel for c in calls] == ["phone"] and total == 1
    assert list_inquiries(db, DEMO_SLUG, channels=("web",))[1] == 1
    assert list_inquiries(db, DEMO_SLUG, limit=0)[1] == 2
