"""`breachdesk scope`: the published scope check on the command line (CliRunner)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.db import open_database
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.kb import service

HEAVY = ("numpy", "sudachipy", "openpyxl", "pypdf", "tensorflow")
WEB_CARD = ("--channel", "web", "--payment", "card")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("scope-cli") / "desk.db")
    db = open_database(path)
    service.import_documents(db, DEMO_SLUG, list(demo_files()))
    db.dispose()
    return path


def scope(db_path: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", db_path, "scope", "--incident", DEMO_SLUG, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("day", ["2026-09-10", "2026/9/10", "2026年9月10日", "令和8年9月10日"])
def test_every_spelling_of_a_day_gives_the_same_json(db_path: str, day: str) -> None:
    code, out, _ = scope(db_path, "--day", day, "--channel", "web", "--payment", "card", "--json")
    assert code == 0
    body = json.loads(out)
    assert set(body) == {"verdict", "because"}
    assert body["verdict"] == "outside"
    assert [set(c) for c in body["because"]] == [{"entry", "text"}]
    entries = {e.id: e.answer for e in service.list_entries(open_database(db_path), DEMO_SLUG)}
    assert body["because"][0]["text"] in entries[body["because"][0]["entry"]]


def test_the_plain_output_says_the_day_in_japanese_and_quotes_the_text(db_path: str) -> None:
    code, out, _ = scope(db_path, "--day", "2026-05-10", "--channel", "web", "--payment", "card")
    assert code == 0
    first, *quoted = out.splitlines()
    assert first.startswith("2026年5月10日のご購入: 公表されている対象範囲に含まれます")
    assert quoted and all(line.strip().startswith("「") for line in quoted)
    assert any("2026年3月1日" in line for line in quoted)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["--day", "2026-13-01", "--channel", "web", "--payment", "card"],
            2,
            "日付として読めません",
        ),
        (["--day", "来週", "--channel", "web", "--payment", "card"], 2, "来週"),
        (["--day", "2026-09-10", "--channel", "fax", "--payment", "card"], 2, "--channel"),
        (["--day", "2026-09-10", "--channel", "web", "--payment", "cash"], 2, "--payment"),
    ],
)
def test_bad_input_is_refused_with_what_was_wrong(
    db_path: str, args: list[str], code: int, message: str
) -> None:
    got, out, err = scope(db_path, *args)
    assert got == code
    assert message in err and out == ""


def test_an_unknown_incident_exits_3(db_path: str) -> None:
    result = CliRunner().invoke(
        app,
        ["--db", db_path, "scope", "--incident", "nope", "--day", "2026-09-10", *WEB_CARD],
    )
    assert result.exit_code == 3 and "nope" in result.stderr


def test_the_scope_command_loads_no_model_or_importer(db_path: str) -> None:
    probe = (
        "import json, sys\n"
        "from breachdesk.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        f"    print('HEAVY=' + json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-c", probe, "--db", db_path),
            *("scope", "--incident", DEMO_SLUG, "--day", "2026-09-10", *WEB_CARD),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).parent,
    )
    marker = next(line for line in done.stdout.splitlines() if line.startswith("HEAVY="))
    assert json.loads(marker.removeprefix("HEAVY=")) == []
