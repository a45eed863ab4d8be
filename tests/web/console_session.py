"""Signing in to the console in a test, the way a browser does (form, login CSRF, cookie)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.desk import Desk
from breachdesk.web.app import create_app

PASSWORD = "correct horse battery"


def signed_in(desk: Desk, user: str) -> tuple[TestClient, str]:
    """A client signed in as `user` (created with PASSWORD), and its session's CSRF token."""
    client = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    page = client.get("/console/login")
    field = HTMLParser(page.text).css_first('input[name="csrf_token"]')
    assert field is not None
    client.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": field.attributes["value"]},
    )
    principal = auth.resolve_session(desk.db, str(client.cookies.get("bd_session")), hours=1)
    assert principal is not None and principal.csrf_token
    return client, principal.csrf_token
