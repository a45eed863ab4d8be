"""Every numeric query parameter of the API, from the app's own OpenAPI document, against any
value a client can send (NaN, infinities, huge, negative, fractional, text): a 2xx or a 4xx,
and an answer at all (a runaway loop fails the hang guard; no timing is asserted). A parameter
added tomorrow is fuzzed without being listed here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
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
from breachdesk.web.app import create_app


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("numbers")
    config = Settings(
        db=str(folder / "n.db"),
        dense_model="none",
        cache_dir=folder / "c",
        rate_limit_per_minute=0,
    )
    desk = Desk(config)
    desk.import_documents(DEMO_SLUG, demo_files())
    seed_demo_desk(desk.db, DEMO_SLUG)
    token = auth.create_token(desk.db, "fuzzer", "admin")
    path_values = {
        "slug": DEMO_SLUG,
        "campaign_id": str(campaigns.list_campaigns(desk.db, DEMO_SLUG)[0].id),
        "entry_id": desk.entries(DEMO_SLUG)[0].id,
    }
    with TestClient(
        create_app(config, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client, path_values


def is_numeric(schema: dict[str, Any]) -> bool:
    if schema.get("type") in ("number", "integer"):
        return True
    return any(is_numeric(s) for s in schema.get("anyOf", []) + schema.get("oneOf", []))


def numeric_parameters(client: TestClient) -> list[tuple[str, str, str]]:
    """(method, path, name) of every numeric query parameter in the OpenAPI document."""
    found = []
    for path, item in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in item.items():
            for param in operation.get("parameters", []):
                if param["in"] == "query" and is_numeric(param.get("schema", {})):
                    found.append((method.upper(), path, param["name"]))
    return sorted(found)


def test_the_api_has_the_numeric_parameters_this_test_fuzzes(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    names = {(path.rsplit("/", 1)[-1], name) for _, path, name in numeric_parameters(api[0])}
    assert {("staffing", "aht"), ("staffing", "agents"), ("forecast", "audience")} <= names
    assert len(names) >= 15


HOSTILE = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "-0"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(max_size=12),
)


@settings(
    max_examples=300,
    deadline=None,  # a hang is told apart from a slow answer by `returns`, not by timing
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_value_of_any_numeric_parameter_is_answered_without_a_5xx(
    api: tuple[TestClient, dict[str, str]], data: st.DataObject
) -> None:
    client, path_values = api
    parameters = numeric_parameters(client)
    method, path, name = data.draw(st.sampled_from(parameters), label="parameter")
    value = data.draw(HOSTILE, label="value")
    url = re.sub(r"\{(\w+)\}", lambda m: path_values.get(m.group(1), "1"), path)
    query: dict[str, str] = {name: value}
    if path.endswith("/forecast"):
        query.setdefault("on", "2026-12-01")  # the one required parameter there
    response = returns(lambda: client.request(method, url, params=query), (method, url, query))
    assert response.status_code < 500, (method, url, query, response.text[:300])
