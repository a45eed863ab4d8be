"""Every CSV and XLSX the desk writes is safe to open in a spreadsheet: a vendor's results or a
campaign note starting with `=`, `+`, `-`, `@` is written as text (a leading apostrophe), never
as a formula, and numbers stay numbers.

The exports are found by walking the app's own routes (every GET under an incident, every value
of its Literal choices), so a new export is checked without being listed here.
"""

from __future__ import annotations

import csv
import io
import typing
from datetime import date, datetime
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.inquiries import campaigns
from breachdesk.kb import editing
from breachdesk.kb.contacts import JST
from breachdesk.spreadsheet import FORMULA_STARTS, safe_cell, workbook_bytes
from breachdesk.web.app import create_app
from breachdesk.web.security import _api_routes

HOSTILE_NOTE = "=cmd|' /C calc'!A0"
HOSTILE_NAME = '=HYPERLINK("http://evil.example/","開く")'
RESULTS = (
    "宛先,配信結果,エラー内容\n"
    'a@example.jp,不達,"=HYPERLINK(""http://evil.example/"",""x"")"\n'
    "b@example.jp,不達,@SUM(1+1)\n"
    "-2+3@example.jp,不達,+cmd\n"
    "c@example.jp,不達,-10\n"
)


def formula_like(value: str) -> bool:
    return safe_cell(value) != value


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    folder = tmp_path_factory.mktemp("exports")
    settings = Settings(db=str(folder / "e.db"), dense_model="none", cache_dir=folder / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    # The demo's weeks that end on 2026-10-15, so the hostile campaign below is the last one.
    seed_demo_desk(the_desk.db, DEMO_SLUG, now=datetime(2026, 10, 15, 16, 0, tzinfo=JST))
    editing.update_incident(the_desk.db, DEMO_SLUG, name=HOSTILE_NAME, organisation=None)
    campaign = campaigns.add_campaign(
        the_desk.db, DEMO_SLUG, channel="mail", sent_on=date(2026, 11, 20), note=HOSTILE_NOTE
    )
    results = folder / "results.csv"
    results.write_text(RESULTS, encoding="utf-8")
    campaigns.import_delivery_results(the_desk.db, campaign.id, results)
    auth.create_user(the_desk.db, "eri", PASSWORD, "editor")
    return the_desk


def literal_choices(annotation: object) -> list[object] | None:
    """The values of a Literal (or Optional Literal) annotation, else None."""
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            return list(typing.get_args(arg))
    return None


def export_requests(client: TestClient, campaign_id: int) -> list[tuple[str, dict[str, object]]]:
    """Every GET under an incident that the walk can fill in: path parameters slug and
    campaign_id, each combination of its Literal query choices; required others are skipped."""
    found = []
    for full_path, route in _api_routes(client.app.routes):  # type: ignore[attr-defined]
        if "GET" not in route.methods or "{slug}" not in full_path:
            continue
        names = {p.name for p in route.dependant.path_params}
        if not names <= {"slug", "campaign_id", "kind"}:
            continue
        choices: list[dict[str, object]] = [{}]
        path_choices = [{"slug": DEMO_SLUG, "campaign_id": campaign_id}]
        skip = False
        for param in route.dependant.path_params:
            values = literal_choices(param.field_info.annotation)
            if param.name == "kind" and values:
                path_choices = [{**p, "kind": v} for p in path_choices for v in values]
        for param in route.dependant.query_params:
            values = literal_choices(param.field_info.annotation)
            if values:
                choices = [{**c, param.alias: v} for c in choices for v in values]
            elif param.field_info.is_required():
                skip = True
        if skip:
            continue
        for path in path_choices:
            url = full_path.format(**path)
            found += [(url, query) for query in choices]
    return found


def check_csv(text: str) -> list[str]:
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    assert not [c for c in cells if formula_like(c)], cells
    return cells


def check_xlsx(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not formula_like(cell.value), (cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def test_every_csv_and_xlsx_export_writes_hostile_text_as_text(desk: Desk) -> None:
    console, _ = signed_in(desk, "eri")
    token = auth.create_token(desk.db, "robot-exports", "editor")
    api = TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )
    campaign_id = campaigns.list_campaigns(desk.db, DEMO_SLUG)[-1].id
    exports: dict[str, list[str]] = {}
    for client in (console, api):
        for url, query in export_requests(client, campaign_id):
            response = client.get(url, params=query)  # type: ignore[arg-type]
            kind = response.headers.get("content-type", "")
            key = f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}"
            if "text/csv" in kind:
                exports[key] = check_csv(response.text)
            elif "spreadsheetml" in kind:
                exports[key] = check_xlsx(response.content)
    # The walk found the exports we know of (and checked any new one)…
    assert len(exports) >= 7, sorted(exports)
    assert any(k.endswith("bounced.csv?") for k in exports)
    assert any("daily.xlsx" in k for k in exports)
    assert any("download=xlsx" in k for k in exports)
    # …and the hostile values are in them, neutralised, not dropped.
    everything = [c for cells in exports.values() for c in cells]
    assert any(c.startswith("'=HYPERLINK") for c in everything)
    assert any(c == "'@SUM(1+1)" for c in everything)
    assert any(HOSTILE_NOTE in c for c in everything)
    assert "-10" in everything  # a number stays a number


def test_numbers_stay_numbers_and_text_is_neutralised() -> None:
    assert [safe_cell(v) for v in ("-3", "0.25", "+81", -5, 1.5, "-", "")] == [
        "-3",
        "0.25",
        "+81",
        -5,
        1.5,
        "-",
        "",
    ]
    for start in FORMULA_STARTS:
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["=1+1", -3, "@A1", "ok"])
    data = workbook_bytes(book)
    row = next(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert row == ("'=1+1", -3, "'@A1", "ok")


def test_the_paths_here_are_the_real_ones(tmp_path: Path) -> None:
    """The walk must see the routes it claims to (guards against a silent empty walk)."""
    settings = Settings(db=str(tmp_path / "w.db"), dense_model="none", cache_dir=tmp_path / "c")
    client = TestClient(create_app(settings, desk=Desk(settings)))
    urls = {url for url, _ in export_requests(client, 1)}
    assert f"/console/i/{DEMO_SLUG}/report/download/daily.csv" in urls
    assert f"/api/v1/incidents/{DEMO_SLUG}/campaigns/1/bounced" in urls
