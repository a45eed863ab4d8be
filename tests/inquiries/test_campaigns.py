"""Campaigns, vendor delivery results and the bounced list for the next campaign."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import CampaignDelivery
from breachdesk.errors import DocumentFormatError, InvalidInputError, NotFoundError
from breachdesk.inquiries.campaigns import (
    add_campaign,
    delivery_summary,
    export_bounced,
    import_delivery_results,
    list_campaigns,
    purge_deliveries,
)
from breachdesk.kb import editing

SLUG = "aozora"


@pytest.fixture
def incident(db: Database) -> Database:
    editing.create_incident(db, SLUG, "青空書店")
    return db


def test_delivery_results_and_the_bounced_export(incident: Database, tmp_path: Path) -> None:
    mail = add_campaign(
        incident, SLUG, channel="mail", sent_on=date(2022, 7, 29), audience=5, note="再送"
    )
    path = tmp_path / "results.csv"
    path.write_text(
        "宛先,配信結果,エラー内容\n"
        "a@example.jp,配信済,\n"
        "b@example.jp,不達,User unknown\n"
        "c@example.jp,成功,\n"
        "d@example.jp,エラー,Mailbox full\n",
        encoding="utf-8",
    )
    assert import_delivery_results(incident, mail.id, path) == (2, 2)
    assert delivery_summary(incident, mail.id) == (2, 2, 1)
    csv_text = export_bounced(incident, mail.id)
    assert csv_text.splitlines() == [
        "recipient,reason",
        "b@example.jp,User unknown",
        "d@example.jp,Mailbox full",
    ]
    # A corrected result replaces the first one.
    path.write_text("recipient,status\nb@example.jp,delivered\n", encoding="utf-8")
    import_delivery_results(incident, mail.id, path)
    assert delivery_summary(incident, mail.id)[:2] == (3, 1)
    sms = add_campaign(incident, SLUG, channel="sms", sent_on=date(2022, 8, 1), follows=mail.id)
    views = list_campaigns(incident, SLUG)
    assert [(v.channel, v.delivered, v.bounced, v.follows) for v in views] == [
        ("mail", 3, 1, None),
        ("sms", 0, 0, mail.id),
    ]
    assert sms.follows == mail.id
    assert purge_deliveries(incident, mail.id) == 4
    assert export_bounced(incident, mail.id).splitlines() == ["recipient,reason"]
    # The counts stay; the addresses do not, and a second purge has nothing left to forget.
    assert delivery_summary(incident, mail.id)[:2] == (3, 1)
    with incident.read() as s:
        stored = s.scalars(select(CampaignDelivery.recipient)).all()
    assert len(stored) == 4 and not any("@" in r for r in stored)
    assert purge_deliveries(incident, mail.id) == 0


def test_a_campaign_of_another_incident_is_not_found_through_it(
    incident: Database, tmp_path: Path
) -> None:
    editing.create_incident(incident, "other", "別の事案")
    theirs = add_campaign(incident, "other", channel="mail", sent_on=date(2022, 7, 29))
    path = tmp_path / "results.csv"
    path.write_text("recipient,status\na@example.jp,bounced\n", encoding="utf-8")
    with pytest.raises(NotFoundError):
        import_delivery_results(incident, theirs.id, path, slug=SLUG)
    assert import_delivery_results(incident, theirs.id, path, slug="other") == (0, 1)
    with pytest.raises(NotFoundError):
        export_bounced(incident, theirs.id, slug=SLUG)


def test_a_bad_results_file_changes_nothing(incident: Database, tmp_path: Path) -> None:
    mail = add_campaign(incident, SLUG, channel="mail", sent_on=date(2022, 7, 29))
    path = tmp_path / "bad.csv"
    path.write_text("email,status\na@example.jp,delivered\n,bounced\nc@example.jp,???\n", "utf-8")
    with pytest.raises(DocumentFormatError) as err:
        import_delivery_results(incident, mail.id, path)
    assert "line 3" in str(err.value) and "line 4" in str(err.value)
    assert delivery_summary(incident, mail.id)[:2] == (0, 0)
    path.write_text("name,status\nx,delivered\n", "utf-8")
    with pytest.raises(DocumentFormatError, match="recipient"):
        import_delivery_results(incident, mail.id, path)


def test_bad_campaigns_are_refused(incident: Database) -> None:
    with pytest.raises(InvalidInputError):
        add_campaign(incident, SLUG, channel="fax", sent_on=date(2022, 7, 29))
    with pytest.raises(NotFoundError):
        add_campaign(incident, SLUG, channel="sms", sent_on=date(2022, 7, 29), follows=999)
    with pytest.raises(NotFoundError):
        export_bounced(incident, 999)


def test_results_with_carriage_returns_or_binary_noise(incident: Database, tmp_path: Path) -> None:
    mail = add_campaign(incident, SLUG, channel="mail", sent_on=date(2022, 7, 29))
    path = tmp_path / "results.csv"
    path.write_bytes(b"recipient,status\ra@example.jp,bounced\rb@example.jp,delivered\r")
    assert import_delivery_results(incident, mail.id, path) == (1, 1)
    path.write_bytes("ó\x06£\rÍ\U000b9887".encode())  # what a fuzzer sent: no header, no rows
    with pytest.raises(DocumentFormatError):
        import_delivery_results(incident, mail.id, path)
    assert delivery_summary(incident, mail.id)[:2] == (1, 1)
