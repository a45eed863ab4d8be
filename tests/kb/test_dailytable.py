"""The daily-table parser: blocks, "-" cells, the year from weekday rows, events, bad blocks.

Every document here is a fictional council report about a fictional points-card leak; the
weekday rows are computed from the dates, so each test states the year it expects.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.importers.dailytable import WEEKDAYS, parse_daily_table, read_daily_tables
from breachdesk.kb.parsed import ParsedDocument

TODAY = date(2026, 11, 24)
PATH = "sakura-report.txt"
NARRATIVE = "さくら市ポイントカード情報流出事案への対応について\n\n1 現状\n\n- 窓口を設置した。\n"
CAPTION = "(さくらポイント)コールセンターの問い合わせ状況\n"


def days_from(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n)]


def block(
    days: list[date],
    rows: dict[str, list[str]],
    *,
    label: str = "",
    weekdays: str | None = None,
    with_year: bool = False,
) -> str:
    """A tab-separated block: date row, weekday row (computed unless given), figure rows."""
    cells = [
        f"{d.year}年{d.month}月{d.day}日" if with_year else f"{d.month}月{d.day}日" for d in days
    ]
    shown = weekdays if weekdays is not None else "".join(WEEKDAYS[d.weekday()] for d in days)
    lines = ["\t".join([label, *cells]), "\t".join(["", *shown])]
    lines += ["\t".join([name, *values]) for name, values in rows.items()]
    return "\n".join(lines) + "\n"


def figures(
    offered: list[str], answered: list[str], **categories: list[str]
) -> dict[str, list[str]]:
    return {"入電件数合計": offered, "応答件数": answered, **categories}


MAY = days_from(date(2022, 5, 9), 4)  # Monday to Thursday
LATER = days_from(date(2022, 5, 13), 2)


def report(*parts: str, head: str = NARRATIVE) -> str:
    return head + "\n" + CAPTION + "\n" + "\n".join(parts)


def test_reads_days_figures_and_categories_with_dash_as_not_counted() -> None:
    text = report(
        block(
            MAY,
            figures(
                ["12", "30", "-", "7"],
                ["10", "25", "-", "7"],
                不正利用=["1", "0", "-", "2"],
                ポイント返還関連=["-", "-", "-", "3"],
            ),
            label="5月",
        ),
        block(
            LATER,
            figures(["40", "9"], ["22", "9"], 不正利用=["0", "1"], ポイント返還関連=["18", "6"]),
        ),
    )

    table = parse_daily_table(PATH, text, today=TODAY)

    assert table is not None
    assert [d.day for d in table.days] == [*MAY, *LATER]
    assert [(d.offered, d.answered) for d in table.days] == [
        (12, 10), (30, 25), (None, None), (7, 7), (40, 22), (9, 9)
    ]  # fmt: skip
    assert table.category_labels == ["不正利用", "ポイント返還関連"]
    assert table.days[0].categories == {"不正利用": 1, "ポイント返還関連": None}
    assert table.days[-1].categories == {"不正利用": 1, "ポイント返還関連": 6}
    assert table.year_from == "weekdays"


def test_document_without_a_daily_table_gives_none() -> None:
    faq = "No\t問合せ\t回答\n1\t対象ですか\t5月9日以降の注文が対象です。\n2\t費用は\t無料です。\n"
    assert parse_daily_table(PATH, NARRATIVE, today=TODAY) is None
    assert parse_daily_table(PATH, faq, today=TODAY) is None


def test_a_line_of_dates_with_nothing_tabbed_under_it_is_not_a_table() -> None:
    text = NARRATIVE + "\n日程\t5月9日\t5月10日\n\n説明会を開いた。\n"
    assert parse_daily_table(PATH, text, today=TODAY) is None


def test_year_without_stated_years_is_the_most_recent_past_year_that_fits() -> None:
    text = report(block(MAY, figures(["1"] * 4, ["1"] * 4)))

    assert parse_daily_table(PATH, text, today=TODAY).days[0].day == date(2022, 5, 9)  # type: ignore[union-attr]
    # On 2022-05-10 the table (to 5月12日) would still lie ahead, so the year before that fits.
    earlier = parse_daily_table(PATH, text, today=date(2022, 5, 10))
    assert date(2016, 5, 9).weekday() == MAY[0].weekday()
    assert earlier is not None and earlier.days[0].day == date(2016, 5, 9)


def test_year_comes_from_the_years_the_document_states() -> None:
    head = NARRATIVE + "\n令和4年4月1日に公表した。\n"
    table = parse_daily_table(
        PATH, report(block(MAY, figures(["1"] * 4, ["1"] * 4)), head=head), today=date(2040, 1, 1)
    )

    assert table is not None
    assert table.days[0].day == date(2022, 5, 9)


def test_weekdays_that_fit_two_stated_years_are_ambiguous() -> None:
    head = NARRATIVE + "\n2016年4月1日に開始し、2022年4月1日に終了した。\n"
    assert date(2016, 5, 9).weekday() == date(2022, 5, 9).weekday()
    text = report(block(MAY, figures(["1"] * 4, ["1"] * 4)), head=head)

    with pytest.raises(DocumentFormatError, match="more than one year") as caught:
        parse_daily_table(PATH, text, today=TODAY)
    assert (
        caught.value.line
        == text.split("\n").index("\t" + "\t".join(f"5月{d.day}日" for d in MAY)) + 1
    )


def test_weekdays_that_no_year_fits_are_an_error() -> None:
    text = report(block(MAY, figures(["1"] * 4, ["1"] * 4), weekdays="月月火水"))

    with pytest.raises(DocumentFormatError, match="no year"):
        parse_daily_table(PATH, text, today=TODAY)


def test_stated_year_in_the_dates_is_kept_and_checked_against_the_weekdays() -> None:
    good = report(block(MAY, figures(["1"] * 4, ["1"] * 4), with_year=True))
    bad = report(block(MAY, figures(["1"] * 4, ["1"] * 4), with_year=True, weekdays="火水木金"))

    table = parse_daily_table(PATH, good, today=TODAY)
    assert table is not None and table.year_from == "stated"
    assert table.days[0].day == date(2022, 5, 9)
    with pytest.raises(DocumentFormatError, match="weekday"):
        parse_daily_table(PATH, bad, today=TODAY)


def test_table_crossing_new_year_moves_to_the_next_year() -> None:
    days = days_from(date(2022, 12, 30), 4)
    table = parse_daily_table(PATH, report(block(days, figures(["1"] * 4, ["1"] * 4))), today=TODAY)

    assert table is not None
    assert [d.day for d in table.days] == days


def test_full_width_digits_and_weekdays_in_brackets_are_read() -> None:
    text = report(
        "\t５月９日\t５月１０日\n\t（月）\t（火）\n入電件数合計\t１２\t１,０３０\n応答件数\t１０\t９９９\n"
    )
    table = parse_daily_table(PATH, text, today=TODAY)

    assert table is not None
    assert [(d.day, d.offered, d.answered) for d in table.days] == [
        (date(2022, 5, 9), 12, 10),
        (date(2022, 5, 10), 1030, 999),
    ]


def test_rate_rows_are_skipped_and_other_rows_are_categories() -> None:
    rows = figures(
        ["10", "20", "5", "5"], ["5", "10", "5", "5"], 応答率=["50%", "50%", "100%", "100%"]
    )
    table = parse_daily_table(
        PATH, report(block(MAY, {**rows, "不審な電話": ["0", "1", "0", "0"]})), today=TODAY
    )

    assert table is not None
    assert table.category_labels == ["不審な電話"]
    assert table.days[1].categories == {"不審な電話": 1}


def test_events_between_and_around_blocks_with_notes_joined() -> None:
    text = report(
        "5月2日付けで報道発表した。\n",
        "5月8日\nおわびメール\n事前配信\n",
        block(MAY, figures(["1"] * 4, ["1"] * 4)),
        "5月10日\nおわびはがき発送\n",
        "返送はがき受付期間 (5/10~5/20)\n",
        block(LATER, figures(["1"] * 2, ["1"] * 2)),
        "5月14日 SMS配信\n",
        "※入電件数合計と応答件数との差は話し中によるもの\n",
    )
    table = parse_daily_table(PATH, text, today=TODAY)

    assert table is not None
    assert [(e.day, e.note) for e in table.events] == [
        (date(2022, 5, 8), "おわびメール 事前配信"),
        (date(2022, 5, 10), "おわびはがき発送"),
        (date(2022, 5, 14), "SMS配信"),
    ]
    assert table.remarks == [
        "返送はがき受付期間 (5/10~5/20)",
        "※入電件数合計と応答件数との差は話し中によるもの",
    ]


def test_event_dates_take_the_year_nearest_the_table() -> None:
    days = days_from(date(2022, 12, 28), 3)
    text = report(block(days, figures(["1"] * 3, ["1"] * 3)), "1月4日\n再発行案内メール配信\n")
    table = parse_daily_table(PATH, text, today=TODAY)

    assert table is not None
    assert table.events[0].day == date(2023, 1, 4)


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if line.startswith(start))


def test_row_with_the_wrong_number_of_values_is_an_error_at_its_line() -> None:
    text = report(block(MAY, figures(["1"] * 4, ["1"] * 3)))

    with pytest.raises(DocumentFormatError, match="3 values for 4 dates") as caught:
        parse_daily_table(PATH, text, today=TODAY)
    assert (caught.value.path, caught.value.line) == (PATH, line_of(text, "応答件数"))


def test_cell_that_is_not_a_count_is_an_error_at_its_line() -> None:
    text = report(block(MAY, figures(["1", "多数", "1", "1"], ["1"] * 4)))

    with pytest.raises(DocumentFormatError, match="not a count") as caught:
        parse_daily_table(PATH, text, today=TODAY)
    assert caught.value.line == line_of(text, "入電件数合計")


def test_date_row_with_only_a_weekday_row_is_an_error() -> None:
    text = report("\t5月9日\t5月10日\n\t月\t火\n\n説明\n")

    with pytest.raises(DocumentFormatError, match="no figure rows"):
        parse_daily_table(PATH, text, today=TODAY)


def test_day_in_two_blocks_is_an_error() -> None:
    text = report(
        block(MAY, figures(["1"] * 4, ["1"] * 4)),
        block([MAY[-1], LATER[0]], figures(["1"] * 2, ["1"] * 2)),
    )

    with pytest.raises(DocumentFormatError, match="appears twice"):
        parse_daily_table(PATH, text, today=TODAY)


def test_read_daily_tables_reads_the_text_documents_of_an_import_and_skips_binary_ones() -> None:
    text = report(block(MAY, figures(["1"] * 4, ["1"] * 4)))
    data = text.encode("cp932")
    as_text = ParsedDocument(PATH, "notice", "cp932", [])
    as_pdf = ParsedDocument("sakura-report.pdf", "pdf", None, [])

    tables = read_daily_tables([(as_text, data), (as_pdf, data)], max_bytes=1_000_000, today=TODAY)

    assert [(t.path, [d.day for d in t.days]) for t in tables] == [(PATH, MAY)]
