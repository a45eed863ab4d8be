"""The demo desk keeps its own published hours, and so do the forecast and staffing on it."""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday
import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.inquiries.desk_days import desk_days, open_hours, staffing_hours
from breachdesk.inquiries.service import list_inquiries
from breachdesk.kb.contacts import JST
from breachdesk.reports.service import forecast_table


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    desk = Desk(Settings(db=str(tmp_path_factory.mktemp("demo") / "d.db"), dense_model="none"))
    desk.import_documents(DEMO_SLUG, demo_files())
    assert seed_demo_desk(desk.db, DEMO_SLUG) > 0
    return desk


def test_the_fictional_calls_fall_on_the_days_and_hours_the_desk_publishes(demo: Desk) -> None:
    calls, total = list_inquiries(demo.db, DEMO_SLUG, limit=100_000)
    assert total == len(calls) > 1000
    for call in calls:
        local = call.received_at.astimezone(JST)
        assert local.weekday() < 5, local  # 土日祝日を除く
        assert not jpholiday.is_holiday(local.date()), local
        assert 10 <= local.hour < 17, local  # 10:00~17:00


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
