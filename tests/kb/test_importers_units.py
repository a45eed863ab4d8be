"""Answerable units: how the text under a notice's heading is cut (`importers/units.py`).

One test per rule of the module's docstring, each on a few lines of a fictional shop's notice
read as `breachdesk import` reads it.
"""

from __future__ import annotations

from breachdesk.kb.importers import parse_document
from breachdesk.kb.importers.units import LIST_MAX_CHARS, LONG_PARAGRAPH_CHARS, split_units
from breachdesk.kb.parsed import ParsedEntry


def entries(text: str) -> list[ParsedEntry]:
    return parse_document("notice.txt", text.encode()).entries


def answers(text: str) -> list[str]:
    """The answers of a notice, notes included, in order."""
    return [entry.answer for entry in entries(text)]


# --- paragraphs -----------------------------------------------------------------------------


def test_a_line_that_ends_a_sentence_ends_its_paragraph() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n1. 経緯\n"
        "5月10日、当店のサーバーで不審な通信を検知しました。\n"
        "5月12日、外部の調査会社に調査を依頼しました。\n"
    )
    assert answers(text) == [
        "5月10日、当店のサーバーで不審な通信を検知しました。",
        "5月12日、外部の調査会社に調査を依頼しました。",
    ]


def test_lines_broken_mid_sentence_stay_one_paragraph() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n1. 経緯\n"
        "5月10日、当店のサーバーで不審な通信を検\n知し、直ちにサイトを停止しました。\n\n"
        "2. お問い合わせ\nミドリ雑貨 お客様窓口\n電話:0120-000-555\n受付時間:10時~17時\n"
    )
    assert answers(text) == [
        "5月10日、当店のサーバーで不審な通信を検\n知し、直ちにサイトを停止しました。",
        "ミドリ雑貨 お客様窓口\n電話:0120-000-555\n受付時間:10時~17時",
    ]


def test_a_lone_date_line_stands_apart_but_a_letterhead_stays_together() -> None:
    stamped = (
        "ミドリ雑貨からのお知らせ\n2026年5月20日\nこのたび、会員情報の漏えいが判明しました。\n"
    )
    assert [(e.kind, e.answer) for e in entries(stamped)] == [
        ("note", "2026年5月20日"),
        ("passage", "このたび、会員情報の漏えいが判明しました。"),
    ]
    letterhead = stamped.replace("\nこのたび", "\nミドリ雑貨株式会社\n\nこのたび")
    assert answers(letterhead)[0] == "2026年5月20日\nミドリ雑貨株式会社"


# --- what points back or ahead ------------------------------------------------------------


def test_a_paragraph_pointing_back_joins_the_one_before() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n1. 対象\n"
        "5月に当店でご注文のお客様が対象です。\n"
        "こちらのお客様には個別にメールでご連絡いたします。\n"
        "なお、店頭でのお買い物は対象ではありません。\n"
    )
    assert answers(text) == [
        "5月に当店でご注文のお客様が対象です。\nこちらのお客様には個別にメールでご連絡いたします。",
        "なお、店頭でのお買い物は対象ではありません。",
    ]


def test_what_a_paragraph_points_ahead_to_joins_it() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n1. 調査の詳細\n"
        "調査の詳細は下記のページをご覧ください。\nhttps://shop.example.jp/news/0520\n"
    )
    assert answers(text) == [
        "調査の詳細は下記のページをご覧ください。\nhttps://shop.example.jp/news/0520"
    ]


def test_a_paragraph_too_short_to_answer_joins_the_one_before() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n1. 経緯\n"
        "会員情報が漏えいした可能性があることが判明しました。\n深くお詫び申し上げます。\n"
    )
    assert len(answers(text)) == 1


# --- lists ----------------------------------------------------------------------------------


LEAD_IN = "漏えいした可能性のある情報は以下のとおりです。"


def test_a_list_stays_with_its_lead_in() -> None:
    text = f"ミドリ雑貨からのお知らせ\n\n2. 漏えいした情報\n{LEAD_IN}\n・氏名\n・住所\n・電話番号\n"
    assert answers(text) == [f"{LEAD_IN}\n・氏名\n・住所\n・電話番号"]


def test_a_lead_in_one_blank_line_above_its_list_must_point_ahead() -> None:
    pointing = f"ミドリ雑貨からのお知らせ\n\n2. 漏えいした情報\n{LEAD_IN}\n\n・氏名\n・住所\n"
    assert answers(pointing) == [f"{LEAD_IN}\n\n・氏名\n・住所"]
    telling = pointing.replace(LEAD_IN, "5月12日にサイトを停止しました。")
    assert answers(telling) == ["5月12日にサイトを停止しました。", "・氏名\n・住所"]


def test_a_desk_name_labels_the_list_of_its_fields() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n3. お問い合わせ\nミドリ雑貨 お客様窓口\n\n"
        "- 電話:0120-000-555\n- 受付時間:10時~17時\n"
    )
    assert answers(text) == ["ミドリ雑貨 お客様窓口\n\n- 電話:0120-000-555\n- 受付時間:10時~17時"]


def test_a_remark_below_a_list_stays_with_it_and_other_text_does_not() -> None:
    listed = f"ミドリ雑貨からのお知らせ\n\n2. 漏えいした情報\n{LEAD_IN}\n・氏名\n・住所\n"
    remark = listed + "なお、クレジットカード情報は含まれておりません。\n"
    assert answers(remark) == [
        f"{LEAD_IN}\n・氏名\n・住所\nなお、クレジットカード情報は含まれておりません。"
    ]
    other = listed + "今後はサーバーの監視を強化いたします。\n"
    assert answers(other) == [
        f"{LEAD_IN}\n・氏名\n・住所",
        "今後はサーバーの監視を強化いたします。",
    ]


def _sentence_item(topic: str) -> str:
    return (
        f"・{topic}について、当店では外部の専門家の助言を受けながら確認を進めており、"
        "結果が分かり次第、当店のウェブサイトとメールマガジンで速やかにお知らせいたします。"
        "お問い合わせの多い内容は、よくあるご質問のページにも順次掲載してまいります。"
        "ご不便をおかけしますが、ご理解のほどよろしくお願いいたします。"
    )


def test_a_long_list_of_sentences_gives_one_unit_per_item_the_lead_in_opening_the_first() -> None:
    items = [_sentence_item(topic) for topic in ("ポイントの扱い", "定期便の配送", "返品の受付")]
    lead = "今後の対応は次のとおりです。"
    assert len(lead) + sum(len(item) for item in items) > LIST_MAX_CHARS
    text = "ミドリ雑貨からのお知らせ\n\n4. 今後の対応\n" + "\n".join([lead, *items]) + "\n"
    assert answers(text) == [f"{lead}\n{items[0]}", items[1], items[2]]


def test_a_long_list_of_words_stays_whole() -> None:
    words = [f"・項目{number:02d}(会員ページの登録内容)" for number in range(24)]
    assert sum(len(word) for word in words) > LIST_MAX_CHARS
    text = f"ミドリ雑貨からのお知らせ\n\n2. 漏えいした情報\n{LEAD_IN}\n" + "\n".join(words) + "\n"
    assert answers(text) == [LEAD_IN + "\n" + "\n".join(words)]


def test_a_line_between_two_items_of_sentences_continues_the_first() -> None:
    first, second, third = (
        _sentence_item(topic) for topic in ("ご利用明細の確認", "カードの再発行", "パスワード")
    )
    between = "身に覚えのない請求があった場合は、カードの裏面に記載のカード会社へご連絡ください。"
    lines = [first, between, second, third]
    text = "ミドリ雑貨からのお知らせ\n\n3. お願い\n" + "\n".join(lines) + "\n"
    assert answers(text) == [f"{first}\n{between}", second, third]


def test_an_indented_line_continues_the_item_above() -> None:
    text = (
        "ミドリ雑貨からのお知らせ\n\n4. 窓口\n・受付時間:9時~21時\n・電話番号:0120-000-555\n"
        "・案内内容:経緯の説明\n        お願い事項の説明\n"
    )
    (answer,) = answers(text)
    assert answer.endswith("お願い事項の説明")


# --- long paragraphs ------------------------------------------------------------------------


FIRST = (
    "5月10日の深夜、当店の通販サイトのサーバーで外部からの不審な通信が検知され、当番の担当者が"
    "直ちにサイトを停止して通信を遮断するとともに、保守を委託している会社へ連絡しました。"
)
BACK = "その際、サーバーに保存されていた記録を保全し、外部の調査会社へ調査を依頼しております。"
THIRD = (
    "調査の結果、会員登録の際に入力された氏名、住所、電話番号およびメールアドレスが外部に"
    "送信されていたことが、5月18日に判明いたしました。対象は最大で4,210名です。"
)
FOURTH = (
    "クレジットカード情報は決済代行会社が管理しており、当店のサーバーには保存されていないため、"
    "今回の不正アクセスによる漏えいはございません。ご安心くださいますようお願いいたします。"
)


def test_a_long_paragraph_splits_between_sentences_but_keeps_back_references_and_asides() -> None:
    line = FIRST + BACK + THIRD + FOURTH
    assert len(line) > LONG_PARAGRAPH_CHARS
    found = entries(f"ミドリ雑貨からのお知らせ\n\n1. 経緯\n{line}\n")
    assert [entry.answer for entry in found] == [FIRST + BACK, THIRD, FOURTH]
    assert all((entry.line_start, entry.line_end) == (4, 4) for entry in found)


def test_a_remark_in_brackets_after_a_sentence_stays_with_it() -> None:
    sent = "電子商品券500円分をメールでお送りしました。(6月30日~7月8日)"
    line = FIRST + sent + THIRD + FOURTH + FIRST
    cut = [line[unit.first_col : unit.last_col] for unit in split_units([line], 0, 1)]
    assert len(cut) > 1
    assert "".join(cut) == line
    assert not any(part.startswith("(") for part in cut)
    assert any("お送りしました。(6月30日~7月8日)" in part for part in cut)
