"""Every query parameter of every page and API GET, walked from the app's own routes, against
hostile values (impossible dates, NaN, huge numbers, text where a number goes): a 2xx, 3xx or
4xx within seconds, never a 500. tests/web/test_numeric_params.py does the API's numbers from
its OpenAPI document; this one also reaches the console's pages (not in the OpenAPI document)
and dates, where `?day=0001-01-01` on the audit log and `?discovered=9999-12-31` on the
regulator draft were 500s (OverflowError)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from hang_guard import returns
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.inquiries import campaigns
from breachdesk.web.security import _api_routes

HOSTILE = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "2026-02-30",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-1",
    "0",
    "99999999999999999999",
    "1.5",
    "",
    "1,2,nan",
    "１２",
    "あ" * 300,
]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[str]]]:
    folder = tmp_path_factory.mktemp("params")
    config = Settings(
        db=str(folder / "p.db"), dense_model="none", cache_dir=folder / "c", rate_limit_per_minute=0
    )
    desk = Desk(config)
    desk.import_documents(DEMO_SLUG, demo_files())
    seed_demo_desk(desk.db, DEMO_SLUG)
    auth.create_user(desk.db, "ada", PASSWORD, "admin")
    client, _ = signed_in(desk, "ada")
    values = {
        "slug": DEMO_SLUG,
        "campaign_id": str(campaigns.list_campaigns(desk.db, DEMO_SLUG)[0].id),
        "entry_id": desk.entries(DEMO_SLUG)[0].id,
    }
    with client:
        yield client, targets(client, values)


def targets(client: TestClient, values: dict[str, str]) -> list[str]:
    """`path?name` for every query parameter of every GET route whose path can be filled."""
    found = []
    for path, route in _api_routes(client.app.routes):  # type: ignore[attr-defined]
        if "GET" not in (route.methods or ()):
            continue
        url = path
        for key, value in values.items():
            url = url.replace("{" + key + "}", value)
        if "{" in url:
            continue
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            found.extend(f"{url}?{p.alias}" for p in dependant.query_params)
            stack.extend(dependant.dependencies)
    return sorted(set(found))


def test_the_walk_reaches_console_pages_and_dates(console: tuple[TestClient, list[str]]) -> None:
    found = console[1]
    assert "/console/audit?day" in found
    assert f"/console/i/{DEMO_SLUG}/regulator?discovered" in found
    assert len(found) >= 40


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_value_of_any_query_parameter_is_answered_without_a_500(
    console: tuple[TestClient, list[str]], data: st.DataObject
) -> None:
    client, found = console
    target = data.draw(st.sampled_from(found))
    value = data.draw(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30)))
    path, name = target.split("?")
    response = returns(
        lambda: client.get(path, params={name: value}, follow_redirects=False), (target, value)
    )
    assert response.status_code < 500, (target, value, response.text[:300])


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_every_date_parameter_takes_the_calendar_s_first_and_last_day(
    console: tuple[TestClient, list[str]], value: str
) -> None:
    client, found = console
    for target in found:
        path, name = target.split("?")
        response = client.get(path, params={name: value}, follow_redirects=False)
        assert response.status_code < 500, (target, value, response.text[:300])
