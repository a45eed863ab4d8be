"""The one parser every CLI date option and console date field goes through."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from breachdesk.errors import InvalidInputError
from breachdesk.inquiries.day_input import JST, parse_day, parse_moment, parse_optional_day

SEPT_3 = date(2026, 9, 3)


@pytest.mark.parametrize(
    "text",
    [
        "2026-09-03",
        "2026/09/03",
        "2026/9/3",
        "2026.9.3",
        "2026年9月3日",
        "2026年09月03日",
        "令和8年9月3日",
        "２０２６／９／３",
        "２０２６年９月３日",
        " 2026-09-03 ",
    ],
)
def test_every_common_spelling_of_a_day_is_the_same_day(text: str) -> None:
    assert parse_day(text) == SEPT_3


def test_the_first_year_of_an_era_is_gannen() -> None:
    assert parse_day("令和元年5月1日") == date(2019, 5, 1)


@pytest.mark.parametrize(
    "text", ["9/3", "26/9/3", "2026-02-30", "2026年13月1日", "昨日", "", "2026-09-03T10:00"]
)
def test_what_would_need_a_guess_is_refused_naming_the_input(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_day(text, where="from")
    assert caught.value.where == "from" and f"「{text}」" in str(caught.value)


def test_a_blank_optional_day_is_no_day() -> None:
    assert parse_optional_day("  ") is None and parse_optional_day(None) is None
    assert parse_optional_day("2026/9/3") == SEPT_3


@pytest.mark.parametrize(
    "text",
    [
        "2026-09-03 10:15",
        "2026-09-03T10:15",
        "2026/9/3 10:15",
        "2026/9/3 10:15:00",
        "2026年9月3日 10:15",
        "2026年9月3日 10時15分",
        "2026年9月3日10時15分",
        "令和8年9月3日 午前10時15分",
        "２０２６／９／３　１０：１５",
        "2026-09-03T10:15+09:00",
        "2026-09-03T01:15Z",
    ],
)
def test_every_common_spelling_of_a_moment_is_the_same_moment(text: str) -> None:
    assert parse_moment(text) == datetime(2026, 9, 3, 10, 15, tzinfo=JST)


def test_an_afternoon_hour_on_the_japanese_clock() -> None:
    assert parse_moment("2026年9月3日 午後3時").hour == 15


@pytest.mark.parametrize(
    "text", ["2026-09-03", "10:15", "2026/9/3 25:00", "2026/9/3 午後13時", "昨日の朝", "9/3 10:15"]
)
def test_a_moment_without_a_day_and_a_time_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_moment(text, where="--at")
    assert caught.value.where == "--at" and f"「{text}」は日時として読めません" in str(caught.value)
