"""Hostile numbers and dates on the API: every one is a quick 4xx with a message, and a row
stored with an impossible date (before dates were checked) no longer disables the reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db.tables import Campaign, Incident, Inquiry
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.web.app import create_app

URL = f"/api/v1/incidents/{DEMO_SLUG}"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    folder = tmp_path_factory.mktemp("hostile")
    settings = Settings(db=str(folder / "h.db"), dense_model="none", cache_dir=folder / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    seed_demo_desk(the_desk.db, DEMO_SLUG)
    return the_desk


def robot(desk: Desk, role: str) -> TestClient:
    token = auth.create_token(desk.db, f"robot-{role}-{len(auth.list_tokens(desk.db))}", role)
    return TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize("profile", ["nan", "inf", "-1", "nan,inf,-1", "1e309,1", "0,0"])
def test_a_profile_that_is_not_finite_weights_is_a_422(desk: Desk, profile: str) -> None:
    response = robot(desk, "viewer").get(f"{URL}/reports/staffing", params={"profile": profile})
    assert response.status_code == 422
    assert "profile" in response.json()["error"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("aht", "nan"), ("aht", "inf"), ("patience", "-inf"), ("target", "nan"), ("agents", "1e9")],
)
def test_every_staffing_number_is_bounded(desk: Desk, name: str, value: str) -> None:
    response = robot(desk, "viewer").get(f"{URL}/reports/staffing", params={name: value})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "received_at", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "2199-01-01T00:00:00"]
)
def test_an_implausible_received_at_is_refused(desk: Desk, received_at: str) -> None:
    response = robot(desk, "operator").post(
        f"{URL}/inquiries",
        json={"channel": "phone", "outcome": "answered", "received_at": received_at},
    )
    assert response.status_code == 422
    assert "received_at" in response.json()["error"]


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
def test_a_forecast_for_an_impossible_day_is_a_422(desk: Desk, on: str) -> None:
    response = robot(desk, "viewer").get(f"{URL}/reports/forecast", params={"on": on})
    assert response.status_code == 422
    assert "on" in response.json()["error"]


def test_a_campaign_in_year_one_is_refused(desk: Desk) -> None:
    response = robot(desk, "editor").post(
        f"{URL}/campaigns", json={"channel": "mail", "sent_on": "0001-01-01"}
    )
    assert response.status_code == 422


def test_one_stored_row_with_an_impossible_date_leaves_every_report_working(
    tmp_path: Path,
) -> None:
    settings = Settings(db=str(tmp_path / "b.db"), dense_model="none", cache_dir=tmp_path / "c")
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    seed_demo_desk(desk.db, DEMO_SLUG)
    client = robot(desk, "viewer")
    before = client.get(f"{URL}/reports/daily").json()
    # Rows as an older version stored them, before dates were checked.
    with desk.db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == DEMO_SLUG))
        assert incident is not None
        s.add(
            Inquiry(
                incident_id=incident.id,
                channel="phone",
                received_at=datetime(1, 1, 1, 9),
                day=datetime(1, 1, 1).date(),
                outcome="answered",
                fraud_report=False,
                note="",
                source="console",
            )
        )
        s.add(
            Campaign(
                incident_id=incident.id,
                channel="mail",
                sent_on=datetime(9999, 12, 31).date(),
                note="",
                source="console",
            )
        )
    daily = client.get(f"{URL}/reports/daily")
    assert daily.status_code == 200
    assert daily.json()["days"] == before["days"]
    assert any("2件を集計から除きました" in note for note in daily.json()["notes"])
    for report in ("daily?format=csv", "weekly", "categories", "staffing"):
        assert client.get(f"{URL}/reports/{report}").status_code == 200, report
    from breachdesk.reports.service import regulator_inputs

    inputs = regulator_inputs(desk.db, DEMO_SLUG, discovered_on=None, unauthorised_access=False)
    assert inputs.totals is not None
    # The console says what it left out, and its downloads still work.
    auth.create_user(desk.db, "vic", PASSWORD, "viewer")
    console, _ = signed_in(desk, "vic")
    page = console.get(f"/console/i/{DEMO_SLUG}/report")
    assert page.status_code == 200
    notes = [n.text() for n in HTMLParser(page.text).css('[role="note"]')]
    assert any("2件を集計から除きました" in n for n in notes)
    for kind in ("daily.csv", "daily.xlsx", "staffing.csv"):
        assert console.get(f"/console/i/{DEMO_SLUG}/report/download/{kind}").status_code == 200
    assert console.get(f"/console/i/{DEMO_SLUG}/regulator").status_code == 200
