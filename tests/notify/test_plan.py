"""notify/pace.py and notify/plan.py: spreading sends under a call cap (a property over random
models), and plans on both stores — first channels, audiences, codes, days on the daily
report."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jpholiday
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from notify_support import (
    LETTER,
    Register,
    make_register,
    settings_for,
    smtp_sink,
    write_templates,
)
from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Campaign, CampaignDay, CampaignMessage, DailyFigure
from breachdesk.errors import InvalidInputError
from breachdesk.notify.codes import codes_of
from breachdesk.notify.pace import PaceModel, forecast, is_send_day, spread
from breachdesk.notify.plan import PlanView, approve_plan, plan_campaign, read_template_dir
from breachdesk.notify.remediation import import_redeemed, load_codes
from breachdesk.notify.send import send_campaign
from breachdesk.register.keys import get_register
from breachdesk.reports.daily import daily_table

MONDAY = date(2026, 6, 1)


@settings(max_examples=40, deadline=None)
@given(
    baseline=st.floats(0, 40),
    rate=st.floats(0.001, 0.3),
    ratio=st.floats(0.05, 0.9),
    room=st.floats(1.0, 200),
    mail=st.integers(0, 3000),
    sms=st.integers(0, 300),
    letter=st.integers(0, 500),
    start=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_a_spread_plan_keeps_every_days_forecast_under_the_cap(
    baseline: float,
    rate: float,
    ratio: float,
    room: float,
    mail: int,
    sms: int,
    letter: int,
    start: date,
) -> None:
    model = PaceModel(baseline, rate, ratio)
    cap = baseline + max(room, rate * 1.01)
    per_day = max(1.0, (cap - baseline) * (1 - ratio) / rate)  # what a day takes, steadily
    assume((mail + sms + letter) / per_day <= 150)  # plans that fit in the send days allowed
    days = spread(
        model, {"mail": mail, "sms": sms, "letter": letter}, ["mail", "sms", "letter"], start, cap
    )
    total = Counter[str]()
    for d in days:
        total.update(d.counts)
        assert is_send_day(d.day) and d.day >= start
        assert sum(d.counts.values()) > 0
    assert dict(total) == {"mail": mail, "sms": sms, "letter": letter} or not (mail + sms + letter)
    sends = {d.day: d.counts for d in days}
    if days:
        last = days[-1].day + timedelta(days=model.horizon() + 3)
        day = start
        while day <= last:
            assert forecast(model, sends, day) <= cap + 1e-6
            day += timedelta(days=1)


def test_the_send_days_skip_weekends_and_japanese_holidays() -> None:
    model = PaceModel(0.0, 1.0, 0.5)
    days = spread(model, {"mail": 60}, ["mail"], date(2026, 4, 28), 10.0)
    assert all(d.day.weekday() < 5 and not jpholiday.is_holiday(d.day) for d in days)
    assert date(2026, 5, 4) not in {d.day for d in days}  # みどりの日


def test_a_cap_at_or_below_the_baseline_is_refused_clearly() -> None:
    with pytest.raises(InvalidInputError, match="平常時"):
        spread(PaceModel(30.0, 0.01, 0.5), {"mail": 10}, ["mail"], MONDAY, 25.0)


def test_without_a_cap_everyone_goes_on_the_start_day() -> None:
    days = spread(
        PaceModel(5.0, 0.01, 0.5), {"mail": 100, "letter": 7}, ["mail", "letter"], MONDAY, None
    )
    assert [(d.day, d.counts) for d in days] == [(MONDAY, {"mail": 100, "letter": 7})]
    assert days[0].forecast_calls == pytest.approx(5.0 + 0.01 * 100)


@pytest.fixture
def reg(db: Database, tmp_path: Path) -> Register:
    return make_register(db, tmp_path, count=120)


def make_plan(reg: Register, tmp_path: Path, **kw: object) -> PlanView:
    chain = list(kw.pop("chain", ["mail", "sms", "letter"]))  # type: ignore[call-overload]
    folder = kw.pop("folder", None) or write_templates(tmp_path / "templates")
    return plan_campaign(
        reg.db,
        reg.keyring,
        reg.slug,
        chain=chain,
        templates=read_template_dir(folder, chain),  # type: ignore[arg-type]
        start=kw.pop("start", MONDAY),  # type: ignore[arg-type]
        public_base_url="https://help.example.jp",
        sms_max_chars=670,
        calls_per_message=0.05,
        **kw,  # type: ignore[arg-type]
    )


def test_each_person_starts_on_the_first_channel_that_reaches_them(
    reg: Register, tmp_path: Path
) -> None:
    view = make_plan(reg, tmp_path)
    with reg.db.read() as s:
        rows = {
            m.person_id: (m.channel, m.state, m.mail, m.sms)
            for m in s.scalars(select(CampaignMessage))
        }
        campaign = s.get(Campaign, view.campaign)
        assert campaign is not None
        assert (campaign.channel, campaign.sent_on, campaign.audience, campaign.source) == (
            "mail",
            MONDAY,
            120,
            "plan",
        )
    for pid, x in reg.people.items():
        channel, state, mail, sms = rows[pid]
        kind = x.n % 10
        expected = {0: "sms", 1: "letter", 2: None, 3: "letter"}.get(kind, "mail")
        assert channel == expected
        assert state == ("unreachable" if expected is None else "pending")
        if expected == "letter":
            assert (mail, sms) == ("skipped", "skipped")
    assert view.unreachable == sum(1 for x in reg.people.values() if x.n % 10 == 2)


def test_a_capped_plan_uses_the_incidents_history_and_stays_under_the_cap(
    reg: Register, tmp_path: Path
) -> None:
    # Ten quiet days of 20 calls, then a campaign to 1,000 people that brought 40 more.
    with reg.db.transaction() as s:
        incident_id = get_register(s, reg.slug).incident_id
        for k in range(10):
            s.add(
                DailyFigure(
                    incident_id=incident_id,
                    day=date(2026, 5, 1) + timedelta(days=k),
                    offered=20,
                    answered=20,
                )
            )
        for k, extra in enumerate((40, 20, 10)):
            s.add(
                DailyFigure(
                    incident_id=incident_id,
                    day=date(2026, 5, 11) + timedelta(days=k),
                    offered=20 + extra,
                    answered=20,
                )
            )
        s.add(
            Campaign(
                incident_id=incident_id, channel="mail", sent_on=date(2026, 5, 11), audience=1000
            )
        )
    view = make_plan(reg, tmp_path, max_calls_per_day=22)  # 2 calls of room: 50 messages a day
    assert len(view.days) > 1
    assert sum(sum(d.counts.values()) for d in view.days) == view.people - view.unreachable
    for d in view.days:
        assert d.forecast_calls <= 22 + 1e-6
        assert is_send_day(d.day)
    with reg.db.read() as s:
        stored = {d.day: (d.mail, d.sms, d.letter) for d in s.scalars(select(CampaignDay))}
        per_day = Counter(
            (m.day, m.channel)
            for m in s.scalars(select(CampaignMessage).where(CampaignMessage.state == "pending"))
        )
    assert stored == {
        d.day: (d.counts["mail"], d.counts["sms"], d.counts["letter"]) for d in view.days
    }
    for day, (mail, sms, letter) in stored.items():
        assert (per_day[(day, "mail")], per_day[(day, "sms")], per_day[(day, "letter")]) == (
            mail,
            sms,
            letter,
        )


def test_planned_days_show_on_the_daily_report_once_approved(reg: Register, tmp_path: Path) -> None:
    view = make_plan(reg, tmp_path, max_calls_per_day=3)
    end = view.days[-1].day
    before = daily_table(reg.db, reg.slug, start=MONDAY, end=end)
    assert not any(r.events for r in before.rows)
    approve_plan(reg.db, view.campaign, by=None)
    table = daily_table(reg.db, reg.slug, start=MONDAY, end=end)
    marked = {r.day for r in table.rows if r.events}
    assert marked == {d.day for d in view.days}


def test_the_unreached_audience_is_who_no_earlier_campaign_reached(
    reg: Register, tmp_path: Path
) -> None:
    first = make_plan(reg, tmp_path, chain=["mail"], start=datetime.now(UTC).date())
    approve_plan(reg.db, first.campaign, by=None)
    with smtp_sink() as inbox:
        send_campaign(
            reg.db, reg.keyring, settings_for("x", inbox, None, reg.master), first.campaign
        )
    second = make_plan(reg, tmp_path, audience="unreached", chain=["sms", "letter"])
    with reg.db.read() as s:
        planned = set(
            s.scalars(
                select(CampaignMessage.person_id).where(
                    CampaignMessage.campaign_id == second.campaign
                )
            )
        )
    assert planned == {p for p, x in reg.people.items() if not x.mail}


def test_codes_are_assigned_at_plan_time_and_unredeemed_plans_exactly_the_rest(
    reg: Register, tmp_path: Path
) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("".join(f"QC{n:014d}\n" for n in range(200)), encoding="utf-8")
    load_codes(reg.db, reg.keyring, reg.slug, codes)
    folder = write_templates(tmp_path / "with-code", letter=LETTER + "補償コード：{code}\n")
    view = make_plan(reg, tmp_path, chain=["letter"], folder=folder)
    reachable = [p for p, x in reg.people.items() if x.postal]
    with reg.db.read() as s:
        register = get_register(s, reg.slug)
        held = codes_of(
            s, reg.keyring.data_key(register), register.id, register.incident_id, list(reg.people)
        )
    assert set(held) == set(reachable) and len(set(held.values())) == len(reachable)
    redeemed = [held[p] for p in reachable[::3]]
    report = tmp_path / "redeemed.txt"
    report.write_text("".join(f"{c}\n" for c in redeemed), encoding="utf-8")
    import_redeemed(reg.db, reg.keyring, reg.slug, report)
    reminder = make_plan(reg, tmp_path, chain=["letter"], folder=folder, audience="unredeemed")
    with reg.db.read() as s:
        planned = set(
            s.scalars(
                select(CampaignMessage.person_id).where(
                    CampaignMessage.campaign_id == reminder.campaign
                )
            )
        )
    assert planned == set(reachable) - set(reachable[::3])
    assert view.campaign != reminder.campaign


def test_too_few_codes_fail_the_plan_and_leave_nothing(reg: Register, tmp_path: Path) -> None:
    codes = tmp_path / "codes.txt"
    codes.write_text("QC00000000000001\n", encoding="utf-8")
    load_codes(reg.db, reg.keyring, reg.slug, codes)
    folder = write_templates(tmp_path / "with-code", mail="{name} 様 {code}\n")
    with pytest.raises(InvalidInputError, match="補償コード"):
        make_plan(reg, tmp_path, chain=["mail"], folder=folder)
    with reg.db.read() as s:
        assert s.scalars(select(Campaign)).all() == []


def test_a_number_of_agents_caps_the_calls_at_what_they_answer(
    reg: Register, tmp_path: Path
) -> None:
    from breachdesk.notify.pace import desk_capacity
    from breachdesk.reports.staffing import Assumptions

    view = make_plan(reg, tmp_path, agents=1)
    cap = desk_capacity(1, Assumptions())  # no published hours: the staffing default
    assert view.max_calls_per_day == cap
    assert all(d.forecast_calls <= cap + 1e-6 for d in view.days)
    same = make_plan(reg, tmp_path, max_calls_per_day=cap, audience="unreached")
    assert [(d.day, d.counts) for d in same.days] == [(d.day, d.counts) for d in view.days]
    with pytest.raises(InvalidInputError) as refused:
        make_plan(reg, tmp_path, agents=2, max_calls_per_day=40)
    assert refused.value.where == "agents"
