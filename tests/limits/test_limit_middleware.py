"""The rate limit's web edge (`web.middleware.RateLimit`) when the shared store fails or is
slow: the help page lets requests through (logged, still counted when the store answers), the
register's routes refuse them (503) — decided per route, for every public route the app has."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from breachdesk.config import Settings
from breachdesk.db.tables import RateLimitBucket
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web import middleware
from breachdesk.web.app import create_app
from breachdesk.web.middleware import FAIL_CLOSED, PUBLIC_LIMITED
from breachdesk.web.security import _api_routes, route_permissions

REGISTER_MODULES = {"breachdesk.web.register_public", "breachdesk.web.callback_public"}
CONCRETE = {"slug": DEMO_SLUG, "question_id": "12"}


def make(tmp_path: Path, **overrides: object) -> tuple[Desk, TestClient]:
    settings = Settings(
        db=str(tmp_path / "web.db"),
        dense_model="none",
        ranker_model="none",
        cache_dir=tmp_path / "cache",
        **overrides,  # type: ignore[arg-type]
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    return desk, TestClient(create_app(settings, desk=desk), base_url="https://testserver")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Desk, TestClient]]:
    desk, client = make(tmp_path, rate_limit_per_minute=60, rate_limit_wait_ms=200)
    with client:
        yield desk, client


def buckets(desk: Desk) -> int:
    with desk.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RateLimitBucket)) or 0)


def test_every_public_route_of_the_register_fails_closed_and_no_other(
    served: tuple[Desk, TestClient],
) -> None:
    _desk, client = served
    table = route_permissions(client.app)  # type: ignore[arg-type]
    modules = {path: route.endpoint.__module__ for path, route in _api_routes(client.app.routes)}  # type: ignore[attr-defined]
    limited = sorted(
        {
            path
            for (_method, path), permission in table.items()
            if permission is None and PUBLIC_LIMITED.match(path.format(**CONCRETE))
        }
    )
    closed = [p for p in limited if FAIL_CLOSED.match(p.format(**CONCRETE))]
    assert closed == sorted(p for p in limited if modules[p] in REGISTER_MODULES)
    assert len(closed) >= 5  # the self-check's four pages and the callback form
    assert len(limited) - len(closed) >= 5  # the page, ask, feedback, choices, scope


def test_a_failing_store_lets_the_help_page_through_and_refuses_the_register(
    served: tuple[Desk, TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    desk, client = served
    with desk.db.transaction() as s:
        s.execute(text("DROP TABLE rate_limits"))  # every count now fails
    with caplog.at_level(logging.WARNING, logger="breachdesk.web"):
        pages = [client.get(f"/i/{DEMO_SLUG}").status_code for _ in range(3)]
        asked = client.post(f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "補償は"})
        check = client.get(f"/i/{DEMO_SLUG}/check")
        callback = client.get(f"/i/{DEMO_SLUG}/callback")
    assert pages == [200, 200, 200] and asked.status_code == 200
    for refused in (check, callback):
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        assert "cannot be checked" in refused.json()["error"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "breachdesk.web"]
    assert len(warnings) == 1  # once a minute, not once a request
    assert "let through unlimited" in warnings[0] and "testclient" not in warnings[0]


def test_a_slow_store_lets_the_help_page_through_and_still_counts_the_request(
    served: tuple[Desk, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, client = served
    monkeypatch.setattr(middleware, "CLOSED_WAIT", 0.5)
    database = desk.settings.db
    holder = sqlite3.connect(database, timeout=30, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import holding SQLite's writer
    try:
        # Answered while the writer is still held: had it waited for the store, SQLite's
        # busy timeout would have failed the count, and none would land below.
        page = client.get(f"/i/{DEMO_SLUG}")
        check = client.get(f"/i/{DEMO_SLUG}/check")
        assert buckets(desk) == 0  # nothing counted while the writer is held
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert page.status_code == 200
    assert check.status_code == 503
    deadline = time.monotonic() + 10
    while buckets(desk) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert buckets(desk) == 1  # the address's count landed once the writer was free
