"""notify/send.py and notify/results.py together: the Done-when campaign on both stores — each
person reached once on the first channel that works, bounces moved down the chain, a repeated
send sends nothing, the status agrees with what arrived — plus concurrent senders and a
transient failure that a rerun continues."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from notify_support import (
    Register,
    Someone,
    free_port,
    letters_of,
    make_register,
    settings_for,
    sms_sink,
    smtp_sink,
    write_templates,
)
from sqlalchemy import func, select

from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent, CampaignMessage
from breachdesk.kb.contacts import JST
from breachdesk.notify.plan import approve_plan, plan_campaign, read_template_dir
from breachdesk.notify.results import import_results
from breachdesk.notify.send import send_campaign
from breachdesk.notify.status import campaign_status, unreachable_people
from breachdesk.notify.transport import TransportError
from breachdesk.register.items import item_label, parse_items

TODAY = datetime.now(JST).date()


@pytest.fixture
def reg(db: Database, tmp_path: Path) -> Register:
    return make_register(db, tmp_path)


def plan(reg: Register, tmp_path: Path, chain: str = "mail,sms,letter", **kw: object) -> int:
    folder = write_templates(tmp_path / "templates")
    chain_ = chain.split(",")
    view = plan_campaign(
        reg.db,
        reg.keyring,
        reg.slug,
        chain=chain_,
        templates=read_template_dir(folder, chain_),
        start=kw.pop("start", TODAY),  # type: ignore[arg-type]
        public_base_url="https://help.example.jp",
        sms_max_chars=670,
        calls_per_message=0.003,
        **kw,  # type: ignore[arg-type]
    )
    approve_plan(reg.db, view.campaign, by=None)
    return view.campaign


def mobile(x: Someone) -> str:
    digits = x.phone.replace("-", "")
    return digits if digits.startswith("090") else ""


def expected_channel(x: Someone, refused: set[str], failing: set[str]) -> str | None:
    if x.mail and x.mail not in refused:
        return "mail"
    if mobile(x) and mobile(x) not in failing:
        return "sms"
    if x.postal and x.address:
        return "letter"
    return None


def test_a_campaign_reaches_each_person_once_on_the_first_channel_that_works(
    reg: Register, tmp_path: Path
) -> None:
    people = reg.people
    refused = {x.mail for x in people.values() if x.mail and x.n % 20 in (4, 15)}
    failing = {mobile(x) for x in people.values() if mobile(x) and x.n % 20 in (0, 15)}
    letters = tmp_path / "letters.csv"
    campaign = plan(reg, tmp_path)
    with smtp_sink(refused) as inbox, sms_sink(failing) as provider:
        settings = settings_for(str(tmp_path / "x.db"), inbox, provider, reg.master)
        first = send_campaign(reg.db, reg.keyring, settings, campaign, letters_out=letters)
        # The vendor reports some delivered mails as bounced: those people go on to SMS.
        delivered = [x for x in people.values() if expected_channel(x, refused, failing) == "mail"]
        bounced = [x for x in delivered if x.n % 7 == 0]
        assert bounced
        results = tmp_path / "results.csv"
        results.write_text(
            "recipient,status\n"
            + "".join(
                f"{x.mail},{'bounced' if x in bounced else 'delivered'}\n" for x in delivered
            ),
            encoding="utf-8",
        )
        imported = import_results(reg.db, reg.keyring, campaign, results, by=None)
        assert (imported.delivered, imported.bounced) == (
            len(delivered) - len(bounced),
            len(bounced),
        )
        second = send_campaign(reg.db, reg.keyring, settings, campaign, letters_out=letters)
        again = send_campaign(reg.db, reg.keyring, settings, campaign, letters_out=letters)

    assert sum(again.sent.values()) == 0 and again.resent == 0  # a repeated send sends nothing
    assert first.resent == 0
    assert sum(second.sent.values()) == len(bounced)  # each bounced person once more
    # Where each person should have arrived, after the bounces moved down the chain.
    after: dict[int, str | None] = {}
    for pid, x in people.items():
        channel = expected_channel(x, refused, failing)
        if x in bounced:
            channel = expected_channel(
                Someone(x.n, x.name, "", x.phone, x.postal, x.address, x.items), refused, failing
            )
        after[pid] = channel
    mails = Counter(inbox.recipients())
    assert set(mails.values()) == {1}
    assert set(mails) == {x.mail for x in delivered}
    texts = Counter(provider.numbers())
    assert set(texts.values()) == {1}
    assert set(texts) == {mobile(people[p]) for p, c in after.items() if c == "sms"}
    rows = letters_of(letters)
    assert Counter(r["氏名"] for r in rows) == Counter(
        people[p].name for p, c in after.items() if c == "letter"
    )
    assert list(rows[0]) == ["郵便番号", "住所", "氏名", "本文"]
    assert letters.read_bytes().startswith(b"\xef\xbb\xbf")
    # Each mail carries its own person's name and items only.
    for rcpt, message in inbox.mails:
        x = people[reg.by_mail(rcpt[0])]
        body = message.get_content().replace("\r\n", "\n")
        assert x.name in message["Subject"] and x.name in body
        labels = "、".join(item_label(i) for i in parse_items(x.items))
        assert f"漏えいした項目：{labels}\n" in body
        others = [y.name for y in people.values() if y.n != x.n]
        assert not any(name in body for name in others)
    # The status agrees with what arrived.
    status = campaign_status(reg.db, campaign)
    assert status.people == len(people)
    assert status.sent == {"mail": len(mails), "sms": len(texts), "letter": len(rows)}
    assert status.bounced == {
        "mail": len(refused & {x.mail for x in people.values()}) + len(bounced),
        "sms": sum(
            1
            for p, x in people.items()
            if mobile(x) in failing and (not x.mail or x.mail in refused or x in bounced)
        ),
    }
    assert status.pending == 0
    assert status.unreachable == sum(1 for c in after.values() if c is None)
    listed = unreachable_people(reg.db, reg.keyring, campaign, by=None)
    assert {p.person for p in listed} == {p for p, c in after.items() if c is None}
    assert all("@" not in v or "***" in v for p in listed for v in p.masked.values())


def test_the_log_and_the_audit_rows_carry_no_recipient(
    reg: Register, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    campaign = plan(reg, tmp_path)
    with smtp_sink() as inbox, sms_sink() as provider:
        settings = settings_for("x", inbox, provider, reg.master)
        with caplog.at_level("DEBUG", logger="breachdesk"):
            send_campaign(reg.db, reg.keyring, settings, campaign, letters_out=tmp_path / "l.csv")
    values = [v for x in reg.people.values() for v in (x.mail, x.name, x.phone) if v]
    with reg.db.read() as s:
        audit = " ".join(str(e.detail) + e.target for e in s.scalars(select(AuditEvent)))
    logged = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("breachdesk"))
    assert "campaign" in logged
    assert not any(v in logged or v in audit for v in values)


def test_concurrent_senders_never_send_one_person_twice(reg: Register, tmp_path: Path) -> None:
    campaign = plan(reg, tmp_path, chain="mail,sms")
    with smtp_sink() as inbox, sms_sink() as provider:
        settings = settings_for("x", inbox, provider, reg.master)
        errors: list[BaseException] = []
        start = threading.Barrier(3)

        def sender() -> None:
            try:
                start.wait()
                send_campaign(reg.db, reg.keyring, settings, campaign)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=sender) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    arrived = Counter(inbox.recipients()) + Counter(provider.numbers())
    assert set(arrived.values()) == {1}
    expected = sum(1 for x in reg.people.values() if x.mail or mobile(x))
    assert len(arrived) == expected
    with reg.db.read() as s:
        assert s.scalar(select(func.max(CampaignMessage.attempts))) == 1


def test_a_transient_failure_stops_the_send_and_a_rerun_continues(
    reg: Register, tmp_path: Path
) -> None:
    campaign = plan(reg, tmp_path, chain="mail")
    with smtp_sink() as inbox:
        down = settings_for(
            "x", None, None, reg.master, smtp_host="127.0.0.1", smtp_port=free_port()
        )
        with pytest.raises(TransportError) as caught:
            send_campaign(reg.db, reg.keyring, down, campaign)
        assert "@" not in str(caught.value)
        assert campaign_status(reg.db, campaign).pending == sum(
            1 for x in reg.people.values() if x.mail
        )
        result = send_campaign(
            reg.db, reg.keyring, settings_for("x", inbox, None, reg.master), campaign
        )
    assert result.sent["mail"] == len(inbox.mails) == sum(1 for x in reg.people.values() if x.mail)


@pytest.mark.parametrize(
    ("channel", "answer"),
    [
        ("mail", "554 5.7.1 Relay access denied"),
        ("mail", "530 5.7.0 Authentication required"),
        ("sms", 401),
        ("sms", 429),
    ],
)
def test_a_refusal_that_would_refuse_everyone_stops_the_send_instead_of_moving_them(
    reg: Register, tmp_path: Path, channel: str, answer: str | int
) -> None:
    """A misconfigured account (relay denied, no login, a bad token, throttling) answers every
    recipient alike: nobody is moved down the chain for it; the send stops, the rest waits."""
    campaign = plan(reg, tmp_path, chain=f"{channel},letter")
    reachable = [x for x in reg.people.values() if (x.mail if channel == "mail" else mobile(x))]
    everyone = {x.mail if channel == "mail" else mobile(x) for x in reachable}
    reply = answer if isinstance(answer, str) else "550 5.1.1 No such user"
    status = answer if isinstance(answer, int) else 400
    with (
        smtp_sink(everyone if channel == "mail" else set(), reply) as inbox,
        sms_sink(everyone if channel == "sms" else set(), status) as provider,
    ):
        settings = settings_for("x", inbox, provider, reg.master)
        with pytest.raises(TransportError):
            send_campaign(reg.db, reg.keyring, settings, campaign, letters_out=tmp_path / "l.csv")
    after = campaign_status(reg.db, campaign)
    assert after.bounced[channel] == 0 and after.sent[channel] == 0
    assert after.pending >= len(reachable) - 50  # at most the batch in flight was letters already
    with reg.db.read() as s:
        moved = s.scalar(
            select(func.count()).where(
                CampaignMessage.campaign_id == campaign,
                getattr(CampaignMessage, channel).in_(("refused", "bounced")),
            )
        )
    assert moved == 0


def test_a_send_waits_for_its_day_and_for_approval(reg: Register, tmp_path: Path) -> None:
    from breachdesk.errors import ConflictError

    folder = write_templates(tmp_path / "t")
    view = plan_campaign(
        reg.db,
        reg.keyring,
        reg.slug,
        chain=["mail"],
        templates=read_template_dir(folder, ["mail"]),
        start=date(TODAY.year + 1, 1, 5),
        public_base_url="https://help.example.jp",
        sms_max_chars=670,
        calls_per_message=0.003,
    )
    with smtp_sink() as inbox:
        settings = settings_for("x", inbox, None, reg.master)
        with pytest.raises(ConflictError):
            send_campaign(reg.db, reg.keyring, settings, view.campaign)
        approve_plan(reg.db, view.campaign, by=None)
        result = send_campaign(reg.db, reg.keyring, settings, view.campaign)
    assert sum(result.sent.values()) == 0 and inbox.mails == []
    assert result.pending == sum(1 for x in reg.people.values() if x.mail)


def test_an_sms_too_long_at_send_time_moves_the_person_to_a_letter(
    reg: Register, tmp_path: Path
) -> None:
    campaign = plan(reg, tmp_path, chain="sms,letter")
    letters = tmp_path / "letters.csv"
    with sms_sink() as provider:
        short = settings_for("x", None, provider, reg.master, sms_max_chars=10)
        result = send_campaign(reg.db, reg.keyring, short, campaign, letters_out=letters)
    assert provider.received == []
    texted = [x for x in reg.people.values() if mobile(x)]
    assert result.refused["sms"] == len(texted)
    named = {r["氏名"] for r in letters_of(letters)}
    assert {x.name for x in texted if x.postal} <= named


def test_a_name_cp932_cannot_write_is_an_error_naming_the_person_not_the_name(
    tmp_path: Path,
) -> None:
    from breachdesk.errors import InvalidInputError
    from breachdesk.notify.transport import LetterFile

    letters = LetterFile(tmp_path / "l.csv", "cp932")
    assert (
        letters.encode(6, "100-0001", "東京都", "山田 太郎", "本文")
        .decode("cp932")
        .startswith("100-0001,東京都,山田 太郎")
    )
    with pytest.raises(InvalidInputError) as caught:
        letters.encode(7, "100-0001", "東京都", "𠮷田 花子", "本文")
    assert "7" in str(caught.value) and "𠮷" not in str(caught.value)
