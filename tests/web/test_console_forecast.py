"""The console report page: a staffing plan to try and the forecast after a planned campaign,
on the fictional demo desk."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "f.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    # The demo's six weeks that end on 2026-10-15: its campaigns come before the forecast's day.
    seed_demo_desk(the_desk.db, DEMO_SLUG, now=datetime(2026, 10, 15, 16, 0, tzinfo=JST))
    auth.create_user(the_desk.db, "vic", PASSWORD, "viewer")
    return the_desk


def test_the_console_report_tries_a_plan_and_draws_the_forecast(desk: Desk) -> None:
    viewer, _ = signed_in(desk, "vic")
    page = viewer.get(
        f"/console/i/{DEMO_SLUG}/report",
        params={"agents": "2", "lines": "3", "forecast_on": "2026-10-20", "audience": "400"},
    )
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    head = tree.css_first('table[aria-label="人員計画"] thead').text()
    assert "試算の応答率（2人・3回線）" in head
    forecast = tree.css('table[aria-label="入電予測"] tbody tr')
    assert len(forecast) == 14
    assert re.match(r"10/20", forecast[0].css_first("td").text())
    # Without hours the profile sets them (as on the CLI); a profile that contradicts them errs.
    bad = viewer.get(f"/console/i/{DEMO_SLUG}/report", params={"profile": "1,2", "hours": "8"})
    error = HTMLParser(bad.text).css_first(".form-error")
    assert bad.status_code == 200 and error is not None and "open hours" in error.text()


def test_the_api_gives_the_plan_and_the_forecast(desk: Desk) -> None:
    from fastapi.testclient import TestClient

    from breachdesk.web.app import create_app

    token = auth.create_token(desk.db, "robot", "viewer")
    api = TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )
    url = f"/api/v1/incidents/{DEMO_SLUG}/reports"
    staffing = api.get(f"{url}/staffing", params={"agents": 2, "profile": "1,2,3,3,2,2,1,1"})
    assert staffing.status_code == 200
    body = staffing.json()
    assert "intraday profile 1,2,3,3,2,2,1,1" in body["assumptions"]
    plans = [d["plan"] for d in body["days"]]
    assert plans and all(p["agents"] == 2 and p["lines"] == 2 for p in plans)
    assert all(abs(p["answer_rate"] + p["busy"] + p["abandoned"] - 1) < 1e-6 for p in plans)
    forecast = api.get(f"{url}/forecast", params={"on": "2026-10-20", "days": 5})
    assert [d["date"] for d in forecast.json()] == [f"2026-10-{n}" for n in range(20, 25)]
    bad = api.get(f"{url}/staffing", params={"profile": "1,2", "hours": 8})
    assert bad.status_code == 422 and "2 weights for 8 open hours" in bad.json()["error"]
