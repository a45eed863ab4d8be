"""What frames a notice's body (`importers/letterhead.py`) and the heading markers it uses
(`importers/headings.py`): one test per rule, on small notices of a fictional shop."""

from __future__ import annotations

import pytest

from breachdesk.kb.importers import parse_document
from breachdesk.kb.importers.headings import parse_heading
from breachdesk.kb.parsed import ParsedDocument

BODY = "このたび、当店の通販サイトで会員情報が漏えいした可能性があることが判明しました。"


def read(text: str) -> ParsedDocument:
    return parse_document("notice.txt", text.encode())


def kinds_and_answers(text: str) -> list[tuple[str, str]]:
    return [(entry.kind, entry.answer) for entry in read(text).entries]


# --- the title ------------------------------------------------------------------------------


def test_the_title_is_the_line_naming_the_notice_after_a_letterhead() -> None:
    text = (
        "2026年5月20日\nお客様各位\n株式会社ミドリ雑貨\n代表取締役 緑川一郎\n\n"
        f"不正アクセスによる会員情報漏えいに関するお知らせ\n\n{BODY}\n"
    )
    document = read(text)
    assert document.title == "不正アクセスによる会員情報漏えいに関するお知らせ"
    assert [(e.kind, e.question) for e in document.entries] == [
        ("note", document.title),  # the letterhead above it
        ("passage", document.title),
    ]


def test_a_letterhead_above_the_title_that_gives_a_phone_answers_whom_to_call() -> None:
    text = (
        "2026年5月20日\nお客様各位\n\n株式会社ミドリ雑貨\n代表取締役 緑川一郎\n"
        f"(問合せ先)総務部 TEL 03-0000-5555\n\n不正アクセスに関するお知らせ\n\n{BODY}\n"
    )
    assert [(kind, answer.split("\n")[0]) for kind, answer in kinds_and_answers(text)] == [
        ("note", "2026年5月20日"),
        ("passage", "株式会社ミドリ雑貨"),
        ("passage", BODY),
    ]


def test_a_title_broken_over_two_lines_is_joined() -> None:
    text = (
        "当店が運営する「ミドリ雑貨オンライン」への不正アクセスによる\n"
        f"会員情報漏えいに関するお詫びとお知らせ\n\n{BODY}\n"
    )
    assert read(text).title == (
        "当店が運営する「ミドリ雑貨オンライン」への不正アクセスによる"
        "会員情報漏えいに関するお詫びとお知らせ"
    )


def test_a_title_the_page_width_broke_before_a_short_tail_is_joined() -> None:
    text = (
        f"会員情報を記録した業務用パソコンの紛失による個人情報漏えいの可能\n性について\n\n{BODY}\n"
    )
    assert (
        read(text).title
        == "会員情報を記録した業務用パソコンの紛失による個人情報漏えいの可能性について"
    )


def test_a_bracketed_mark_may_open_the_title_and_a_rule_line_is_skipped() -> None:
    text = f"━━━━━━━━━━\n【重要】不正アクセスに関するお知らせ\n━━━━━━━━━━\n\n{BODY}\n"
    assert read(text).title == "【重要】不正アクセスに関するお知らせ"


def test_a_numbered_line_is_never_the_title() -> None:
    assert read(f"1. 概要について\n{BODY}\n").title is None


# --- closing marks, rules and notes ---------------------------------------------------------


def test_closing_marks_and_rule_lines_are_dropped() -> None:
    text = (
        f"会員情報漏えいのお知らせ\n\n{BODY}\n\n記\n\n1. 対象\n5月にご注文のお客様\n\n"
        "敬具\n\n━━━━━━━━━━\n\n以　上\n"
    )
    answers = [answer for _, answer in kinds_and_answers(text)]
    assert answers == [BODY, "5月にご注文のお客様"]


def test_a_letterhead_under_the_title_is_a_note() -> None:
    text = f"会員情報漏えいのお知らせ\n\n2026年5月20日\nお客様各位\n株式会社ミドリ雑貨\n\n{BODY}\n"
    assert kinds_and_answers(text) == [
        ("note", "2026年5月20日\nお客様各位\n株式会社ミドリ雑貨"),
        ("passage", BODY),
    ]


def test_a_lone_date_is_a_note_outside_a_heading_and_the_answer_under_one() -> None:
    text = f"会員情報漏えいのお知らせ\n\n{BODY}\n\n2026年5月21日更新\n\n1. 発生日\n2026年5月10日\n"
    assert kinds_and_answers(text) == [
        ("passage", BODY),
        ("note", "2026年5月21日更新"),
        ("passage", "2026年5月10日"),
    ]


@pytest.mark.parametrize(
    "greeting",
    [
        "拝啓　平素はミドリ雑貨をご利用いただき、誠にありがとうございます。",
        "いつもミドリ雑貨をご利用いただき、誠にありがとうございます。",
    ],
)
def test_a_greeting_is_a_note(greeting: str) -> None:
    text = f"会員情報漏えいのお知らせ\n\n{greeting}\n\n{BODY}\n"
    assert kinds_and_answers(text) == [("note", greeting), ("passage", BODY)]


def test_an_addressee_line_opening_the_notice_is_a_note() -> None:
    addressee = "会員の皆さま、お取引先の皆さまへ"
    text = f"会員情報漏えいのお知らせ\n\n{addressee}\n\n{BODY}\n"
    assert kinds_and_answers(text) == [("note", addressee), ("passage", BODY)]


def test_a_letterhead_run_into_the_first_sentence_is_read_apart() -> None:
    text = f"会員情報漏えいのお知らせ\n2026年(令和8年)5月20日\nミドリ雑貨 店主 緑川一郎\n{BODY}\n"
    assert kinds_and_answers(text) == [
        ("note", "2026年(令和8年)5月20日\nミドリ雑貨 店主 緑川一郎"),
        ("passage", BODY),
    ]


def test_a_sentence_announcing_the_report_below_is_a_note() -> None:
    announce = "本件の概要につきまして、下記のとおりご報告いたします。"
    text = f"会員情報漏えいのお知らせ\n\n{BODY}\n\n{announce}\n\n1. 対象\n5月にご注文のお客様\n"
    assert ("note", announce) in kinds_and_answers(text)


@pytest.mark.parametrize(
    "courtesy",
    [
        "今後とも変わらぬご愛顧を賜りますよう、よろしくお願い申し上げます。",
        "会員の皆様には大変ご心配をおかけし、誠に申し訳ございません。",
    ],
)
def test_courtesies_and_the_signature_that_end_the_notice_are_notes(courtesy: str) -> None:
    text = (
        f"会員情報漏えいのお知らせ\n\n{BODY}\n\n1. お問い合わせ\nお客様窓口 0120-000-555\n\n"
        f"{courtesy}\n\n敬具\n\n━━━━━━━━━━\n株式会社ミドリ雑貨\nhttps://shop.example.jp/\n"
    )
    assert kinds_and_answers(text)[-3:] == [
        ("passage", "お客様窓口 0120-000-555"),
        ("note", courtesy),
        ("note", "株式会社ミドリ雑貨\nhttps://shop.example.jp/"),
    ]


def test_a_courtesy_before_the_end_stays_a_passage() -> None:
    apology = "会員の皆様に多大なご迷惑をおかけしますことを、深くお詫び申し上げます。"
    text = f"会員情報漏えいのお知らせ\n\n{apology}\n\n{BODY}\n"
    assert kinds_and_answers(text)[0] == ("passage", apology)


def test_after_ijo_a_short_line_heads_nothing() -> None:
    text = (
        f"会員情報漏えいのお知らせ\n\n{BODY}\n\n以上\n\n株式会社ミドリ雑貨\n代表取締役 緑川一郎\n"
    )
    document = read(text)
    assert [(e.kind, e.section) for e in document.entries] == [("passage", ()), ("note", ())]


def test_a_desk_name_above_its_phone_line_is_no_heading() -> None:
    text = f"会員情報漏えいのお知らせ\n\n{BODY}\n\nミドリ雑貨 お客様窓口\n電話:0120-000-555\n"
    document = read(text)
    assert document.entries[-1].answer == "ミドリ雑貨 お客様窓口\n電話:0120-000-555"
    assert document.entries[-1].section == ()


def test_a_plain_heading_after_a_sentence_needs_a_sentence_below() -> None:
    heading = (
        f"会員情報漏えいのお知らせ\n\n{BODY}\n今後の対応\n外部の専門家と再発防止策を講じます。\n"
    )
    assert read(heading).entries[-1].section == ("今後の対応",)
    listed = f"会員情報漏えいのお知らせ\n\n{BODY}\n氏名\n住所\n"
    assert [e.section for e in read(listed).entries] == [(), ()]


# --- heading markers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("1. 経緯", "number"),
        ("２．個人情報漏えい状況", "number"),
        ("3) 対象となる方", "half_paren"),
        ("（１）原因", "paren"),
        ("① 会員情報データベース", "circled"),
        ("第2 市の対応", "chapter"),
        ("Ⅲ　原因", "roman"),
        ("■発生した事象", "mark■"),
        ("●氏名", "mark●"),
        ("◆今後の対策", "mark◆"),
        ("【概要】", "bracket"),
        ("＜漏えいのおそれがある情報＞", "bracket"),
        ("《端末の状態》", "bracket"),
        ("[当組合の対応]", "bracket"),
        ("【対象】火曜日コースの組合員 238名", "label"),
        ("**1. 経緯**", "number"),
    ],
)
def test_every_marker_of_a_heading_is_read(line: str, kind: str) -> None:
    heading = parse_heading(line)
    assert heading is not None and heading.kind == kind


@pytest.mark.parametrize("line", ["1 件の問い合わせ", "10 月 8 日に判明", "2.5%の会員", "氏名"])
def test_counts_dates_and_words_are_no_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_dots_under_a_square_heading_are_its_items_not_its_siblings() -> None:
    text = (
        "会員情報漏えいのお知らせ\n\n■当店の対応\n●5月10日、サイトを停止しました。\n"
        "●5月12日、調査を依頼しました。\n\n■お願い\n不審なメールにご注意ください。\n"
    )
    sections = [entry.section for entry in read(text).entries]
    assert sections == [
        ("■当店の対応", "●5月10日、サイトを停止しました。"),
        ("■当店の対応", "●5月12日、調査を依頼しました。"),
        ("■お願い",),
    ]


def test_brackets_of_every_shape_mark_one_level() -> None:
    text = (
        "会員情報漏えいのお知らせ\n\n＜概要＞\n5月10日に判明しました。\n\n"
        "《端末の状態》\n画面ロックを設定しています。\n\n[当店の対応]\n警察に届け出ました。\n"
    )
    assert [entry.section for entry in read(text).entries] == [
        ("＜概要＞",),
        ("《端末の状態》",),
        ("[当店の対応]",),
    ]


def test_a_labelled_line_is_a_passage_filed_under_its_label() -> None:
    text = (
        "会員情報漏えいのお知らせ\n\n＜漏えいのおそれがある情報＞\n"
        "【対象】火曜日コースの組合員 238名\n【項目】氏名、住所、電話番号\n"
    )
    assert [(e.question, e.answer) for e in read(text).entries] == [
        ("＜漏えいのおそれがある情報＞ > 【対象】", "【対象】火曜日コースの組合員 238名"),
        ("＜漏えいのおそれがある情報＞ > 【項目】", "【項目】氏名、住所、電話番号"),
    ]


def test_a_run_of_dot_items_followed_by_text_is_a_list() -> None:
    text = (
        "会員情報漏えいのお知らせ\n\n■閲覧された可能性のある情報\n●氏名\n●メールアドレス\n"
        "クレジットカード番号は表示されない仕組みのため、閲覧されておりません。\n"
    )
    document = read(text)
    assert {entry.section for entry in document.entries} == {("■閲覧された可能性のある情報",)}
    assert document.entries[0].answer == "●氏名\n●メールアドレス"
