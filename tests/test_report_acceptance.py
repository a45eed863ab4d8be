"""Acceptance: the kokocoupon seed's daily call-centre table, imported with the ordinary
knowledge-base import and printed by `breachdesk report daily --csv`, on SQLite and PostgreSQL.

The seed belongs to its publisher and is not copied here: the expected cells are read from the
seed at test time by a deliberately simple reading of its own (split lines on tabs), not by
breachdesk's parser. The explicit facts (42 days, 2022-06-23 to 2022-08-03, 140/58 on 7/29, the
six event days) are the ones the seeds' README and the issue state.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.db import Database

pytestmark = pytest.mark.seeds

YEAR = 2022
ROWS = {"入電件数合計": "offered", "応答件数": "answered", "不正利用": "不正利用"}
QUO_ROW, QUO_CATEGORY = "QUOカードPay関連", "補償・QUOカードPay"
EVENT_DAYS = {date(2022, 6, d) for d in (28, 30)} | {date(2022, 7, d) for d in (8, 13, 25, 29)}
SMS_DAYS = {date(2022, 7, 13), date(2022, 7, 25)}
DAY_CELL = re.compile(r"(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class SeedDay:
    day: date
    weekday: str
    cells: dict[str, str]  # offered, answered, 不正利用, QUOカードPay関連 as printed


def seed_table(path: Path) -> tuple[list[SeedDay], dict[date, str]]:
    """The seed's days (cells as printed) and its dated notes (lines joined by a space)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    days: list[SeedDay] = []
    notes: dict[date, str] = {}
    first_table_line: int | None = None
    i = 0
    while i < len(lines):
        cells = lines[i].split("\t")
        if len(cells) > 2 and all(DAY_CELL.fullmatch(c.strip()) for c in cells[1:]):
            first_table_line = i if first_table_line is None else first_table_line
            dates = [
                date(YEAR, *map(int, DAY_CELL.fullmatch(c.strip()).groups())) for c in cells[1:]
            ]  # type: ignore[union-attr]
            weekdays = lines[i + 1].split("\t")[1:]
            rows = {}
            j = i + 2
            while j < len(lines) and "\t" in lines[j]:
                label, *values = lines[j].split("\t")
                rows[label.strip()] = [v.strip() for v in values]
                j += 1
            for k, d in enumerate(dates):
                printed = {key: rows[label][k] for label, key in ROWS.items()}
                printed[QUO_CATEGORY] = rows[QUO_ROW][k]
                days.append(SeedDay(d, weekdays[k].strip(), printed))
            i = j
            continue
        alone = DAY_CELL.fullmatch(lines[i].strip())
        if first_table_line is not None and alone and "\t" not in lines[i]:
            note = []
            j = i + 1
            while j < len(lines) and lines[j].strip():
                note.append(lines[j].strip())
                j += 1
            notes[date(YEAR, int(alone[1]), int(alone[2]))] = " ".join(note)
        i += 1
    return days, notes


def cli_url(db: Database) -> str:
    """A `--db` value that reaches the test's own database (its schema, on PostgreSQL)."""
    if db.schema is None:
        return db.url
    return f"{db.url}?options={quote(f'-csearch_path={db.schema}')}"


def run(runner: CliRunner, db: Database, *args: str) -> str:
    result = runner.invoke(app, ["--db", cli_url(db), *args])
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def test_kokocoupon_daily_report_reproduces_every_cell_of_the_seed(
    db: Database, seeds: dict[str, Path], tmp_path: Path
) -> None:
    seed = seeds["kokocoupon"]
    expected, notes = seed_table(seed)
    weekdays = "月火水木金土日"
    assert all(weekdays[d.day.weekday()] == d.weekday for d in expected)  # 2022 fits the seed
    runner = CliRunner(
        env={"BREACHDESK_DENSE_MODEL": "none", "BREACHDESK_CACHE_DIR": str(tmp_path / "cache")}
    )

    run(runner, db, "import", str(seed), "--incident", "kokocoupon")
    out = run(runner, db, "report", "daily", "--incident", "kokocoupon", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))

    assert len(rows) == len(expected) == 42
    assert (rows[0]["date"], rows[-1]["date"]) == ("2022-06-23", "2022-08-03")
    for row, seed_day in zip(rows, expected, strict=True):
        assert row["date"] == seed_day.day.isoformat()
        for column, printed in seed_day.cells.items():
            assert row[column] == ("" if printed == "-" else printed), (row["date"], column)
        offered, answered = int(seed_day.cells["offered"]), int(seed_day.cells["answered"])
        assert row["answer_rate"] == f"{answered / offered:.3f}"
        others = set(row) - {"date", "offered", "answered", "answer_rate", "events"}
        assert all(row[c] == "" for c in others - set(seed_day.cells)), row["date"]
    peak = next(r for r in rows if r["date"] == "2022-07-29")
    assert (peak["offered"], peak["answered"], peak["answer_rate"]) == ("140", "58", "0.414")

    events = {date.fromisoformat(r["date"]): r["events"] for r in rows if r["events"]}
    assert set(events) == EVENT_DAYS == set(notes)
    for day, cell in events.items():
        channel = "sms" if day in SMS_DAYS else "mail"
        assert cell == f"{channel}: {notes[day]}"

    run(runner, db, "import", str(seed), "--incident", "kokocoupon")
    assert run(runner, db, "report", "daily", "--incident", "kokocoupon", "--csv") == out
