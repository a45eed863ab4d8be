"""Facts read off Japanese breach notices, on a fictional incident (株式会社ハナミズキ堂)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breachdesk.kb.facts import (
    ITEM_SYNONYMS,
    ITEM_VOCABULARY,
    CountFact,
    DateFact,
    DaysRule,
    Facts,
    canonical_item,
    extract_facts,
)
from breachdesk.kb.facts.text import Spans, fold, overlaps

# --------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "kind"),
    [
        ("お客様窓口 0120-123-456 まで", "0120-123-456", "freedial"),
        ("フリーダイヤル 0120-654321(無料)", "0120-654321", "freedial"),
        ("代表 03-5555-0101 です", "03-5555-0101", "landline"),
        ("携帯 090-1111-2222 にお電話", "090-1111-2222", "mobile"),
        ("ナビダイヤル 0570-000-111", "0570-000-111", "navi"),
        ("0800-123-4567(通話無料)", "0800-123-4567", "freedial"),
        ("(03)5555-0101", "03-5555-0101", "landline"),
        ("03(5555)0101", "03-5555-0101", "landline"),
        ("電話 0120123456", "0120-123-456", "freedial"),
        ("電話 0120 123 456", "0120-123-456", "freedial"),
        ("０１２０－１２３－４５６", "0120-123-456", "freedial"),
    ],
)
def test_phone_numbers_are_normalised_and_classified(text: str, number: str, kind: str) -> None:
    (phone,) = extract_facts(text).phones
    assert (phone.number, phone.kind) == (number, kind)
    assert text[phone.start : phone.end] == phone.raw


@pytest.mark.parametrize(
    "hyphen", ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2212", "\u30fc", "\uff0d"]
)
def test_every_hyphen_variant_separates_phone_groups(hyphen: str) -> None:
    text = f"窓口:0120{hyphen}123{hyphen}456(平日)"
    (phone,) = extract_facts(text).phones
    assert phone.number == "0120-123-456"
    assert phone.raw == f"0120{hyphen}123{hyphen}456"


def test_parenthesised_number_keeps_its_parentheses_out_of_raw() -> None:
    (phone,) = extract_facts("ハナミズキ堂係（0120-123-456）まで").phones
    assert phone.raw == "0120-123-456"


@pytest.mark.parametrize(
    "text",
    [
        "FAX:03-5555-0102",
        "ＦＡＸ番号：03-5555-0102",
        "ファックス 03-5555-0102",
        "03-5555-0102(FAX)",
    ],
)
def test_number_labelled_fax_is_a_fax(text: str) -> None:
    (phone,) = extract_facts(text).phones
    assert phone.kind == "fax"


def test_shared_tel_and_fax_number_stays_a_phone() -> None:
    (phone,) = extract_facts("TEL/FAX 03-5555-0103").phones
    assert phone.kind == "landline"


def test_short_hotline_needs_no_area_code_wording() -> None:
    (phone,) = extract_facts("消費者ホットライン 局番なしの188番").phones
    assert (phone.raw, phone.number, phone.kind) == ("188番", "188", "short")
    assert extract_facts("整理番号 188番 の方").phones == ()


def test_dates_counts_and_urls_are_not_phones() -> None:
    text = "2020-04-08 に 1,234件、詳細 https://example.jp/news/0120123456.html"
    assert extract_facts(text).phones == ()


def test_implausible_lengths_are_not_phones() -> None:
    assert extract_facts("番号 0120-12-34 と 090-123-4567").phones == ()


# --------------------------------------------------------------------------------------------
# Mail
# --------------------------------------------------------------------------------------------


def test_mail_addresses_ascii_and_full_width() -> None:
    text = (
        "メール(support@hanamizuki.example.jp)または ｈｅｌｐ＠Ｈａｎａｍｉｚｕｋｉ.example.jp へ"
    )
    mails = extract_facts(text).mails
    assert [m.address for m in mails] == [
        "support@hanamizuki.example.jp",
        "help@hanamizuki.example.jp",
    ]
    assert mails[1].raw == "ｈｅｌｐ＠Ｈａｎａｍｉｚｕｋｉ.example.jp"


def test_mail_right_after_japanese_label() -> None:
    (mail,) = extract_facts("メールアドレス:press@hanamizuki.example.jp。").mails
    assert mail.address == "press@hanamizuki.example.jp"


# --------------------------------------------------------------------------------------------
# Hours and closed days
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "opening", "closing"),
    [
        ("9:00~17:00", (9, 0), (17, 0)),
        ("9:00 ~ 21:00", (9, 0), (21, 0)),
        ("10:00～18:00", (10, 0), (18, 0)),
        ("10:00〜18:00", (10, 0), (18, 0)),
        ("10:00ー18:00", (10, 0), (18, 0)),
        ("10:00-18:00", (10, 0), (18, 0)),
        ("10:00–18:00", (10, 0), (18, 0)),
        ("9時~18時", (9, 0), (18, 0)),
        ("9時ー18時", (9, 0), (18, 0)),
        ("午前9時~午後5時", (9, 0), (17, 0)),
        ("9時30分～17時", (9, 30), (17, 0)),
        ("９：００～１７：３０", (9, 0), (17, 30)),
        ("10時から19時まで", (10, 0), (19, 0)),
    ],
)
def test_hours_in_every_written_form(
    written: str, opening: tuple[int, int], closing: tuple[int, int]
) -> None:
    (hours,) = extract_facts(f"受付時間:{written}(予定)").hours
    assert hours.open == dt.time(*opening)
    assert hours.close == dt.time(*closing)
    assert hours.raw.startswith(written[:2])


def test_round_the_clock_desk_closes_at_end_of_day() -> None:
    (hours,) = extract_facts("不正利用窓口は24時間受付").hours
    assert (hours.open, hours.close) == (dt.time(0), dt.time.max)


def test_dates_are_not_hours() -> None:
    assert extract_facts("6月30日～7月8日、7/29").hours == ()


@pytest.mark.parametrize(
    ("phrase", "sat", "sun", "holidays", "year_end"),
    [
        ("土日祝除く", False, False, False, False),
        ("土日祝日を除く", False, False, False, False),
        ("土・日・祝日を除く", False, False, False, False),
        ("日曜・祝日を除く", True, False, False, False),
        ("年末年始を除く", True, True, True, True),
        ("土日祝日・年末年始を除く", False, False, False, True),
        ("土日祝日も受付", True, True, True, False),
        ("年中無休", True, True, True, False),
        ("平日のみ", False, False, False, False),
    ],
)
def test_closed_day_rules(
    phrase: str, sat: bool, sun: bool, holidays: bool, year_end: bool
) -> None:
    (rule,) = extract_facts(f"9:00~17:00({phrase})").days
    assert rule.raw == phrase
    assert (rule.saturday_open, rule.sunday_open) == (sat, sun)
    assert rule.weekends_open == (sat and sun)
    assert (rule.holidays_open, rule.year_end_closed) == (holidays, year_end)


def test_days_rule_written_without_brackets() -> None:
    (rule,) = extract_facts("カスタマーセンター 9:00~17:00 土日祝除く").days
    assert rule.raw == "土日祝除く"


def test_a_word_ending_in_day_is_not_a_days_rule() -> None:
    assert extract_facts("本日を除く各日に発送").days == ()


def test_merged_rules_close_a_day_if_either_closes_it() -> None:
    open_all, year_end = extract_facts("土日祝日も受付、ただし年末年始を除く").days
    merged = open_all.merge(year_end)
    assert merged.weekends_open and merged.holidays_open and merged.year_end_closed
    assert DaysRule().merge(year_end) == year_end


def test_year_end_period_wraps_new_year() -> None:
    rule = DaysRule(year_end_closed=True)
    assert rule.in_year_end(dt.date(2026, 12, 29))
    assert rule.in_year_end(dt.date(2027, 1, 3))
    assert not rule.in_year_end(dt.date(2027, 1, 4))
    assert not rule.in_year_end(dt.date(2026, 12, 28))


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------


def _one_date(text: str) -> DateFact:
    (date,) = extract_facts(text).dates
    return date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021年3月9日に判明", dt.date(2021, 3, 9)),
        ("2009年07月01日より", dt.date(2009, 7, 1)),
        ("2022年11月30日(水)をもって終了", dt.date(2022, 11, 30)),
        ("2022/11/30 公表", dt.date(2022, 11, 30)),
        ("令和5年2月1日", dt.date(2023, 2, 1)),
        ("令和3年10 月14 日", dt.date(2021, 10, 14)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("令和元年（2019）9月2日", dt.date(2019, 9, 2)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("令和３年１月２５日", dt.date(2021, 1, 25)),
    ],
)
def test_western_and_japanese_era_dates(text: str, expected: dt.date) -> None:
    date = _one_date(text)
    assert (date.date, date.precision, date.year_inferred) == (expected, "day", False)


def test_era_name_is_kept() -> None:
    assert _one_date("平成30年6月1日").era == "平成"
    assert _one_date("2018年6月1日").era is None


def test_weekday_in_parentheses_is_part_of_the_date() -> None:
    assert _one_date("2022年11月30日(水)をもって").raw == "2022年11月30日(水)"


@pytest.mark.parametrize("text", ["9月1日から", "9 月 1 日から", "9/1 から"])
def test_date_without_year_has_no_year(text: str) -> None:
    date = _one_date(text)
    assert (date.year, date.month, date.day, date.date) == (None, 9, 1, None)


def test_date_without_year_takes_the_year_of_an_earlier_date() -> None:
    first, second = extract_facts("令和4年（2022）5月10日と6月2日の2回").dates
    assert first.date == dt.date(2022, 5, 10)
    assert (second.date, second.year_inferred) == (dt.date(2022, 6, 2), True)


def test_a_bare_year_is_not_a_year_anchor() -> None:
    (date,) = extract_facts("2020年の攻撃について、8月1日付のお知らせ").dates
    assert date.year is None


def test_month_precision_dates() -> None:
    month = _one_date("2021年12月の時点で")
    assert (month.precision, month.day, month.first_day, month.last_day) == (
        "month",
        None,
        dt.date(2021, 12, 1),
        dt.date(2021, 12, 31),
    )
    assert _one_date("令和3年10月以降").first_day == dt.date(2021, 10, 1)


def test_invalid_dates_are_dropped() -> None:
    assert extract_facts("2021年2月30日、13月1日").dates == ()


# --------------------------------------------------------------------------------------------
# Date ranges
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2021年1月5日～2021年3月31日の期間に", dt.date(2021, 1, 5), dt.date(2021, 3, 31)),
        ("2008年04月01日~2021年03月31日", dt.date(2008, 4, 1), dt.date(2021, 3, 31)),
        ("令和4年6月1日から令和5年1月9日", dt.date(2022, 6, 1), dt.date(2023, 1, 9)),
        ("令和4年6月1日 から 令和5年1月9日 にわたって", dt.date(2022, 6, 1), dt.date(2023, 1, 9)),
        ("令和4年6 月1 日〜令和5年1 月9 日", dt.date(2022, 6, 1), dt.date(2023, 1, 9)),
        ("2022年12月20日～1月6日", dt.date(2022, 12, 20), dt.date(2023, 1, 6)),
        ("12月20日～2023年1月6日", dt.date(2022, 12, 20), dt.date(2023, 1, 6)),
    ],
)
def test_closed_ranges(text: str, first: dt.date, last: dt.date) -> None:
    (period,) = extract_facts(text).ranges
    assert period.kind == "between"
    assert period.first is not None and period.last is not None
    assert (period.first.date, period.last.date) == (first, last)
    assert period.contains(first) and period.contains(last)
    assert not period.contains(last + dt.timedelta(days=1))


def test_range_raw_includes_its_tail() -> None:
    (period,) = extract_facts("令和4年6月1日から令和5年1月9日にわたって不正アクセス").ranges
    assert period.raw == "令和4年6月1日から令和5年1月9日にわたって"


@pytest.mark.parametrize("text", ["6/30~7/8", "6 月 30 日～7 月 8 日", "6月30日から7月8日"])
def test_yearless_ranges_keep_month_and_day(text: str) -> None:
    (period,) = extract_facts(text).ranges
    assert period.first is not None and period.last is not None
    assert (period.first.month, period.first.day, period.last.month, period.last.day) == (
        6,
        30,
        7,
        8,
    )
    assert period.first.year is None
    assert period.contains(dt.date(2022, 7, 1)) is None


@pytest.mark.parametrize(
    ("text", "kind", "bound"),
    [
        ("2021年4月1日以降に発送", "since", dt.date(2021, 4, 1)),
        ("令和3年10月以降", "since", dt.date(2021, 10, 1)),
        ("2021年4月1日より後のご注文", "after", dt.date(2021, 4, 1)),
        ("2021年4月1日以前のご注文", "until", dt.date(2021, 4, 1)),
        ("2021年4月1日までのご注文", "until", dt.date(2021, 4, 1)),
        ("2021年4月1日より前のご注文", "before", dt.date(2021, 4, 1)),
    ],
)
def test_open_ended_ranges(text: str, kind: str, bound: dt.date) -> None:
    (period,) = extract_facts(text).ranges
    assert period.kind == kind
    edge = period.first if kind in ("since", "after") else period.last
    assert edge is not None and edge.first_day == bound
    inside = kind in ("since", "until")
    assert period.contains(bound) is inside


# --------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "approximate", "maximum"),
    [
        ("3,871件", 3871, "件", False, False),
        ("208,119件の情報", 208119, "件", False, False),
        ("最大で712,004 件", 712004, "件", False, True),
        ("約7割", 7, "割", True, False),
        ("41,250 枚分", 41250, "枚", False, False),
        ("1,000 円分", 1000, "円", False, False),
        ("2名", 2, "名", False, False),
        ("15人", 15, "人", False, False),
        ("約12.5%", 12.5, "%", True, False),
        ("約3万件", 30000, "件", True, False),
        ("全体で812件", 812, "件", False, False),
    ],
)
def test_counts(text: str, value: float, unit: str, approximate: bool, maximum: bool) -> None:
    (count,) = extract_facts(text).counts
    assert (count.value, count.unit) == (value, unit)
    assert (count.approximate, count.maximum) == (approximate, maximum)


def test_count_minimum() -> None:
    (count,) = extract_facts("少なくとも120件以上").counts
    assert count.minimum


def test_numbers_without_units_are_not_counts() -> None:
    assert extract_facts("第144条、5社、6 月末").counts == ()


# --------------------------------------------------------------------------------------------
# Leaked items
# --------------------------------------------------------------------------------------------

_ITEMS_TEXT = (
    "流出したのは氏名、ご住所、性別、生年月日、年齢、メールアドレス、電話番号、携帯電話番号、"
    "銀行口座情報、ログインID、パスワードです。\n"
    "カード決済では「カード名義」「クレジットカード番号」「有効期限」「セキュリティコード」が"
    "漏えいした可能性がございます。\n"
    "なお、マイナンバーは漏えいしておりません。\n"
    "今回の流出情報に口座番号は含まれておりません。\n"
    "カード情報が外部へ流出した事実は確認されておりません。\n"
    "パスワードは漏えいしていますか?\n"
    "ポイントの有効期限は延長します。\n"
)


def test_leaked_items_are_mapped_to_canonical_keys() -> None:
    facts = extract_facts(_ITEMS_TEXT)
    keys = [i.key for i in facts.items]
    for key in (
        "name",
        "gender",
        "birth_date",
        "age",
        "email",
        "phone",
        "bank_account",
        "user_id",
        "password",
        "cardholder_name",
        "card_number",
        "expiry",
        "security_code",
        "my_number",
        "card_info",
    ):
        assert key in keys, key
    assert keys.count("phone") == 2  # 電話番号 and 携帯電話番号 both read as phone
    assert facts.leaked_keys() >= {"name", "address", "card_number", "expiry", "security_code"}


def test_negated_items() -> None:
    facts = extract_facts(_ITEMS_TEXT)
    assert facts.denied_keys() == {"my_number", "bank_account", "card_info"}
    assert "my_number" not in facts.leaked_keys()


def test_a_question_is_neither_asserted_nor_denied() -> None:
    items = extract_facts("パスワードは漏えいしていないですか?").items
    (password,) = items
    assert password.in_question and not password.negated


def test_expiry_of_points_is_not_a_card_item() -> None:
    facts = extract_facts("ポイントの有効期限は延長します。")
    assert facts.items == ()


def test_affirmed_then_denied_items_in_one_sentence() -> None:
    facts = extract_facts("氏名は流出しましたが、マイナンバーは流出しておりません。")
    name, my_number = facts.items
    assert not name.negated and my_number.negated


# --------------------------------------------------------------------------------------------
# Offsets and serialisation
# --------------------------------------------------------------------------------------------

_NOTICE = """≪ハナミズキ堂 お客様窓口≫
受付時間：９：３０～１８：００（土・日・祝日を除く）
電話番号：０１２０‐２３４‐５６７
FAX：03-5555-0199
メール：desk@hanamizuki.example.jp
令和4年（2022）12月1日から令和5年1月15日にわたって、最大で3,210件の「カード番号」が流出しました。
"""


def test_every_fact_keeps_its_published_slice() -> None:
    facts = extract_facts(_NOTICE)
    groups = (facts.phones, facts.mails, facts.hours, facts.days, facts.dates, facts.ranges)
    for fact in (*[f for g in groups for f in g], *facts.counts, *facts.items):
        assert _NOTICE[fact.start : fact.end] == fact.raw
    assert [p.kind for p in facts.phones] == ["freedial", "fax"]


def test_facts_round_trip_through_json() -> None:
    facts = extract_facts(_NOTICE)
    again = Facts.from_dict(json.loads(json.dumps(facts.to_dict(), ensure_ascii=False)))
    assert again == facts
    assert again.hours[0].open == dt.time(9, 30)
    assert again.ranges[0].last is not None and again.ranges[0].last.date == dt.date(2023, 1, 15)


def test_days_rule_from_dict_accepts_weekends_open_alone() -> None:
    rule = DaysRule.from_dict({"weekends_open": False, "holidays_open": False})
    assert not rule.saturday_open and not rule.sunday_open
    assert DaysRule.from_dict(rule.to_dict()) == rule


def test_count_from_dict_ignores_unknown_keys() -> None:
    count = CountFact("3件", 0, 2, 3, "件")
    assert CountFact.from_dict({**count.to_dict(), "extra": 1}) == count


# --------------------------------------------------------------------------------------------
# Item synonyms
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("セキュリティコード", "security_code"),
        ("セキュリティーコード", "security_code"),
        ("CVV", "security_code"),
        ("ｃｖｃ", "security_code"),
        ("裏の3桁", "security_code"),
        ("カード裏面の３桁の数字", "security_code"),
        ("有効期限", "expiry"),
        ("期限", "expiry"),
        ("カード名義", "cardholder_name"),
        ("名義人", "cardholder_name"),
        ("カード番号", "card_number"),
        ("クレジットカード情報", "card_info"),
        ("メアド", "email"),
        ("メールアドレス", "email"),
        ("E-mail", "email"),
        ("PW", "password"),
        ("パスワード", "password"),
        ("ID", "user_id"),
        ("ログインＩＤ", "user_id"),
        ("口座番号", "bank_account"),
        ("個人番号", "my_number"),
        ("マイナンバー", "my_number"),
        ("携帯番号", "phone"),
        ("ご住所", "address"),
        ("お名前", "name"),
        ("生年月日", "birth_date"),
        ("パスワードも", "password"),
    ],
)
def test_canonical_item_maps_synonyms_to_one_key(term: str, key: str) -> None:
    assert canonical_item(term) == key


@pytest.mark.parametrize("term", ["", "天気", "メアドの変更方法", "再発行の手数料", "の"])
def test_canonical_item_is_none_for_what_is_not_one_item(term: str) -> None:
    assert canonical_item(term) is None


def test_every_item_key_publishers_write_has_synonyms_that_reach_it() -> None:
    vocabulary = [key for key, _ in ITEM_VOCABULARY]
    assert {key for key, _ in ITEM_SYNONYMS} == set(vocabulary)
    sample = (
        "カード名義、カード番号、有効期限、セキュリティコード、カード情報、マイナンバー、口座番号、"
    )
    sample += "メールアドレス、電話番号、パスワード、ログインID、生年月日、住所、氏名、性別、年齢"
    for item in extract_facts(sample).items:
        assert canonical_item(item.raw) == item.key, item.raw
    assert {item.key for item in extract_facts(sample).items} == set(vocabulary)


# --------------------------------------------------------------------------------------------
# Span bookkeeping
# --------------------------------------------------------------------------------------------


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=40))
def test_spans_claim_exactly_what_a_scan_of_every_span_would(spans: list[tuple[int, int]]) -> None:
    claimed: list[tuple[int, int]] = []
    taken = Spans()
    for start, length in spans:
        end = start + length
        assert taken.overlaps(start, end) == overlaps(claimed, start, end)
        if not overlaps(claimed, start, end):
            claimed.append((start, end))
            taken.add(start, end)


def test_every_date_of_a_whole_large_incident_is_found() -> None:
    # Scanning the claimed spans made this quadratic (6 s; bisecting: 0.2 s); the claimed-span
    # structure itself is checked against the scan above, and no test asserts a timing.
    text = "".join(f"{m}月{d}日に受付。" for m in range(1, 13) for d in range(1, 29)) * 60
    found = extract_facts(text).dates
    assert len(found) == 12 * 28 * 60


def _fold_by_scanning(text: str) -> str:
    """`fold` as it was first written, one character at a time: the reference."""
    from breachdesk.kb.facts.text import _CONTEXT_DASHES, _FOLD_TABLE

    chars = list(text.translate(_FOLD_TABLE))
    for i in range(1, len(chars) - 1):
        if (
            chars[i] in _CONTEXT_DASHES
            and (chars[i - 1].isdigit() or chars[i - 1] in "時分")
            and (chars[i + 1].isdigit() or chars[i + 1] == "午")
        ):
            chars[i] = "-"
    return "".join(chars)


@given(st.text(alphabet="0１9①²時分午ーｰ—―─－‐~ 。!?\nあア年月日:", max_size=40))
def test_fold_visits_only_the_dashes_and_agrees_with_a_full_scan(text: str) -> None:
    assert fold(text) == _fold_by_scanning(text)


def test_fold_of_a_whole_incident_s_text_agrees_across_its_pieces() -> None:
    text = "受付１０時ー１７時、０１２０ー１２３ー４５６（ｾﾝﾀｰ）ー" * 5000  # pieces of 16,384
    assert len(text) > 100_000
    assert fold(text) == _fold_by_scanning(text)


def test_records_convert_to_the_same_dicts_as_dataclasses_asdict() -> None:
    facts = extract_facts(
        "2024年4月1日～5月31日に、氏名・クレジットカード番号（5,000件）が漏えいしました。"
        "窓口 0120-234-567（9:00～17:00）info@example.jp"
    )
    records = [*facts.dates, *facts.items, *facts.counts, *facts.phones, *facts.mails]
    assert {type(r).__name__ for r in records} >= {"DateFact", "ItemFact", "CountFact"}
    for record in records:
        assert record.to_dict() == dataclasses.asdict(record)
        assert type(record).from_dict(record.to_dict()) == record


@given(st.text(alphabet="氏名。!?\nあ", min_size=1, max_size=40), st.data())
def test_sentence_bounds_look_back_no_further_than_the_line(text: str, data: st.DataObject) -> None:
    from breachdesk.kb.facts.items import _sentence_bounds
    from breachdesk.kb.facts.text import SENTENCE_END

    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start, len(text)))
    before = max(text.rfind(c, 0, start) for c in "。!?\n")
    after = SENTENCE_END.search(text, end)
    assert _sentence_bounds(text, start, end) == (before + 1, after.end() if after else len(text))
