"""The inquiry desk through the CLI: log, import a call log, campaigns, categories."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.demo import DEMO_SLUG, demo_files

runner = CliRunner()


def cli(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_the_inquiry_desk_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    files = [str(p) for p in demo_files()]
    assert cli(db, "import", *files, "--incident", DEMO_SLUG)[0] == 0
    code, out = cli(
        db,
        "inquiry",
        "log",
        "--incident",
        DEMO_SLUG,
        "--channel",
        "phone",
        "--outcome",
        "answered",
        "--note",
        "4111111111111111 が使われた",
        "--at",
        "2026-11-20T10:00",
    )
    assert code == 0 and "不正利用" in out
    calls = tmp_path / "calls.csv"
    calls.write_text("日時,結果\n2026-11-20 10:05,話中\n2026-11-20 10:06,応答\n", "utf-8")
    code, out = cli(db, "inquiry", "import-calls", str(calls), "--incident", DEMO_SLUG)
    assert code == 0 and "2 calls" in out
    code, out = cli(db, "inquiry", "import-calls", str(calls), "--incident", DEMO_SLUG)
    assert code == 2 and "取り込み済み" in out
    code, out = cli(db, "inquiry", "list", "--incident", DEMO_SLUG, "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3 and all("4111" not in r["note"] for r in rows)
    code, out = cli(db, "categories", "--incident", DEMO_SLUG, "--add", "ポイント")
    assert code == 0 and out.splitlines()[-1] == "ポイント" and "対象確認" in out
    code, out = cli(
        db,
        "campaign",
        "add",
        "--incident",
        DEMO_SLUG,
        "--channel",
        "mail",
        "--sent-on",
        "2026-11-20",
        "--audience",
        "3",
    )
    assert code == 0
    campaign = out.split()[1].rstrip(":")
    results = tmp_path / "results.csv"
    results.write_text("email,status\na@example.jp,delivered\nb@example.jp,bounced\n", "utf-8")
    assert "1 bounced" in cli(db, "campaign", "import-results", campaign, str(results))[1]
    code, out = cli(db, "campaign", "export-bounced", campaign)
    assert out.splitlines() == ["recipient,reason", "b@example.jp,"]
    code, out = cli(
        db,
        "campaign",
        "add",
        "--incident",
        DEMO_SLUG,
        "--channel",
        "fax",
        "--sent-on",
        "2026-11-20",
    )
    assert code == 2 and "channel" in out
    assert cli(db, "inquiry", "list", "--incident", "nope")[0] == 3


def test_the_command_line_refuses_impossible_numbers_and_dates(tmp_path: Path) -> None:
    db = tmp_path / "bounds.db"
    files = [str(p) for p in demo_files()]
    assert cli(db, "import", *files, "--incident", DEMO_SLUG)[0] == 0
    log = ["inquiry", "log", "--incident", DEMO_SLUG, "--channel", "phone"]
    for at in ("0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "yesterday"):
        code, out = cli(db, *log, "--outcome", "answered", "--at", at)
        assert code == 2 and "error" in out.lower(), (at, out)
    assert cli(db, *log, "--outcome", "answered", "--duration", "-5")[0] == 2
    assert cli(db, "inquiry", "list", "--incident", DEMO_SLUG, "--limit", "-1")[0] == 2
    staffing = ["report", "staffing", "--incident", DEMO_SLUG]
    for option, value in (("--profile", "nan"), ("--aht", "inf"), ("--agents", "100000")):
        code, out = cli(db, *staffing, option, value)
        assert code == 2, (option, value, out)
    code, out = cli(db, "report", "forecast", "--incident", DEMO_SLUG, "--on", "9999-12-31")
    assert code == 2 and "on" in out
    add = ["campaign", "add", "--incident", DEMO_SLUG, "--channel", "mail"]
    assert cli(db, *add, "--sent-on", "0001-01-01")[0] == 2


def test_inquiry_log_at_takes_the_dates_and_times_people_type(tmp_path: Path) -> None:
    db = tmp_path / "at.db"
    assert cli(db, "import", *[str(p) for p in demo_files()], "--incident", DEMO_SLUG)[0] == 0
    log = ["inquiry", "log", "--incident", DEMO_SLUG, "--channel", "phone", "--outcome", "answered"]
    for at in ("2026/9/3 10:15", "2026年9月3日 10時15分", "令和8年9月3日 午後3時"):
        code, out = cli(db, *log, "--at", at)
        assert code == 0 and "2026-09-03" in out, (at, out)
    code, out = cli(db, *log, "--at", "9月3日の朝")
    assert code == 2 and "「9月3日の朝」は日時として読めません" in out
    code, out = cli(db, "inquiry", "list", "--incident", DEMO_SLUG, "--json")
    times = sorted(json.loads(line)["received_at"][11:16] for line in out.splitlines())
    assert times == ["10:15", "10:15", "15:00"]
