"""The demo desk: its weeks end now whenever it is run, a later run brings it up to date without
logging anything twice, a next campaign is always planned, and the calls keep the hours the
desk publishes (so do the forecast and staffing on it)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import jpholiday
import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import DAYS, calls_on, update_demo_desk
from breachdesk.desk import Desk
from breachdesk.inquiries.campaigns import list_campaigns
from breachdesk.inquiries.desk_days import desk_days, main_desk, open_hours, staffing_hours
from breachdesk.inquiries.service import list_inquiries
from breachdesk.kb.contacts import JST
from breachdesk.reports.daily import daily_table
from breachdesk.reports.service import forecast_table
from breachdesk.reports.summary import desk_summary

AUTUMN = datetime(2026, 10, 15, 16, 0, tzinfo=JST)  # a Thursday, late in the desk's day
"""The weeks that end here start on Friday 2026-09-04 and hold 敬老の日 (2026-09-21)."""


def fresh(folder: Path) -> Desk:
    desk = Desk(Settings(db=str(folder / "d.db"), dense_model="none"))
    desk.import_documents(DEMO_SLUG, demo_files())
    return desk


def calls(desk: Desk) -> list[tuple[datetime, str]]:
    found, total = list_inquiries(desk.db, DEMO_SLUG, limit=100_000)
    assert total == len(found)
    return sorted((c.received_at.astimezone(JST), c.outcome) for c in found)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    desk = fresh(tmp_path_factory.mktemp("demo"))
    assert update_demo_desk(desk.db, DEMO_SLUG, now=AUTUMN).calls > 1000
    return desk


def test_the_fictional_calls_fall_on_the_days_and_hours_the_desk_publishes(demo: Desk) -> None:
    logged = calls(demo)
    assert len(logged) > 1000
    for at, _ in logged:
        assert at.weekday() < 5, at  # 土日祝日を除く
        assert not jpholiday.is_holiday(at.date()), at
        assert 10 <= at.hour < 17, at  # 10:00~17:00


def test_the_six_weeks_end_now_and_the_next_campaign_is_after_today(demo: Desk) -> None:
    logged = calls(demo)
    assert logged[0][0].date() == AUTUMN.date() - timedelta(days=DAYS - 1)
    assert logged[-1][0] <= AUTUMN and logged[-1][0].date() == AUTUMN.date()
    is_open = desk_days(demo.db, DEMO_SLUG)
    week = [AUTUMN.date() - timedelta(days=k) for k in range(7)]
    assert {at.date() for at, _ in logged} >= {day for day in week if is_open(day)}
    assert sum(is_open(day) for day in week) == 4  # スポーツの日 (10/12) and a weekend
    sent = [c.sent_on for c in list_campaigns(demo.db, DEMO_SLUG)]
    assert sum(day <= AUTUMN.date() for day in sent) == 2
    assert sum(day > AUTUMN.date() for day in sent) == 1
    summary = desk_summary(demo.db, DEMO_SLUG, now=AUTUMN)
    assert summary.calls > 0 and summary.next_campaign is not None
    assert summary.next_campaign.sent_on > AUTUMN.date()


def test_a_run_today_ends_today(tmp_path: Path) -> None:
    desk = fresh(tmp_path)
    before = datetime.now(JST)
    update_demo_desk(desk.db, DEMO_SLUG)
    table = daily_table(desk.db, DEMO_SLUG)
    is_open = desk_days(desk.db, DEMO_SLUG)
    week = [before.date() - timedelta(days=k) for k in range(1, 8)]
    offered = {r.day: r.offered for r in table.rows}
    assert all(offered.get(day) for day in week if is_open(day))  # the last seven days have calls
    assert all(at <= datetime.now(JST) for at, _ in calls(desk))
    upcoming = [c for c in list_campaigns(desk.db, DEMO_SLUG) if c.sent_on > before.date()]
    assert len(upcoming) == 1


def test_a_second_run_the_same_day_adds_only_the_calls_since(tmp_path: Path) -> None:
    morning = datetime(2026, 10, 13, 11, 0, tzinfo=JST)  # a Tuesday
    afternoon = morning.replace(hour=15, minute=30)
    twice = fresh(tmp_path / "twice")
    first = update_demo_desk(twice.db, DEMO_SLUG, now=morning)
    update = update_demo_desk(twice.db, DEMO_SLUG, now=afternoon)
    assert update.calls > 0 and update.first == update.last == morning.date()
    assert update.campaigns == []  # the next campaign was planned by the first run
    again = update_demo_desk(twice.db, DEMO_SLUG, now=afternoon)
    assert (again.calls, again.campaigns) == (0, [])
    once = fresh(tmp_path / "once")
    update_demo_desk(once.db, DEMO_SLUG, now=afternoon)
    assert len(calls(twice)) == first.calls + update.calls
    assert Counter(calls(twice)) == Counter(calls(once))


def test_a_run_days_later_fills_the_days_between_and_plans_the_next_campaign(
    tmp_path: Path,
) -> None:
    morning = datetime(2026, 10, 13, 11, 0, tzinfo=JST)
    later = datetime(2026, 10, 28, 15, 30, tzinfo=JST)  # past the campaign planned on the 13th
    desk = fresh(tmp_path)
    update_demo_desk(desk.db, DEMO_SLUG, now=morning)
    (planned,) = [c for c in list_campaigns(desk.db, DEMO_SLUG) if c.sent_on > morning.date()]
    assert planned.sent_on < later.date()
    update = update_demo_desk(desk.db, DEMO_SLUG, now=later)
    assert update.first == morning.date() and update.last == later.date()
    logged = calls(desk)
    assert logged[-1][0] <= later
    is_open = desk_days(desk.db, DEMO_SLUG)
    days = Counter(at.date() for at, _ in logged)
    between = [morning.date() + timedelta(days=k) for k in range(16)]
    assert [d for d in between if days[d]] == [d for d in between if is_open(d)]
    # Each day holds exactly the calls the model gives it, the 13th's morning included.
    campaigns = list_campaigns(desk.db, DEMO_SLUG)
    announced = logged[0][0].date()
    contact = main_desk(desk.db, DEMO_SLUG)
    for day in between:
        model = [c for c in calls_on(day, contact, announced, campaigns) if c.at <= later]
        assert days[day] == len(model), day
    upcoming = [c for c in list_campaigns(desk.db, DEMO_SLUG) if c.sent_on > later.date()]
    assert len(upcoming) == 1 and upcoming[0].channel != planned.channel


def test_the_forecast_asks_for_no_agents_on_closed_days(demo: Desk) -> None:
    is_open = desk_days(demo.db, DEMO_SLUG)
    assert is_open(date(2026, 9, 7)) and not is_open(date(2026, 9, 5))  # Monday, Saturday
    assert not is_open(date(2026, 9, 21))  # 敬老の日
    on = date(2026, 10, 19)  # a Monday
    _, rows = forecast_table(demo.db, DEMO_SLUG, on=on, days=14, audience=500)
    assert [r.day.day for r in rows] == [on + timedelta(days=k) for k in range(14)]
    for row in rows:
        if row.day.day.weekday() >= 5:
            assert row.closed and row.agents_needed is None and row.day.expected == 0
        else:
            assert not row.closed and row.agents_needed and row.day.expected > 0
    saturday, monday = rows[5], rows[7]
    assert saturday.closed and monday.day.expected > rows[4].day.expected  # the weekend's calls


def test_staffing_assumes_the_hours_the_desk_publishes_unless_told(demo: Desk) -> None:
    assert open_hours(demo.db, DEMO_SLUG) == 7  # 10:00~17:00
    assert staffing_hours(demo.db, DEMO_SLUG, None, None) == 7
    assert staffing_hours(demo.db, DEMO_SLUG, 9, None) == 9
    assert staffing_hours(demo.db, DEMO_SLUG, None, "1,2,1") is None  # the profile decides
    result = CliRunner().invoke(
        app, ["--db", demo.settings.db, "report", "staffing", "--incident", DEMO_SLUG]
    )
    assert result.exit_code == 0 and "open 7 h/day" in result.stdout
