"""Uploads at the size real desks send, with names real people give them: a call log of
megabytes, a results CSV over 64 KiB, an 84-character Japanese file name, a page nested
thousands deep — each imported or refused with a message naming the file, never the server's
temporary folder, and never a 500."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.inquiries import campaigns
from breachdesk.web.app import create_app

URL = f"/api/v1/incidents/{DEMO_SLUG}"
LONG_NAME = "個人情報漏えいに関するお問い合わせ窓口の着信記録" * 4 + ".csv"  # 100 characters


def call_log(rows: int) -> bytes:
    lines = ["着信日時,結果,通話時間,メモ"]
    lines += [
        f"2026/11/{2 + i // 2000} {9 + i % 8}:{i % 60:02d},{'応答' if i % 3 else '話中'},"
        f"{60 + i % 300},カードの再発行について問い合わせ（{i}件目）"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "u.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    auth.create_user(the_desk.db, "eri", PASSWORD, "editor")
    return the_desk


def robot(desk: Desk) -> TestClient:
    token = auth.create_token(desk.db, "robot-editor", "editor")
    return TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_call_log_and_results_of_hundreds_of_kilobytes_import_on_the_api(desk: Desk) -> None:
    client = robot(desk)
    log = call_log(2500)
    assert len(log) > 158_000
    response = client.post(f"{URL}/calls", files={"file": ("calls.csv", log, "text/csv")})
    assert response.status_code == 201, response.text
    assert response.json()["calls"] == 2500
    mail = campaigns.add_campaign(desk.db, DEMO_SLUG, channel="mail", sent_on=date(2026, 11, 2))
    results = "宛先,配信結果\n" + "".join(f"person{i}@example.jp,配信済\n" for i in range(5000))
    assert len(results.encode()) > 119_000
    response = client.post(
        f"{URL}/campaigns/{mail.id}/results",
        files={"file": ("results.csv", results.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"delivered": 5000, "bounced": 0}


def test_a_call_log_over_the_table_limit_is_a_413(tmp_path: Path) -> None:
    settings = Settings(
        db=str(tmp_path / "s.db"),
        dense_model="none",
        cache_dir=tmp_path / "c",
        max_table_upload_bytes=100_000,
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    response = robot(desk).post(
        f"{URL}/calls", files={"file": ("calls.csv", call_log(2500), "text/csv")}
    )
    assert response.status_code == 413


def test_a_large_call_log_imports_from_the_console(desk: Desk) -> None:
    editor, csrf = signed_in(desk, "eri")
    response = editor.post(
        f"/console/i/{DEMO_SLUG}/calls",
        data={"csrf_token": csrf},
        files={"file": ("calls.csv", call_log(2500), "text/csv")},
    )
    assert response.status_code == 200
    flash = HTMLParser(response.text).css_first(".flash")
    assert flash is not None and "2500件" in flash.text()


def test_a_long_japanese_file_name_is_kept_as_the_name_and_never_a_path(desk: Desk) -> None:
    client = robot(desk)
    calls = client.post(f"{URL}/calls", files={"file": (LONG_NAME, call_log(3), "text/csv")})
    assert calls.status_code == 201, calls.text
    assert calls.json()["file_name"] == LONG_NAME
    faq = "- 再発行の手数料はかかりますか\n- かかりません。\n".encode()
    name = LONG_NAME.replace(".csv", ".txt")
    documents = client.post(f"{URL}/documents", files={"files": (name, faq, "text/plain")})
    assert documents.status_code == 200, documents.text
    assert documents.json()[0]["file_name"] == name


def test_upload_errors_name_the_uploaded_file_not_the_server_folder(desk: Desk) -> None:
    client = robot(desk)
    bad = client.post(
        f"{URL}/calls",
        files={"file": ("昨日の着信.csv", "日時,結果\n昨日,応答\n".encode(), "text/csv")},
    )
    assert bad.status_code == 422
    assert bad.json()["error"].startswith("昨日の着信.csv:")
    assert "/tmp" not in bad.text and "breachdesk-upload" not in bad.text
    empty = client.post(f"{URL}/documents", files={"files": ("empty.txt", b"\n", "text/plain")})
    assert empty.status_code == 422
    assert empty.json()["error"].startswith("empty.txt")
    assert "breachdesk-upload" not in empty.text
    editor, csrf = signed_in(desk, "eri")
    page = editor.post(
        f"/console/i/{DEMO_SLUG}/upload",
        data={"csrf_token": csrf},
        files={"files": ("empty.txt", b"\n", "text/plain")},
    )
    assert page.status_code == 422
    assert "empty.txt" in page.text and "breachdesk-upload" not in page.text


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body>" + b"<div>" * 20_000 + b"x" + b"</div>" * 20_000 + b"</body></html>",
        # Unclosed: the HTML parser alone took 12 s over this before the depth was checked.
        b"<html><body>" + b"<dl><dd>" * 30_000 + b"</body></html>",
    ],
    ids=["closed", "unclosed"],
)
def test_a_deeply_nested_page_is_a_format_error_naming_the_file(desk: Desk, page: bytes) -> None:
    response = robot(desk).post(
        f"{URL}/documents", files={"files": ("deep.html", page, "text/html")}
    )
    assert response.status_code == 422
    assert response.json()["error"].startswith("deep.html")
    assert "levels deep" in response.json()["error"]
