"""Every console and API route checks who is asking: a table over the app's own route list,
so a new route without a permission check fails here."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.auth.roles import Permission
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app
from breachdesk.web.security import route_permissions, upload_routes

PASSWORD = "correct horse battery"
PUBLIC = {
    ("GET", "/api/v1/incidents"),
    ("GET", "/api/v1/incidents/{slug}/entries"),
    ("POST", "/api/v1/incidents/{slug}/ask"),
    ("GET", "/api/v1/incidents/{slug}/scope"),
    ("POST", "/api/v1/questions/{question_id}/feedback"),
    ("POST", "/api/v1/questions/{question_id}/choice"),
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("POST", "/console/logout"),
}
VALUES = {
    "slug": DEMO_SLUG,
    "entry_id": "sakura-books-0000000000",
    "version": "1",
    "question_id": "1",
    "user_id": "1",
    "token_id": "1",
    "file_name": "sakura-faq.txt",
    "kind": "daily.csv",
    "campaign_id": "1",
    "job_id": "no-such-job",
    "callback_id": "1",
    "template_id": "1",
}


@pytest.fixture(scope="module")
def app_and_users(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("routes")
    settings = Settings(db=str(folder / "r.db"), dense_model="none", cache_dir=folder / "c")
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    for name, role in (("vic", "viewer"), ("ola", "operator"), ("eri", "editor"), ("ada", "admin")):
        auth.create_user(desk.db, name, PASSWORD, role)
    return TestClient(create_app(settings, desk=desk), base_url="https://testserver")


def guarded_routes(client: TestClient) -> list[tuple[str, str, Permission]]:
    table = route_permissions(client.app)  # type: ignore[arg-type]
    return sorted(
        (method, path, permission)
        for (method, path), permission in table.items()
        if permission is not None
    )


def url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], path)


def session(client: TestClient, user: str) -> TestClient:
    fresh = TestClient(client.app, base_url="https://testserver")
    page = fresh.get("/console/login")
    token = HTMLParser(page.text).css_first('input[name="csrf_token"]')
    assert token is not None
    fresh.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token.attributes["value"]},
    )
    assert fresh.cookies.get("bd_session")
    return fresh


def test_every_console_and_api_route_declares_a_permission(app_and_users: TestClient) -> None:
    table = route_permissions(app_and_users.app)  # type: ignore[arg-type]
    ours = {k: v for k, v in table.items() if k[1].startswith(("/console", "/api/v1"))}
    assert len(ours) > 40
    unguarded = sorted(k for k, v in ours.items() if v is None and k not in PUBLIC)
    assert unguarded == []
    assert all(table.get(k, "missing") is None for k in PUBLIC)  # the allow-list is real


def test_anonymous_requests_are_refused_everywhere(app_and_users: TestClient) -> None:
    anonymous = TestClient(app_and_users.app, base_url="https://testserver")
    for method, path, _ in guarded_routes(app_and_users):
        response = anonymous.request(method, url(path), follow_redirects=False)
        if method == "GET" and path.startswith("/console"):
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/console/login?next="), path
        else:
            assert response.status_code == 401, (method, path)


def test_a_viewer_gets_403_on_every_route_above_read(app_and_users: TestClient) -> None:
    viewer = session(app_and_users, "vic")
    principal = auth.resolve_session(
        app_and_users.app.state.desk.db,  # type: ignore[attr-defined]
        str(viewer.cookies.get("bd_session")),
        hours=1,
    )
    assert principal is not None
    headers = {"X-CSRF-Token": str(principal.csrf_token)}
    checked = 0
    for method, path, permission in guarded_routes(app_and_users):
        if permission is Permission.READ:
            continue
        response = viewer.request(method, url(path), headers=headers, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        checked += 1
    assert checked > 20


def test_an_operator_may_review_but_not_edit(app_and_users: TestClient) -> None:
    operator = session(app_and_users, "ola")
    assert operator.get(f"/console/i/{DEMO_SLUG}/review").status_code == 200
    for method, path, permission in guarded_routes(app_and_users):
        if permission in (Permission.EDIT, Permission.ADMIN) and method == "GET":
            assert operator.get(url(path), follow_redirects=False).status_code == 403, path


def test_every_unsafe_console_route_needs_the_csrf_token(app_and_users: TestClient) -> None:
    editor = session(app_and_users, "eri")
    checked = 0
    for method, path, permission in guarded_routes(app_and_users):
        if method != "POST" or permission is Permission.ADMIN:
            continue
        response = editor.post(url(path), data={"anything": "1"}, follow_redirects=False)
        assert response.status_code == 403, (path, response.status_code)
        checked += 1
    assert checked > 10


USER_OF_ROLE = {"viewer": "vic", "operator": "ola", "editor": "eri", "admin": "ada"}
LOWEST_ROLE = {
    Permission.READ: "viewer",
    Permission.REVIEW: "operator",
    Permission.EDIT: "editor",
    Permission.ADMIN: "admin",
}
FAQ = "Q. カードは再発行されますか\nA. 無料で再発行いたします。\n".encode()


def as_role(client: TestClient, role: str, path: str) -> tuple[TestClient, dict[str, str]]:
    """A client signed in with `role`: an API token on the API, a session (and its CSRF
    header) on the console."""
    desk = client.app.state.desk  # type: ignore[attr-defined]
    if path.startswith("/api/"):
        token = auth.create_token(desk.db, f"{role}-bot", role)
        return client, {"Authorization": f"Bearer {token}"}
    signed_in = session(client, USER_OF_ROLE[role])
    principal = auth.resolve_session(desk.db, str(signed_in.cookies.get("bd_session")), hours=1)
    assert principal is not None
    return signed_in, {"X-CSRF-Token": str(principal.csrf_token)}


def test_no_upload_creates_an_incident_but_an_admins_document_upload(
    app_and_users: TestClient,
) -> None:
    """Every route that takes a file, sent to an incident that does not exist by the lowest role
    it allows (an editor for documents): not found, and nothing is created. Creating an
    incident is an admin's decision; an admin's document upload through the API makes it, and
    the audit log says so."""
    app = app_and_users.app
    desk = app.state.desk  # type: ignore[attr-defined]
    permissions = route_permissions(app)  # type: ignore[arg-type]
    routes = [r for r in upload_routes(app) if "{slug}" in r[1]]  # type: ignore[arg-type]
    assert len(routes) >= 5
    for i, (method, path, field) in enumerate(routes):
        slug = f"new-incident-{i}"
        permission = permissions[(method, path)]
        assert permission is not None, path
        role = LOWEST_ROLE[permission]
        client, headers = as_role(app_and_users, role, path)
        response = client.request(
            method,
            url(path.replace("{slug}", slug)),
            files={field: ("faq.txt", FAQ, "text/plain")},
            headers=headers,
            follow_redirects=False,
        )
        # A documents upload is refused for the missing incident; a table upload may be refused
        # first for its content (a FAQ is no call log: 422, or on the console a redirect with
        # the refusal). Either way nothing is created.
        expected = {404} if field == "files" else {303, 404, 422}
        assert response.status_code in expected, (role, method, path, response.status_code)
        assert slug not in {i.slug for i in desk.incidents()}, path

    client, headers = as_role(app_and_users, "admin", "/api/")
    response = client.post(
        "/api/v1/incidents/made-by-admin/documents",
        files={"files": ("faq.txt", FAQ, "text/plain")},
        headers=headers,
    )
    assert response.status_code == 200
    assert "made-by-admin" in {i.slug for i in desk.incidents()}
    rows, _ = auth.list_audit(desk.db, action="incident.create")
    assert [(r.actor, r.target) for r in rows] == [("token:admin-bot", "made-by-admin")]
