"""The console and the API show the same data under the same rule: for every guarded API route,
its console twin (same path after the slug, or named below) requires the same permission.

A new API route with neither a twin nor a place in API_ONLY fails here, as does a console page
that lets a lower role see what the API keeps from it (a viewer read the review queue on the
console while `GET /api/v1/incidents/{slug}/questions` was operator-only).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient

from breachdesk.auth import service as auth
from breachdesk.auth.roles import Permission
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app
from breachdesk.web.security import route_permissions

Route = tuple[str, str]
API = "/api/v1/incidents/{slug}"
CONSOLE = "/console/i/{slug}"
# API routes whose console twin has another path: the same data, the same action.
TWINS: dict[Route, list[Route]] = {
    ("GET", "/api/v1/audit"): [("GET", "/console/audit")],
    ("POST", "/api/v1/incidents"): [("POST", "/console/incidents")],
    ("POST", f"{API}/documents"): [("POST", f"{CONSOLE}/upload")],
    ("GET", f"{API}/documents/{{file_name}}/changes"): [("GET", f"{CONSOLE}/documents/changes")],
    ("POST", f"{API}/entries/{{entry_id}}/versions"): [
        ("POST", f"{CONSOLE}/entries/{{entry_id}}/edit"),
        ("POST", f"{CONSOLE}/entries/{{entry_id}}/intents"),
    ],
    ("GET", f"{API}/campaigns/{{campaign_id}}/bounced"): [
        ("GET", f"{CONSOLE}/campaigns/{{campaign_id}}/bounced.csv")
    ],
    # Campaigns planned from the register: the campaign page shows the plan and its status;
    # the unreachable list is shown on it by an audited POST (a read that writes its row).
    ("GET", f"{API}/campaigns/{{campaign_id}}/plan"): [
        ("GET", f"{CONSOLE}/campaigns/{{campaign_id}}")
    ],
    ("GET", f"{API}/campaigns/{{campaign_id}}/status"): [
        ("GET", f"{CONSOLE}/campaigns/{{campaign_id}}")
    ],
    ("GET", f"{API}/campaigns/{{campaign_id}}/unreachable"): [
        ("POST", f"{CONSOLE}/campaigns/{{campaign_id}}/unreachable")
    ],
    # One callback request's contact in clear: the worklist's audited 表示 button.
    ("GET", f"{API}/callbacks/{{callback_id}}"): [
        ("POST", f"{CONSOLE}/callbacks/{{callback_id}}/show")
    ],
    ("GET", f"{API}/questions"): [
        ("GET", f"{CONSOLE}/review"),
        ("GET", f"{CONSOLE}/review/{{question_id}}"),
    ],
    ("POST", "/api/v1/questions/{question_id}/attach"): [
        ("POST", f"{CONSOLE}/review/{{question_id}}/attach")
    ],
    ("POST", "/api/v1/questions/{question_id}/mark"): [
        ("POST", f"{CONSOLE}/review/{{question_id}}/mark")
    ],
    ("GET", f"{API}/inquiries"): [("GET", f"{CONSOLE}/desk")],
    ("POST", f"{API}/inquiries"): [("POST", f"{CONSOLE}/desk")],
    **{
        ("GET", f"{API}/reports/{kind}"): [("GET", f"{CONSOLE}/report")]
        for kind in ("daily", "weekly", "categories", "staffing", "forecast")
    },
}
# The intent taxonomy, for clients choosing ids; the console shows its labels on every entry page
# (to readers too) and lists it whole only in the editors' form.
API_ONLY: set[Route] = {("GET", "/api/v1/intents")}


def twins(table: dict[Route, Permission | None]) -> list[tuple[Route, Route]]:
    """Every (API route, console route) pair that shows the same data."""
    pairs = []
    for (method, path), permission in table.items():
        if not path.startswith("/api/v1/") or permission is None:
            continue
        named = TWINS.get((method, path))
        if named is not None:
            pairs.extend(((method, path), twin) for twin in named)
            continue
        if path.startswith(API):
            same = (method, CONSOLE + path[len(API) :])
            if same in table:
                pairs.append(((method, path), same))
                continue
        assert (method, path) in API_ONLY, f"no console twin declared for {method} {path}"
    return pairs


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> dict[Route, Permission | None]:
    folder = tmp_path_factory.mktemp("faces")
    settings = Settings(db=str(folder / "f.db"), dense_model="none", cache_dir=folder / "c")
    return route_permissions(create_app(settings))


def test_every_console_twin_of_an_api_route_requires_the_same_permission(
    table: dict[Route, Permission | None],
) -> None:
    pairs = twins(table)
    assert len(pairs) >= 25
    for api, console in pairs:
        assert console in table, f"the declared twin {console} is not a route"
        assert table[console] == table[api], (api, table[api], console, table[console])


def test_what_people_said_is_operator_work_on_both_faces(
    table: dict[Route, Permission | None],
) -> None:
    for route in (
        ("GET", f"{API}/questions"),
        ("GET", f"{API}/inquiries"),
        ("GET", f"{CONSOLE}/review"),
        ("GET", f"{CONSOLE}/review/{{question_id}}"),
        ("GET", f"{CONSOLE}/desk"),
    ):
        assert table[route] is Permission.REVIEW, route


def test_a_viewer_is_refused_the_review_queue_on_both_faces(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "v.db"), dense_model="none", cache_dir=tmp_path / "c")
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    shown = desk.ask_public(DEMO_SLUG, "カードを再発行したい")
    token = auth.create_token(desk.db, "viewer-bot", "viewer")
    auth.create_user(desk.db, "vic", PASSWORD, "viewer")
    api = TestClient(create_app(settings, desk=desk)).get(
        f"/api/v1/incidents/{DEMO_SLUG}/questions",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 403
    console, _ = signed_in(desk, "vic")
    assert console.get("/console").status_code == 200  # signed in, and a viewer may read
    for page in (f"{DEMO_SLUG}/review", f"{DEMO_SLUG}/review/{shown.question_id}"):
        response = console.get(f"/console/i/{page}", follow_redirects=False)
        assert response.status_code == 403, page
