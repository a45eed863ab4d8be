"""End to end: card numbers, phone numbers, a My Number and a mail address, in the forms a live
probe used, sent through every face that takes free text — the help page, the ask API, a card
number as a query-parameter name, the inquiry log (API, console, CLI), a campaign note, a
mistyped login — then every row of every table, the access log and the pages operators read
are searched for them. None may be there, in any width or with any separator."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from breachdesk.auth import service as auth
from breachdesk.cli import app as cli
from breachdesk.config import Settings
from breachdesk.db.tables import Base
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.privacy.redact import normalise
from breachdesk.web.app import create_app

SECRET_DIGITS = ("5555555555554444", "378282246310005", "09087654321", "876543210989")
SECRET_MAIL = "hanako@example.jp"
TEXT = (
    "カード 5555\u00a05555\u00a05555\u00a04444 と 5555 - 5555 - 5555 - 4444、アメックス "
    "3782.822463.10005、電話 090.8765.4321、マイナンバー 8765.4321.0989、メール "
    "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ の件で再発行したい"
)


def leaks(text: str) -> list[str]:
    """The secrets a text still holds, read as an attacker would (normalised, digits joined)."""
    folded = normalise(text)[0].lower()
    digits = re.sub(r"[^0-9]", "", folded)
    found = [d for d in SECRET_DIGITS if d in digits]
    return found + ([SECRET_MAIL] if SECRET_MAIL in folded.replace(" ", "") else [])


def test_no_face_stores_or_logs_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "pii.db"
    settings = Settings(db=str(db), dense_model="none", cache_dir=tmp_path / "c")
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    auth.create_user(desk.db, "ola", PASSWORD, "operator")
    operator_token = auth.create_token(desk.db, "operator-bot", "operator")
    editor_token = auth.create_token(desk.db, "editor-bot", "editor")
    public = TestClient(create_app(settings, desk=desk))
    console, csrf = signed_in(desk, "ola")
    shown: list[str] = []

    with caplog.at_level(logging.INFO, logger="breachdesk.access"):
        page = public.get(f"/i/{DEMO_SLUG}", params={"q": TEXT})
        assert page.status_code == 200
        assert public.get(f"/i/{DEMO_SLUG}?4111111111111111=1").status_code == 200
        asked = public.post(f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": TEXT})
        assert asked.status_code == 200
        logged = public.post(
            f"/api/v1/incidents/{DEMO_SLUG}/inquiries",
            json={"channel": "phone", "outcome": "answered", "note": TEXT},
            headers={"Authorization": f"Bearer {operator_token}"},
        )
        assert logged.status_code in (200, 201), logged.text
        form = console.post(
            f"/console/i/{DEMO_SLUG}/desk",
            data={"outcome": "answered", "channel": "phone", "note": TEXT, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert form.status_code == 303
        campaign = public.post(
            f"/api/v1/incidents/{DEMO_SLUG}/campaigns",
            json={"channel": "mail", "sent_on": "2026-11-20", "note": TEXT},
            headers={"Authorization": f"Bearer {editor_token}"},
        )
        assert campaign.status_code in (200, 201), campaign.text
        fresh = TestClient(public.app, base_url="https://testserver")
        login = fresh.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        fresh.post(
            "/console/login",
            data={"username": SECRET_MAIL, "password": "x", "csrf_token": token.group(1)},
        )
        # What operators read back: the review queue and the inquiry log, on both faces.
        for url in (
            f"/console/i/{DEMO_SLUG}/review?state=all",
            f"/console/i/{DEMO_SLUG}/desk?show=all",
        ):
            response = console.get(url)
            assert response.status_code == 200, url
            shown.append(response.text)
        for url in (
            f"/api/v1/incidents/{DEMO_SLUG}/questions?review=all",
            f"/api/v1/incidents/{DEMO_SLUG}/inquiries",
            f"/api/v1/incidents/{DEMO_SLUG}/campaigns",
        ):
            response = public.get(url, headers={"Authorization": f"Bearer {operator_token}"})
            assert response.status_code == 200, url
            shown.append(response.text)

    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db),
            "inquiry",
            "log",
            "--incident",
            DEMO_SLUG,
            "--channel",
            "phone",
            "--outcome",
            "answered",
            "--note",
            TEXT,
        ],
    )
    assert result.exit_code == 0, result.output

    stored: list[tuple[str, str]] = []
    with desk.db.read() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                stored.extend((table.name, str(value)) for value in row if value is not None)
    for name in ("public_questions", "inquiries", "campaigns", "login_attempts"):
        assert any(t == name for t, _ in stored), f"nothing was stored in {name}"
    assert [(t, leaks(v)) for t, v in stored if leaks(v)] == []

    lines = [r.getMessage() for r in caplog.records if r.name == "breachdesk.access"]
    assert len(lines) >= 8
    assert [line for line in lines if leaks(line) or "4111" in line] == []
    assert [leaks(text) for text in shown if leaks(text)] == []
