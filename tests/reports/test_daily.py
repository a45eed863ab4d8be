"""The daily table: logged inquiries aggregated per day, imported figures, events, totals, CSV,
and `breachdesk report daily`.

The incident, its calls and its figures are fictional.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import types
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.db import Database, open_database
from breachdesk.db.tables import Campaign, Incident, Inquiry
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.inquiries.categories import ensure_categories
from breachdesk.inquiries.counts import raw_counts_query
from breachdesk.inquiries.figures import store_daily_table
from breachdesk.kb.importers.dailytable import ParsedDailyTable, ParsedDay
from breachdesk.reports.daily import (
    category_totals,
    daily_table,
    to_csv,
    to_text,
    weekly_totals,
)
from breachdesk.reports.model import DailyTable, DayRow, Event

SLUG = "sakura"
MON = date(2024, 9, 2)  # a Monday


def day(n: int) -> date:
    return MON + timedelta(days=n)


def new_incident(db: Database) -> None:
    with db.transaction() as s:
        incident = Incident(slug=SLUG, name="さくら市ポイントカード", facts={})
        s.add(incident)
        s.flush()
        ensure_categories(s, incident)


def log(db: Database, *calls: tuple[date, str, str, str | None]) -> None:
    """Log inquiries: (day, channel, outcome, category name or None)."""
    with db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == SLUG))
        assert incident is not None
        ids = {c.name: c.id for c in ensure_categories(s, incident)}
        for when, channel, outcome, category in calls:
            s.add(
                Inquiry(
                    incident_id=incident.id,
                    channel=channel,
                    received_at=datetime(when.year, when.month, when.day, 1, tzinfo=UTC),
                    day=when,
                    outcome=outcome,
                    category_id=ids[category] if category else None,
                )
            )


def imported(db: Database, days: list[ParsedDay]) -> None:
    with db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == SLUG))
        assert incident is not None
        labels = list(dict.fromkeys(label for d in days for label in d.categories))
        store_daily_table(s, incident, ParsedDailyTable("council.txt", days, labels))


def campaign(db: Database, when: date, channel: str, note: str) -> None:
    with db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == SLUG))
        assert incident is not None
        s.add(Campaign(incident_id=incident.id, channel=channel, sent_on=when, note=note))


def test_logged_phone_calls_are_counted_per_day_busy_offered_but_not_answered(
    db: Database,
) -> None:
    new_incident(db)
    log(
        db,
        (day(0), "phone", "answered", "不正利用"),
        (day(0), "phone", "answered", "不正利用"),
        (day(0), "phone", "busy", None),
        (day(0), "phone", "callback", "対象確認"),
        (day(1), "phone", "answered", "その他"),
        (day(1), "mail", "answered", "対象確認"),
    )

    table = daily_table(db, SLUG)

    assert [(r.day, r.offered, r.answered) for r in table.rows] == [(day(0), 4, 2), (day(1), 1, 1)]
    assert table.rows[0].categories["不正利用"] == 2
    assert table.rows[0].categories["対象確認"] == 1
    assert table.rows[0].categories["パスワード"] == 0
    assert table.rows[1].categories["対象確認"] == 0  # the mail is not a phone inquiry
    assert table.rows[0].answer_rate == 0.5
    assert table.categories[0] == "対象確認" and len(table.categories) == 9


def test_all_channels_count_when_asked(db: Database) -> None:
    new_incident(db)
    log(db, (day(0), "phone", "busy", None), (day(0), "mail", "answered", "対象確認"))

    table = daily_table(db, SLUG, channels=None)

    assert (table.rows[0].offered, table.rows[0].answered) == (2, 1)
    assert table.rows[0].categories["対象確認"] == 1


def test_imported_figures_win_on_their_days_and_logged_calls_fill_the_rest(db: Database) -> None:
    new_incident(db)
    imported(
        db,
        [
            ParsedDay(day(0), 140, 58, {"QUOカードPay関連": 57}, 1),
            ParsedDay(day(1), 134, 108, {"QUOカードPay関連": None}, 1),
        ],
    )
    log(db, (day(1), "phone", "answered", "不正利用"), (day(2), "phone", "answered", "不正利用"))

    rows = daily_table(db, SLUG).rows

    assert [(r.offered, r.answered) for r in rows] == [(140, 58), (134, 108), (1, 1)]
    assert rows[0].categories["補償・QUOカードPay"] == 57
    assert rows[0].categories["不正利用"] is None  # not counted by the import
    assert rows[1].categories["補償・QUOカードPay"] is None
    assert rows[2].categories["不正利用"] == 1


def test_days_without_data_are_zero_once_logging_began_and_unknown_before(db: Database) -> None:
    new_incident(db)
    imported(db, [ParsedDay(day(0), 5, 5, {}, 1)])
    log(db, (day(3), "phone", "answered", None), (day(5), "phone", "busy", None))

    rows = daily_table(db, SLUG, end=day(6)).rows

    assert [(r.day, r.offered, r.answered) for r in rows] == [
        (day(0), 5, 5),
        (day(1), None, None),
        (day(2), None, None),
        (day(3), 1, 1),
        (day(4), 0, 0),
        (day(5), 1, 0),
        (day(6), 0, 0),
    ]
    assert rows[1].answer_rate is None and rows[4].answer_rate is None


def test_range_defaults_to_the_data_and_can_be_narrowed(db: Database) -> None:
    new_incident(db)
    campaign(db, day(-1), "mail", "事前告知メール配信")
    log(db, (day(0), "phone", "answered", None), (day(4), "phone", "answered", None))

    whole = daily_table(db, SLUG)
    narrow = daily_table(db, SLUG, start=day(1), end=day(2))

    assert (whole.rows[0].day, whole.rows[-1].day) == (day(-1), day(4))
    assert [r.day for r in narrow.rows] == [day(1), day(2)]
    assert daily_table(db, SLUG, start=day(10)).rows[0].day == day(10)


def test_bad_range_and_unknown_incident_are_errors(db: Database) -> None:
    new_incident(db)
    with pytest.raises(InvalidInputError):
        daily_table(db, SLUG, start=day(2), end=day(1))
    with pytest.raises(NotFoundError):
        daily_table(db, "nosuch")


def test_empty_incident_has_no_rows(db: Database) -> None:
    new_incident(db)
    assert daily_table(db, SLUG).rows == []


def test_campaigns_are_events_on_their_day(db: Database) -> None:
    new_incident(db)
    log(db, (day(0), "phone", "answered", None), (day(2), "phone", "answered", None))
    campaign(db, day(1), "mail", "リマインドメール配信")
    campaign(db, day(1), "sms", "ショートメッセージ配信")

    table = daily_table(db, SLUG)

    assert table.rows[1].events == [
        Event(day(1), "mail", "リマインドメール配信"),
        Event(day(1), "sms", "ショートメッセージ配信"),
    ]
    assert [e.day for e in table.events] == [day(1), day(1)]


def test_a_campaign_planned_after_today_does_not_stretch_the_table(db: Database) -> None:
    from breachdesk.inquiries.dates import today_jst

    today = today_jst()
    new_incident(db)
    log(db, (today - timedelta(days=3), "phone", "answered", None))
    campaign(db, today - timedelta(days=2), "mail", "お知らせメール配信")
    campaign(db, today + timedelta(days=10), "letter", "書面でお知らせ（予定）")

    table = daily_table(db, SLUG)

    assert table.rows[-1].day == today - timedelta(days=2)  # the last sent campaign's day
    assert [e.note for e in table.events] == ["お知らせメール配信"]
    asked = daily_table(db, SLUG, end=today + timedelta(days=10))  # still there when asked for
    assert [e.note for e in asked.events] == ["お知らせメール配信", "書面でお知らせ（予定）"]


def test_logged_counts_are_read_through_the_report_index_on_sqlite(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("the planner of a tiny PostgreSQL table may rightly prefer a scan")
    new_incident(db)
    log(db, (day(0), "phone", "answered", None))
    query = raw_counts_query(1, day(0), day(1), channels=("phone",))  # the default report
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.read() as s:
        plan = " ".join(str(r[-1]) for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "COVERING INDEX ix_inquiries_report" in plan
    assert "TEMP B-TREE" not in plan


def hand_table() -> DailyTable:
    return DailyTable(
        SLUG,
        "さくら",
        ["不正利用", "補償"],
        [
            DayRow(day(5), 10, 5, {"不正利用": 1, "補償": None}),  # Saturday
            DayRow(day(6), 20, 20, {"不正利用": 2, "補償": None}),
            DayRow(day(7), 140, 58, {"不正利用": 1, "補償": 57}, [Event(day(7), "mail", "配信")]),
            DayRow(day(8), None, None, {"不正利用": None, "補償": None}),
        ],
    )


def test_weekly_totals_add_the_counted_days() -> None:
    weeks = weekly_totals(hand_table())

    assert [(w.start, w.end, w.days) for w in weeks] == [(day(5), day(6), 2), (day(7), day(8), 2)]
    assert (weeks[0].offered, weeks[0].answered, weeks[0].answer_rate) == (30, 25, 25 / 30)
    assert weeks[0].categories == {"不正利用": 3, "補償": None}
    assert (weeks[1].offered, weeks[1].events) == (140, 1)
    assert weeks[1].answer_rate == 58 / 140


def test_category_totals_give_share_and_count_per_answered_call() -> None:
    totals = {t.name: t for t in category_totals(hand_table())}

    assert (totals["不正利用"].count, totals["不正利用"].days_counted) == (4, 3)
    assert totals["不正利用"].share == 4 / 61
    assert totals["不正利用"].per_answered == 4 / 83
    assert (totals["補償"].count, totals["補償"].per_answered) == (57, 57 / 58)


def test_csv_has_the_contract_columns_rates_to_three_decimals_and_empty_unknowns() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(hand_table()))))

    assert rows[0] == ["date", "offered", "answered", "answer_rate", "不正利用", "補償", "events"]
    assert rows[3] == ["2024-09-09", "140", "58", "0.414", "1", "57", "mail: 配信"]
    assert rows[4] == ["2024-09-10", "", "", "", "", "", ""]


def display_end(line: str, token: int) -> int:
    """The terminal column where the line's `token`-th word ends (full-width = 2 columns)."""
    end = list(re.finditer(r"\S+", line))[token].end()
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line[:end])


def test_text_table_aligns_full_width_headers() -> None:
    lines = to_text(hand_table()).splitlines()

    assert len(lines) == 5
    assert lines[4].split() == ["2024-09-10", "-", "-", "-", "-", "-"]
    assert {display_end(line, 5) for line in lines} == {display_end(lines[0], 5)}  # 補償 / 57


class Cli:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.runner = CliRunner(env={"BREACHDESK_DENSE_MODEL": "none"})

    def __call__(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, ["--db", str(self.path), *args])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result.stdout if code == 0 else result.stderr


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    database = open_database(str(tmp_path / "desk.db"))
    new_incident(database)
    log(database, (day(0), "phone", "answered", "不正利用"), (day(0), "phone", "busy", None))
    log(database, (day(1), "phone", "answered", "不正利用"))
    campaign(database, day(1), "mail", "おわびメール配信")
    database.dispose()
    return Cli(tmp_path / "desk.db")


def test_cli_prints_the_daily_csv(cli: Cli) -> None:
    rows = list(csv.reader(io.StringIO(cli("report", "daily", "--incident", SLUG, "--csv"))))

    assert rows[0][:4] == ["date", "offered", "answered", "answer_rate"]
    assert rows[0][-1] == "events" and "不正利用" in rows[0]
    assert [r[:4] for r in rows[1:]] == [
        ["2024-09-02", "2", "1", "0.500"],
        ["2024-09-03", "1", "1", "1.000"],
    ]
    assert rows[2][-1] == "mail: おわびメール配信"


def test_cli_narrows_the_range_and_prints_an_aligned_table(cli: Cli) -> None:
    out = cli("report", "daily", "--incident", SLUG, "--from", "2024-09-03", "--to", "2024-09-04")

    lines = out.splitlines()
    assert lines[0].split()[:4] == ["date", "offered", "answered", "answer_rate"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["2024-09-03", "1", "1"],
        ["2024-09-04", "0", "0"],
    ]


def test_cli_errors_exit_like_the_other_commands(cli: Cli) -> None:
    assert "「9/2」は日付として読めません" in cli(
        "report", "daily", "--incident", SLUG, "--from", "9/2", code=2
    )
    assert "not found" in cli("report", "daily", "--incident", "nosuch", code=3)
    assert ".png or .svg" in cli(
        "report", "daily", "--incident", SLUG, "--chart", "out.gif", code=2
    )


def test_cli_writes_the_workbook_and_chart_from_the_same_table(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int, str]] = []
    xlsx = types.ModuleType("breachdesk.reports.xlsx")
    chart = types.ModuleType("breachdesk.reports.chart")

    def council_workbook(table: DailyTable, remediation: object = None) -> bytes:
        seen.append(("xlsx", len(table.rows), ""))
        return b"PK-workbook"

    def daily_chart(table: DailyTable, fmt: str) -> bytes:
        seen.append(("chart", len(table.rows), fmt))
        return b"<svg/>"

    xlsx.council_workbook = council_workbook  # type: ignore[attr-defined]
    chart.daily_chart = daily_chart  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "breachdesk.reports.xlsx", xlsx)
    monkeypatch.setitem(sys.modules, "breachdesk.reports.chart", chart)
    book, picture = tmp_path / "council.xlsx", tmp_path / "daily.svg"

    cli("report", "daily", "--incident", SLUG, "--xlsx", str(book), "--chart", str(picture))

    assert book.read_bytes() == b"PK-workbook" and picture.read_bytes() == b"<svg/>"
    assert seen == [("xlsx", 2, ""), ("chart", 2, "svg")]
