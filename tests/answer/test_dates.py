"""Years, seasons and years relative to the notice, placed against the published periods."""

from __future__ import annotations

import datetime as dt

from breachdesk.answer.dates import Span, date_scores, question_spans, reference_day
from breachdesk.kb.facts import extract_facts

PERIODS = [
    extract_facts("令和元年6月10日から令和2年1月20日までに会員登録をされた方が対象です。"),
    extract_facts("2025年4月1日~2025年11月30日の期間にカード決済をされたお客様が対象です。"),
    extract_facts("2026年2月1日以降のご注文は対象外です。"),
    extract_facts("カード会社へご連絡ください。"),
]
NOTICE_DAY = dt.date(2026, 3, 16)


def test_an_era_year_with_a_season_is_the_days_of_that_season() -> None:
    assert question_spans("令和元年の夏に登録しました") == [
        Span(dt.date(2019, 6, 1), dt.date(2019, 8, 31))
    ]
    assert question_spans("平成30年の秋に") == [Span(dt.date(2018, 9, 1), dt.date(2018, 11, 30))]
    winter = question_spans("2024年の冬に買った")
    assert Span(dt.date(2024, 1, 1), dt.date(2024, 2, 29)) in winter
    assert Span(dt.date(2024, 12, 1), dt.date(2024, 12, 31)) in winter


def test_a_relative_year_is_counted_from_the_notice_not_from_today() -> None:
    assert question_spans("去年の春に注文しました", NOTICE_DAY) == [
        Span(dt.date(2025, 3, 1), dt.date(2025, 5, 31))
    ]
    assert question_spans("昨年の7月に買いました", NOTICE_DAY) == [
        Span(dt.date(2025, 7, 1), dt.date(2025, 7, 31))
    ]
    assert question_spans("おととし買った", NOTICE_DAY) == [
        Span(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    ]
    # Without a reference day a relative year means nothing.
    assert question_spans("去年の春に注文しました") == []


def test_a_season_without_a_year_is_the_last_one_begun_by_the_notice() -> None:
    # The notice is dated in March: 夏頃 is last summer, 春に this spring.
    assert question_spans("夏頃に買い物をしました", NOTICE_DAY) == [
        Span(dt.date(2025, 6, 1), dt.date(2025, 8, 31))
    ]
    assert question_spans("春に買い物をしました", NOTICE_DAY) == [
        Span(dt.date(2026, 3, 1), dt.date(2026, 5, 31))
    ]
    # 春日部 is a place, not a season.
    assert question_spans("春日部店で買いました", NOTICE_DAY) == []


def test_a_whole_date_is_left_to_the_day_precise_reading() -> None:
    assert question_spans("2025年12月10日に買いました") == []


def test_a_season_or_year_ranks_the_period_it_falls_in() -> None:
    summer = date_scores("令和元年の夏に会員になりました", PERIODS, NOTICE_DAY)
    assert summer[0] == 1.0 and summer[3] == 0.0
    # A period the time falls outside still settles the question, less than the one it is in.
    assert 0.0 < summer[1] < 1.0 and summer[1] == summer[2]
    spring = date_scores("去年の春にそちらで買いました。カードは大丈夫？", PERIODS, NOTICE_DAY)
    assert spring[1] == 1.0 and spring[0] < 1.0
    this_year = date_scores("今年の2月に買ったものは？", PERIODS, NOTICE_DAY)
    assert this_year[2] == 1.0 and this_year[1] < 1.0 and this_year[3] == 0.0
    assert not date_scores("手数料はかかりますか", PERIODS, NOTICE_DAY).any()


def test_the_reference_day_is_the_latest_published_day_not_in_the_future() -> None:
    facts = [extract_facts("2026年3月16日 お知らせ"), *PERIODS, extract_facts("2030年1月1日")]
    assert reference_day(facts, today=dt.date(2026, 12, 1)) == dt.date(2026, 3, 16)
    assert reference_day([extract_facts("窓口のご案内")]) is None
