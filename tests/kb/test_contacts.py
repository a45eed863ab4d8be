"""Contact desks of a fictional incident (株式会社ハナミズキ堂), and whether they are open."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from breachdesk.kb.contacts import JST, Contact, find_contacts
from breachdesk.kb.facts import DaysRule, Facts
from breachdesk.kb.parsed import ParsedEntry

_FAQ = [
    ParsedEntry(
        "qa",
        "自分が対象か知りたい",
        "お手数ですが、カスタマーセンター 0120‐234‐567(9:30~18:00 土日祝除く)までお問い合わせください。",
        section=("ご確認",),
    ),
    ParsedEntry(
        "qa",
        "カードの再発行をしたい",
        "カード裏面のカード会社へご連絡ください。\nご不明点はカスタマーセンター 0120-234-567 へ。",
        section=("カード",),
    ),
    ParsedEntry(
        "qa",
        "不審な電話があった",
        "消費者ホットライン 局番なし 188番 にご相談ください。",
        section=("ご注意",),
    ),
    ParsedEntry(
        "contact",
        "お問い合わせ先",
        "≪ハナミズキ堂 お客様相談窓口≫\n"
        "・受付時間：9:30～18:00（土日祝日・年末年始を除く）\n"
        "・電話番号：フリーダイヤル 0120-234-567\n"
        "・メールアドレス：desk@hanamizuki.example.jp",
    ),
    ParsedEntry(
        "contact",
        "報道関係の方のお問い合わせ先",
        "株式会社ハナミズキ堂 広報室\n電話番号：03-5555-0101\nFAX：03-5555-0102\n"
        "メールアドレス：press@hanamizuki.example.jp",
    ),
    ParsedEntry(
        "contact",
        "カード会社ヘルプデスク",
        "≪決済代行 お客様電話窓口≫\n・受付時間: 8:30 ~ 20:00(土日祝日も受付)\n"
        "・電話番号: 0120-987654(フリーダイヤル)",
    ),
]


def _desks() -> list[Contact]:
    return find_contacts(_FAQ)


def test_most_cited_desk_comes_first_with_its_block_details() -> None:
    desk = _desks()[0]
    assert desk.phone == "0120-234-567"
    assert desk.phone_kind == "freedial"
    assert desk.label == "ハナミズキ堂 お客様相談窓口"
    assert desk.mail == "desk@hanamizuki.example.jp"
    assert (desk.open_time, desk.close_time) == (dt.time(9, 30), dt.time(18, 0))
    assert desk.hours_text == "9:30～18:00（土日祝日・年末年始を除く）"
    assert not desk.days.weekends_open and not desk.days.holidays_open
    assert desk.days.year_end_closed
    assert desk.source_entry == 3


def test_desks_cited_once_follow_and_fax_press_and_hotline_are_left_out() -> None:
    phones = [d.phone for d in _desks()]
    assert phones == ["0120-234-567", "0120-987654"]
    second = _desks()[1]
    assert second.label == "決済代行 お客様電話窓口"
    assert second.days.weekends_open and second.days.holidays_open
    assert second.hours_text == "8:30 ~ 20:00(土日祝日も受付)"
    assert second.mail is None


def test_press_line_is_returned_when_it_is_the_only_desk() -> None:
    (desk,) = find_contacts([_FAQ[4]])
    assert desk.phone == "03-5555-0101"
    assert desk.label == "株式会社ハナミズキ堂 広報室"
    assert desk.mail == "press@hanamizuki.example.jp"


def test_hotline_is_returned_only_when_nothing_else_is_published() -> None:
    (desk,) = find_contacts([_FAQ[2]])
    assert (desk.phone, desk.phone_kind, desk.label) == ("188", "short", "消費者ホットライン")
    assert desk.is_open(dt.datetime(2026, 11, 4, 10, 0)) is None


def test_fax_alone_is_no_desk() -> None:
    assert find_contacts([ParsedEntry("note", "", "FAX:03-5555-0102")]) == []


def test_label_from_desk_name_on_the_same_line_then_section() -> None:
    (named,) = find_contacts(
        [ParsedEntry("qa", "ポイント", "ハナミズキ堂ポイント係（0120-345-678）まで。")]
    )
    assert named.label == "ハナミズキ堂ポイント係"
    (bare,) = find_contacts(
        [ParsedEntry("qa", "電話番号は?", "0120-345-678 です。", section=("窓口",))]
    )
    assert bare.label == "窓口"


def test_mail_a_few_lines_below_belongs_to_the_desk() -> None:
    answer = (
        "フリーダイヤル【0120-456-789、9:00~19:00】へお電話ください。\n"
        "お名前からお調べします。\n\n"
        "お電話が難しい場合はメール(shop@hanamizuki.example.jp)でも承ります。"
    )
    (desk,) = find_contacts([ParsedEntry("qa", "対象者か確認したい", answer)])
    assert desk.label == "フリーダイヤル"
    assert desk.mail == "shop@hanamizuki.example.jp"
    assert desk.hours_text == "9:00~19:00"
    assert desk.days == DaysRule()


def test_ties_go_to_the_desk_in_a_contact_entry() -> None:
    entries = [
        ParsedEntry("qa", "Q", "窓口A 0120-111-111"),
        ParsedEntry("contact", "窓口", "窓口B 0120-222-222"),
    ]
    assert [d.phone for d in find_contacts(entries)] == ["0120-222-222", "0120-111-111"]


def test_contact_round_trips_through_json() -> None:
    for desk in _desks():
        again = Contact.from_dict(json.loads(json.dumps(desk.to_dict(), ensure_ascii=False)))
        assert again == desk


# --------------------------------------------------------------------------------------------
# is_open
# --------------------------------------------------------------------------------------------

_WEEKDAYS_DESK = Contact(
    label="お客様相談窓口",
    phone="0120-234-567",
    phone_kind="freedial",
    open_time=dt.time(9, 30),
    close_time=dt.time(18, 0),
    days=DaysRule(
        raw="土日祝日・年末年始を除く",
        saturday_open=False,
        sunday_open=False,
        holidays_open=False,
        year_end_closed=True,
    ),
)
_EVERY_DAY_DESK = Contact(
    label="決済代行 窓口",
    phone="0120-987654",
    phone_kind="freedial",
    open_time=dt.time(9, 0),
    close_time=dt.time(21, 0),
    days=DaysRule(raw="土日祝日も受付"),
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (dt.datetime(2026, 11, 4, 10, 0), True),  # Wednesday
        (dt.datetime(2026, 11, 4, 9, 29), False),  # before opening
        (dt.datetime(2026, 11, 4, 18, 0), False),  # closing time itself
        (dt.datetime(2026, 11, 7, 11, 0), False),  # Saturday
        (dt.datetime(2026, 11, 8, 11, 0), False),  # Sunday
        (dt.datetime(2026, 11, 3, 11, 0), False),  # 文化の日 (Tuesday)
        (dt.datetime(2026, 11, 23, 11, 0), False),  # 勤労感謝の日 (Monday)
        (dt.datetime(2026, 12, 28, 11, 0), True),  # Monday before the year end
        (dt.datetime(2026, 12, 31, 11, 0), False),  # 年末年始 (Thursday)
        (dt.datetime(2027, 1, 4, 11, 0), True),  # Monday after the year end
    ],
)
def test_weekday_desk_is_open(at: dt.datetime, expected: bool) -> None:
    assert _WEEKDAYS_DESK.is_open(at) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (dt.datetime(2026, 11, 3, 20, 0), True),  # 文化の日
        (dt.datetime(2026, 11, 7, 9, 0), True),  # Saturday
        (dt.datetime(2026, 12, 31, 12, 0), True),  # no year-end closure published
        (dt.datetime(2026, 11, 3, 21, 30), False),
    ],
)
def test_every_day_desk_is_open_on_holidays(at: dt.datetime, expected: bool) -> None:
    assert _EVERY_DAY_DESK.is_open(at) is expected


def test_aware_datetimes_are_converted_to_jst() -> None:
    utc_morning = dt.datetime(2026, 11, 4, 1, 0, tzinfo=dt.UTC)  # 10:00 JST, Wednesday
    assert _WEEKDAYS_DESK.is_open(utc_morning) is True
    assert _WEEKDAYS_DESK.is_open(utc_morning.astimezone(JST)) is True
    utc_evening = dt.datetime(2026, 11, 6, 16, 0, tzinfo=dt.UTC)  # Saturday 01:00 JST
    assert _EVERY_DAY_DESK.is_open(utc_evening) is False


def test_unknown_hours_give_none() -> None:
    desk = Contact(label="窓口", phone="0120-234-567", phone_kind="freedial")
    assert desk.is_open(dt.datetime(2026, 11, 4, 10, 0)) is None


def test_overnight_desk() -> None:
    desk = Contact(
        label="夜間窓口",
        phone="0120-234-567",
        phone_kind="freedial",
        open_time=dt.time(20, 0),
        close_time=dt.time(2, 0),
    )
    assert desk.is_open(dt.datetime(2026, 11, 4, 23, 0)) is True
    assert desk.is_open(dt.datetime(2026, 11, 5, 1, 0)) is True
    assert desk.is_open(dt.datetime(2026, 11, 5, 12, 0)) is False


def test_days_rule_from_another_citation_is_shown_with_the_hours() -> None:
    entries = [
        ParsedEntry("qa", "Q1", "サポートデスク 0120-111-333(10:00~17:00)へ。"),
        ParsedEntry("note", "", "※サポートデスク 0120-111-333 は年末年始休業です。"),
    ]
    (desk,) = find_contacts(entries)
    assert desk.hours_text == "10:00~17:00 年末年始休業"
    assert desk.days.year_end_closed and desk.days.weekends_open
    assert desk.label == "サポートデスク"


def test_desks_of_other_bodies_are_left_out_when_the_organisation_states_its_own() -> None:
    own = ParsedEntry(
        "passage", "本件に関するお問い合わせ", "さくら市 市民課\n電話:0857-20-0001(平日8:30~17:15)"
    )
    scam = ParsedEntry(
        "passage",
        "不審な電話に関するご相談",
        "さくら市消費生活センター 0857-20-0188(平日9:00~16:00)\n"
        "警察相談専用電話 0857-20-9110\n消費者ホットライン 188(局番なし)",
    )
    assert [d.phone for d in find_contacts([scam, own])] == ["0857-20-0001"]
    assert [d.phone for d in find_contacts([scam])] == ["0857-20-0188", "0857-20-9110"]


def test_only_entries_that_cite_a_desk_phone_are_read_for_hours_and_mail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every approval re-reads all of an incident's entries for its desks: reading every finder
    # of every entry of a 5,000-entry FAQ took a second; most entries cite no phone at all.
    from breachdesk.kb import contacts

    read: list[str] = []
    real = contacts.extract_facts

    def counted(text: str) -> Facts:
        read.append(text)
        return real(text)

    monkeypatch.setattr(contacts, "extract_facts", counted)
    plain = [ParsedEntry("qa", f"質問{i}", f"回答{i}です。FAX 03-1234-5678") for i in range(50)]
    found = find_contacts([*plain, *_FAQ])
    assert found[0].phone == "0120-234-567"
    assert read and not [t for t in read if t.startswith("質問")]
