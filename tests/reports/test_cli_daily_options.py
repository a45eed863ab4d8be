"""`report daily` and the other report commands as an operator types them: Japanese column
names on request, dates in any common spelling, a percentage target, a BOM in a CSV file."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.desk import seed_demo_desk
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST

runner = CliRunner(env={"BREACHDESK_DENSE_MODEL": "none"})


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("daily") / "demo.db")
    desk = Desk(Settings(db=path, dense_model="none"))
    desk.import_documents(DEMO_SLUG, demo_files())
    # The six weeks that end on 2026-10-15 (from Friday 2026-09-04): the days asked about below.
    seed_demo_desk(desk.db, DEMO_SLUG, now=datetime(2026, 10, 15, 16, 0, tzinfo=JST))
    desk.db.dispose()
    return path


def cli(db: str, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--db", db, *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result.stdout if code == 0 else result.stderr


def test_the_csv_keeps_the_machine_header_and_labels_ja_gives_the_japanese_one(
    demo_db: str,
) -> None:
    codes = cli(demo_db, "report", "daily", "--incident", DEMO_SLUG, "--csv").splitlines()
    ja = cli(demo_db, "report", "daily", "--incident", DEMO_SLUG, "--csv", "--labels", "ja")
    assert codes[0].startswith("date,offered,answered,answer_rate,") and codes[0].endswith(
        ",events"
    )
    header = ja.splitlines()[0].split(",")
    assert header[:4] == ["日付", "入電", "応答", "応答率"] and header[-1] == "出来事"
    assert ja.splitlines()[1:] != [] and "mail:" not in ja and "メール:" in ja
    cli(demo_db, "report", "daily", "--incident", DEMO_SLUG, "--labels", "fr", code=2)


@pytest.mark.parametrize("spelling", ["2026/09/07", "2026年9月7日", "2026-09-07"])
def test_from_and_to_take_the_days_as_people_write_them(demo_db: str, spelling: str) -> None:
    out = cli(
        demo_db,
        "report",
        "daily",
        "--incident",
        DEMO_SLUG,
        "--csv",
        "--from",
        spelling,
        "--to",
        spelling,
    )
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == ["2026-09-07"]


def test_a_target_of_90_is_read_as_ninety_per_cent(demo_db: str) -> None:
    as_share = cli(demo_db, "report", "staffing", "--incident", DEMO_SLUG, "--target", "0.9")
    as_percent = cli(demo_db, "report", "staffing", "--incident", DEMO_SLUG, "--target", "90")
    assert as_percent == as_share and "target answer rate 90%" in as_percent


def test_a_csv_written_to_a_file_starts_with_a_bom_and_a_pipe_gets_none(
    demo_db: str, tmp_path: Path
) -> None:
    command = [str(Path(sys.executable).parent / "breachdesk"), "--db", demo_db, "report", "daily"]
    command += ["--incident", DEMO_SLUG, "--csv"]
    out = tmp_path / "daily.csv"
    with out.open("wb") as handle:
        subprocess.run(command, stdout=handle, check=True, timeout=60)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfdate,offered")
    piped = subprocess.run(command, capture_output=True, check=True, timeout=60)
    assert piped.stdout.startswith(b"date,offered")


def test_a_flag_reads_as_a_flag_in_the_help() -> None:
    text = runner.invoke(app, ["demo", "--help"]).stdout
    serve = next(line for line in text.splitlines() if "--serve" in line)
    assert "<bool>" not in serve and "BOOLEAN" not in serve
