"""Trying a staffing plan and forecasting a planned campaign through the CLI, on the fictional
demo desk (two campaigns with their audiences and six weeks of calls)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST

runner = CliRunner()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    folder = tmp_path_factory.mktemp("plan")
    settings = Settings(db=str(folder / "p.db"), dense_model="none", cache_dir=folder / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    # The weeks that end on 2026-10-15: campaigns on 9/10 and 9/24, before the one forecast.
    seed_demo_desk(the_desk.db, DEMO_SLUG, now=datetime(2026, 10, 15, 16, 0, tzinfo=JST))
    return the_desk


def cli(desk: Desk, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", desk.settings.db, "report", *args])
    return result.exit_code, result.output


def test_a_plan_adds_its_answer_rate_busy_and_hang_up_shares(desk: Desk) -> None:
    code, out = cli(desk, "staffing", "--incident", DEMO_SLUG, "--agents", "2", "--lines", "3")
    assert code == 0, out
    lines = out.splitlines()
    header = lines[1].split(",")
    assert header[-5:] == [
        "plan_agents",
        "plan_lines",
        "plan_answer_rate",
        "plan_busy",
        "plan_abandoned",
    ]
    days = [dict(zip(header, line.split(","), strict=True)) for line in lines[2:]]
    assert len(days) >= 25  # the open days of six weeks (土日祝日を除く)
    for day in days:
        shares = [float(day[k]) for k in ("plan_answer_rate", "plan_busy", "plan_abandoned")]
        assert sum(shares) == pytest.approx(1.0, abs=0.002)
    busiest = max(days, key=lambda d: int(d["offered"]))
    quietest = min(days, key=lambda d: int(d["offered"]))
    assert float(busiest["plan_answer_rate"]) < float(quietest["plan_answer_rate"])
    code, out = cli(desk, "staffing", "--incident", DEMO_SLUG, "--agents", "3", "--lines", "2")
    assert code != 0 and "lines ≥ agents" in out


def test_a_profile_sets_the_open_hours_and_shows_in_the_assumptions(desk: Desk) -> None:
    code, out = cli(desk, "staffing", "--incident", DEMO_SLUG, "--profile", "1,3,3,2,2,1")
    assert code == 0, out
    assert "open 6 h/day" in out and "intraday profile 1,3,3,2,2,1" in out
    code, out = cli(desk, "staffing", "--incident", DEMO_SLUG, "--profile", "1,3", "--hours", "8")
    assert code != 0 and "2 weights for 8 open hours" in out


def test_the_forecast_after_a_planned_campaign_scales_with_its_audience(
    desk: Desk, tmp_path: Path
) -> None:
    chart = tmp_path / "forecast.svg"
    args = ["forecast", "--incident", DEMO_SLUG, "--on", "2026-10-20", "--days", "10"]
    code, small = cli(desk, *args, "--audience", "400", "--chart", str(chart))
    assert code == 0, small
    code, large = cli(desk, *args, "--audience", "4000")
    assert code == 0, large

    def expected(out: str) -> list[float]:
        rows = out.splitlines()
        assert rows[0] == "date,expected,low,high,agents_needed"
        return [float(r.split(",")[1]) for r in rows[1:]]

    few, many = expected(small), expected(large)
    assert len(few) == 10 and few[0] > few[-1]  # the jump decays
    assert many[0] > few[0]  # ten times the audience, more calls
    assert all(
        float(r.split(",")[2]) <= float(r.split(",")[1]) <= float(r.split(",")[3])
        for r in small.splitlines()[1:]
    )
    plain = tmp_path / "plain.svg"
    cli(desk, "daily", "--incident", DEMO_SLUG, "--chart", str(plain))
    assert b"<svg" in chart.read_bytes() and len(chart.read_bytes()) > len(plain.read_bytes())


def test_without_a_day_the_forecast_is_for_the_next_planned_campaign(desk: Desk) -> None:
    from breachdesk.reports.service import next_planned_campaign

    planned = next_planned_campaign(desk.db, DEMO_SLUG, today=date(2026, 10, 15))
    assert planned.sent_on == date(2026, 10, 23) and planned.audience  # the demo's next one
    # Seen from today, that campaign has gone out and nothing else is planned: --on is needed.
    code, out = cli(desk, "forecast", "--incident", DEMO_SLUG)
    assert code != 0 and "今日より後に予定されたキャンペーンがありません" in out
