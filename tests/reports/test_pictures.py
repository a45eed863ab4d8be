"""Chart, council workbook, forecast and regulator draft, from small fictional tables."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser

from breachdesk.reports.chart import daily_chart
from breachdesk.reports.forecast import campaign_effects, forecast_after
from breachdesk.reports.model import DailyTable, DayRow, Event
from breachdesk.reports.regulator import (
    BLANK,
    DeskTotals,
    RegulatorInputs,
    draft_markdown,
    draft_workbook,
    due_dates,
)
from breachdesk.reports.xlsx import council_workbook

START = date(2026, 9, 7)  # a Monday


def table(days: int = 14, peak_days: tuple[int, ...] = (2, 9)) -> DailyTable:
    """Baseline 10 calls, +80 on campaign days, halving each day after; day 5 not counted."""
    rows = []
    for i in range(days):
        day = START + timedelta(days=i)
        excess = sum(80 * 0.5 ** (i - p) for p in peak_days if i >= p)
        offered = None if i == 5 else round(10 + excess)
        events = [Event(day, "mail", f"お知らせメール{i}")] if i in peak_days else []
        answered = None if offered is None else min(offered, 30)
        rows.append(DayRow(day, offered, answered, {"不正利用": 1, "その他": None}, events))
    return DailyTable("aozora", "青空書店", ["不正利用", "その他"], rows)


def test_the_chart_draws_a_bar_pair_per_day_in_svg_and_png() -> None:
    t = table()
    svg = daily_chart(t, fmt="svg").decode()
    tree = LexborHTMLParser(svg)
    for series in ("offered", "answered"):
        assert len(tree.css(f"g#{series}")) == len(t.rows)  # one bar per day
    assert daily_chart(t, fmt="png").startswith(b"\x89PNG")
    with_forecast = daily_chart(t, fmt="svg", forecast=[(START + timedelta(days=15), 50.0)])
    assert len(with_forecast) > len(svg)


def test_the_council_workbook_has_weekly_blocks_and_a_long_sheet() -> None:
    book = load_workbook(io.BytesIO(council_workbook(table())))
    blocks = book["日別推移"]
    values = [[c.value for c in row] for row in blocks.iter_rows()]
    dates = [row for row in values if row[0] == "日付"]
    assert len(dates) == 2  # two calendar weeks
    assert dates[0][1:8] == [f"9月{d}日" for d in range(7, 14)]
    weekdays = [row for row in values if row[0] == "曜日"]
    assert weekdays[0][1:8] == list("月火水木金土日")
    offered = next(row for row in values if row[0] == "入電件数合計")
    assert offered[6] == "-"  # day 5 not counted
    others = next(row for row in values if row[0] == "その他")
    assert set(others[1:8]) == {"-"}
    assert any(str(row[0]).startswith("9月9日 お知らせメール2") for row in values)
    flat = book["日別"]
    assert flat["A2"].value == "2026-09-07" and flat["B2"].value == 10
    assert flat["B7"].value is None


def test_the_forecast_recovers_the_decay_of_past_campaigns() -> None:
    effects = campaign_effects(table())
    assert [e.day for e in effects] == [START + timedelta(days=2), START + timedelta(days=9)]
    assert effects[0].ratio == pytest.approx(0.5, abs=0.05)
    days = forecast_after(table(), START + timedelta(days=20), days=5)
    assert [d.day for d in days] == [START + timedelta(days=20 + k) for k in range(5)]
    assert days[0].expected > days[1].expected > days[4].expected
    assert days[1].expected - days[-1].expected > 0
    assert all(d.low <= d.expected <= d.high for d in days)
    doubled = forecast_after(table(), START + timedelta(days=20), 2, audience=2, past_audience=1)
    assert doubled[0].expected > days[0].expected


def test_due_dates_follow_the_rules() -> None:
    found = date(2026, 9, 3)
    normal = due_dates(found, unauthorised_access=False)
    assert normal["確報（期限）"] == date(2026, 10, 3)
    assert due_dates(found, unauthorised_access=True)["確報（期限）"] == date(2026, 11, 2)
    assert normal["速報（目安・最短）"] == date(2026, 9, 6)


def test_the_draft_quotes_published_text_and_leaves_blanks_visible() -> None:
    inputs = RegulatorInputs(
        incident_name="青空書店 カード情報流出",
        organisation=None,
        discovered_on=date(2026, 9, 3),
        unauthorised_access=True,
        facts={
            "items": [
                {"raw": "カード番号", "negated": False, "in_question": False, "leak_context": True},
                {"raw": "パスワード", "negated": True, "in_question": False, "leak_context": True},
            ],
            "counts": [{"raw": "最大で3,210件"}],
        },
        passages=[("原因", "決済画面が改ざんされていました。"), ("再発防止策", "非保持化します。")],
        totals=DeskTotals(days=14, offered=300, answered=240, fraud_reports=5),
        campaigns=[Event(START, "mail", "お詫びメール")],
    )
    text = draft_markdown(inputs)
    assert "> 決済画面が改ざんされていました。" in text
    assert "カード番号" in text and "パスワード" not in text
    assert "最大で3,210件" in text
    assert "〔システム集計〕窓口への不正利用の申告：5件" in text
    assert BLANK.format(what="事業者名") in text
    assert BLANK.format(what="公表の日と方法") in text
    assert "2026年11月2日" in text  # 60 days for unauthorised access
    book = load_workbook(io.BytesIO(draft_workbook(inputs)))
    cells = [c.value for row in book.active.iter_rows() for c in row]  # type: ignore[union-attr]
    assert "原因" in cells and BLANK.format(what="公表の日と方法") in cells


def test_a_big_campaign_s_decay_outweighs_a_small_noisy_one() -> None:
    from breachdesk.reports.forecast import ForecastDay
    from breachdesk.reports.model import DailyTable, DayRow, Event

    start = date(2026, 9, 1)
    calls = [20] * 5 + [120, 70, 45, 32, 26] + [20] * 5 + [24, 26, 27, 20, 20]
    rows = [DayRow(start + timedelta(days=i), n, n, {}, []) for i, n in enumerate(calls)]
    events = [
        Event(start + timedelta(days=5), "mail", "big"),
        Event(start + timedelta(days=15), "sms", "small"),
    ]
    rows[5] = DayRow(rows[5].day, 120, 120, {}, [events[0]])
    rows[15] = DayRow(rows[15].day, 24, 24, {}, [events[1]])
    table = DailyTable("t", "t", [], rows)
    days: list[ForecastDay] = forecast_after(table, start + timedelta(days=30), days=3)
    excess = [d.expected - 20 for d in days]
    # The big campaign halves its excess about every day; the small one's rising noise must not
    # turn that into a plateau.
    assert excess[1] / excess[0] < 0.7
