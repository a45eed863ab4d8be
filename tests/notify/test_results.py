"""notify/results.py: a planned campaign's vendor results matched by blind index — bounced SMS
move to letters, a row matching nobody fails the whole file, a second import changes nothing,
and no recipient is stored."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from notify_support import Register, make_register, settings_for, sms_sink, write_templates
from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import CampaignDelivery, CampaignMessage
from breachdesk.errors import DocumentFormatError
from breachdesk.kb.contacts import JST
from breachdesk.notify.plan import approve_plan, plan_campaign, read_template_dir
from breachdesk.notify.results import import_results
from breachdesk.notify.send import send_campaign
from breachdesk.notify.status import campaign_status


@pytest.fixture
def sent(db: Database, tmp_path: Path) -> tuple[Register, int]:
    """A register of 40 and an SMS → letter campaign, sent."""
    reg = make_register(db, tmp_path, count=40)
    folder = write_templates(tmp_path / "t")
    view = plan_campaign(
        db,
        reg.keyring,
        reg.slug,
        chain=["sms", "letter"],
        templates=read_template_dir(folder, ["sms", "letter"]),
        start=datetime.now(JST).date(),
        public_base_url="u",
        sms_max_chars=670,
        calls_per_message=0.01,
    )
    approve_plan(db, view.campaign, by=None)
    with sms_sink() as provider:
        send_campaign(
            db,
            reg.keyring,
            settings_for("x", None, provider, reg.master),
            view.campaign,
            letters_out=tmp_path / "letters.csv",
        )
    return reg, view.campaign


def write(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text(
        "電話番号,配信結果\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8"
    )
    return path


def test_a_bounced_sms_moves_the_person_to_a_letter_once(
    sent: tuple[Register, int], tmp_path: Path
) -> None:
    reg, campaign = sent
    texted = [x for x in reg.people.values() if x.phone.startswith("090")]
    report = write(tmp_path / "r.csv", [(texted[0].phone, "不達"), (texted[1].phone, "成功")])
    first = import_results(reg.db, reg.keyring, campaign, report, by=None)
    assert (first.delivered, first.bounced, first.moved) == (1, 1, 1)
    again = import_results(reg.db, reg.keyring, campaign, report, by=None)
    assert (again.bounced, again.moved) == (0, 0)
    with reg.db.read() as s:
        moved = s.execute(
            select(CampaignMessage.sms, CampaignMessage.channel, CampaignMessage.state).where(
                CampaignMessage.person_id == reg.by_phone(texted[0].phone.replace("-", ""))
            )
        ).one()
        assert tuple(moved) == ("bounced", "letter", "pending")
        assert s.scalar(select(func.count()).select_from(CampaignDelivery)) == 0
    status = campaign_status(reg.db, campaign)
    assert status.bounced["sms"] == 1 and status.pending == 1


def test_a_row_matching_nobody_fails_the_file_and_changes_nothing(
    sent: tuple[Register, int], tmp_path: Path
) -> None:
    reg, campaign = sent
    texted = [x for x in reg.people.values() if x.phone.startswith("090")]
    report = write(tmp_path / "r.csv", [(texted[0].phone, "不達"), ("090-9999-0000", "不達")])
    with pytest.raises(DocumentFormatError) as caught:
        import_results(reg.db, reg.keyring, campaign, report, by=None)
    assert "line 3" in str(caught.value) and "9999" not in str(caught.value)
    assert campaign_status(reg.db, campaign).bounced["sms"] == 0
