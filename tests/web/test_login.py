"""Login, sessions and tokens over HTTP: cookies, fixation, CSRF, throttling, redirects."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(db=str(tmp_path / "web.db"), dense_model="none", cache_dir=tmp_path / "c")
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    for name, role in (("eri", "editor"), ("vic", "viewer"), ("ada", "admin")):
        auth.create_user(desk.db, name, PASSWORD, role)
    return TestClient(create_app(settings, desk=desk), base_url="https://testserver")


def login_token(client: TestClient) -> str:
    page = client.get("/console/login")
    node = HTMLParser(page.text).css_first('input[name="csrf_token"]')
    assert node is not None
    return str(node.attributes["value"])


def log_in(client: TestClient, user: str, password: str = PASSWORD, **extra: str) -> object:
    token = login_token(client)
    return client.post(
        "/console/login",
        data={"username": user, "password": password, "csrf_token": token, **extra},
        follow_redirects=False,
    )


def test_login_sets_a_secure_httponly_samesite_cookie(client: TestClient) -> None:
    response = log_in(client, "eri")
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "bd_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert client.get("/console", follow_redirects=False).status_code == 200


def test_a_cookie_from_before_login_is_never_promoted(client: TestClient) -> None:
    desk = client.app.state.desk  # type: ignore[attr-defined]
    planted = "attacker-chosen-value"
    token = login_token(client)
    response = client.post(
        "/console/login",
        data={"username": "eri", "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"bd_login_csrf={token}; bd_session={planted}"},
        follow_redirects=False,
    )
    issued = response.cookies.get("bd_session")
    assert issued and issued != planted
    assert auth.resolve_session(desk.db, planted, hours=1) is None
    assert auth.resolve_session(desk.db, issued, hours=1) is not None
    # Logging in again with a valid session cookie ends that session and issues a new one.
    log_in(client, "eri")
    first = str(client.cookies.get("bd_session"))
    log_in(client, "eri")
    assert auth.resolve_session(desk.db, first, hours=1) is None


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    log_in(client, "eri")
    value = str(client.cookies.get("bd_session"))
    page = client.get("/console")
    csrf = HTMLParser(page.text).css_first(
        'form[action="/console/logout"] input[name="csrf_token"]'
    )
    assert csrf is not None
    client.post("/console/logout", data={"csrf_token": csrf.attributes["value"]})
    replay = TestClient(client.app, base_url="https://testserver")
    replay.cookies.set("bd_session", value, domain="testserver")
    response = replay.get("/console", follow_redirects=False)
    assert response.status_code == 303 and "/console/login" in response.headers["location"]


def test_the_login_form_needs_its_csrf_token(client: TestClient) -> None:
    login_token(client)
    response = client.post(
        "/console/login", data={"username": "eri", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert client.cookies.get("bd_session") is None


def test_repeated_failures_are_throttled(client: TestClient) -> None:
    codes = [log_in(client, "eri", "wrong password").status_code for _ in range(5)]  # type: ignore[attr-defined]
    assert codes == [401] * 5
    throttled = log_in(client, "eri")
    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert int(throttled.headers["retry-after"]) > 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/console", "/\\evil.example", "/public"]
)
def test_next_never_leaves_the_console(client: TestClient, target: str) -> None:
    response = log_in(client, "eri", next=target)
    assert response.headers["location"] == "/console"  # type: ignore[attr-defined]
    assert log_in(client, "eri", next="/console/users").headers["location"] == "/console/users"  # type: ignore[attr-defined]


def test_tokens_on_the_api(client: TestClient) -> None:
    desk = client.app.state.desk  # type: ignore[attr-defined]
    admin = auth.create_token(desk.db, "ops", "admin")
    viewer = auth.create_token(desk.db, "reader", "viewer")
    ok = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {admin}"})
    assert ok.status_code == 200 and "items" in ok.json()
    assert (
        client.get("/api/v1/audit", headers={"Authorization": f"Bearer {viewer}"}).status_code
        == 403
    )
    assert client.get("/api/v1/audit").status_code == 401
    [token] = [t for t in auth.list_tokens(desk.db) if t.name == "ops"]
    auth.revoke_token(desk.db, token.id)
    assert (
        client.get("/api/v1/audit", headers={"Authorization": f"Bearer {admin}"}).status_code == 401
    )


def test_a_session_post_to_the_api_needs_the_csrf_header(client: TestClient) -> None:
    log_in(client, "eri")
    url = f"/api/v1/incidents/{DEMO_SLUG}/campaigns"
    body = {"channel": "mail", "sent_on": "2026-11-20"}
    assert client.post(url, json=body).status_code == 403
    desk = client.app.state.desk  # type: ignore[attr-defined]
    principal = auth.resolve_session(desk.db, str(client.cookies.get("bd_session")), hours=1)
    assert principal is not None
    headers = {"X-CSRF-Token": str(principal.csrf_token)}
    assert client.post(url, json=body, headers=headers).status_code == 201
