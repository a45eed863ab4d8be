"""The scope check without identity (`kb.scope`): a purchase placed against the published text.

Every text here is fictional and written for the test; each is read through the package's own
fact extraction (`extract_facts`), as an import would.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from breachdesk.kb.facts import extract_facts
from breachdesk.kb.scope import (
    PublishedScope,
    check_scope,
    japanese_date,
    period_text,
    read_scope,
    sentences,
)
from breachdesk.kb.service import EntryView

_ids = itertools.count()


def entry(answer: str, question: str = "", *, kind: str = "qa", section: str = "") -> EntryView:
    """An entry as the knowledge base serves it, its facts extracted by the package."""
    n = next(_ids)
    return EntryView(
        id=f"t-{n}",
        incident="t",
        kind=kind,
        section=section,
        question=question,
        answer=answer,
        version=1,
        position=n,
        file_name="t.txt",
        line_start=1,
        line_end=1,
        facts=extract_facts(question + "\n" + answer).to_dict(),
    )


def verdict(scope: PublishedScope, day: str, channel: str = "web", payment: str = "card") -> str:
    return check_scope(
        scope, day=dt.date.fromisoformat(day), channel=channel, payment=payment
    ).verdict


WEB_SHOP = entry(
    "2023年3月1日～2023年9月30日に当店ウェブサイトでクレジットカード決済をされたお客様が対象です。\n"
    "なお、2023年10月20日以降に対象の方へご案内をお送りしています。",
    "対象となる期間を教えてください。",
)
ITEMS = entry(
    "カード名義人名、カード番号、有効期限、セキュリティコードの4項目が流出した可能性がございます。",
    "流出した情報は何ですか。",
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2023-05-05", "inside"),
        ("2023-03-01", "inside"),  # both bounds are inside
        ("2023-09-30", "inside"),
        ("2023-02-28", "outside"),
        ("2023-10-01", "outside"),
        ("2023-11-01", "outside"),  # the notices sent from 10/20 are no period
    ],
)
def test_a_web_card_purchase_is_placed_against_the_published_period(
    day: str, expected: str
) -> None:
    assert verdict(read_scope([WEB_SHOP, ITEMS]), day) == expected


def test_a_period_in_japanese_era_dates_is_read_as_gregorian() -> None:
    scope = read_scope(
        [
            entry(
                "令和3年5月6日から令和4年1月25日に当社サイトで利用されたクレジットカード決済の"
                "情報が流出した可能性がございます。",
                kind="passage",
            )
        ]
    )
    assert verdict(scope, "2021-05-06") == "inside"
    assert verdict(scope, "2022-01-25") == "inside"
    assert verdict(scope, "2022-01-26") == "outside"
    assert verdict(scope, "2021-05-05") == "outside"


@pytest.mark.parametrize(
    ("sentence", "inside", "outside"),
    [
        ("2023年4月1日以降に当サイトでご購入のお客様が対象です。", "2031-01-01", "2023-03-31"),
        ("2023年4月1日より後に当サイトでご購入のお客様が対象です。", "2023-04-02", "2023-04-01"),
        ("2023年4月1日までに当サイトでご購入のお客様が対象です。", "2023-04-01", "2023-04-02"),
        ("2023年4月1日より前に当サイトでご購入のお客様が対象です。", "2023-03-31", "2023-04-01"),
        ("2023年4月以降に当サイトでご購入のお客様が対象です。", "2023-04-01", "2023-03-31"),
    ],
)
def test_open_periods_hold_from_or_until_their_one_date(
    sentence: str, inside: str, outside: str
) -> None:
    scope = read_scope([entry(sentence, "対象期間はいつですか。")])
    assert verdict(scope, inside) == "inside"
    assert verdict(scope, outside) == "outside"


def test_two_periods_with_different_items_each_hold_on_their_own_days() -> None:
    first = entry(
        "令和3年10月14日から令和4年1月25日に当社サイトで利用されたクレジットカード決済にかかる"
        "「カード番号」「有効期限」「セキュリティコード」の情報が流出した懸念がございます。",
        "① トークン方式のデータベース",
        kind="passage",
    )
    second = entry(
        "令和3年5月6日から令和4年1月25日に当社サイトで利用されたクレジットカード決済にかかる"
        "「カード番号」「有効期限」の情報流出が確認されました。",
        "② 決済情報データベース",
        kind="passage",
    )
    scope = read_scope([first, second])
    both = check_scope(scope, day=dt.date(2021, 11, 1), channel="web", payment="card")
    only_second = check_scope(scope, day=dt.date(2021, 6, 1), channel="web", payment="card")
    assert both.verdict == only_second.verdict == "inside"
    assert {c.entry for c in both.because} == {first.id, second.id}
    assert [c.entry for c in only_second.because] == [second.id]
    assert verdict(scope, "2021-05-05") == "outside"


def test_each_channel_has_its_own_period() -> None:
    scope = read_scope(
        [
            entry(
                "1:2019年12月16日～2020年4月8日の期間に当社ウェブショップ(https://shop.example/)において\n"
                "クレジットカード情報を入力の上、決済を行われたお客様が対象です。\n\n"
                "2:2010年8月20日～2020年4月8日の期間に定期コースおよび電話・FAX注文を"
                "クレジットカード決済でご利用された一部のお客様が対象です。",
                "対象期間について",
            )
        ]
    )
    assert verdict(scope, "2019-12-01", "web") == "outside"
    assert verdict(scope, "2019-12-01", "phone") == "inside"
    assert verdict(scope, "2020-01-10", "web") == "inside"
    assert verdict(scope, "2020-01-10", "store") == "unknown"  # no period names shops


def test_a_period_naming_no_channel_holds_for_the_channels_the_text_names() -> None:
    unnamed = entry(
        "2023年3月1日から2023年8月31日までにクレジットカード決済をされたお客様",
        "(1) 対象期間",
        kind="passage",
        section="2 流出の可能性がある情報 > (1) 対象期間",
    )
    who = entry(
        "当社の通販サイトをご利用いただき、クレジットカード決済をされた方が対象となります。"
    )
    assert verdict(read_scope([unnamed, who]), "2023-05-01", "web") == "inside"
    assert verdict(read_scope([unnamed, who]), "2023-05-01", "phone") == "unknown"
    alone = read_scope([unnamed])
    assert verdict(alone, "2023-05-01", "phone") == "inside"
    assert verdict(alone, "2023-05-01", "marketplace") == "unknown"


def test_a_marketplace_the_faq_denies_is_outside_citing_the_answer() -> None:
    denial = entry(
        "楽天市場店は別のシステムで運営しております。当社のシステムとは異なるため、情報の流出は"
        "ございません。ご安心ください。",
        "楽天市場店で購入したのですが大丈夫ですか?",
    )
    scope = read_scope([WEB_SHOP, denial])
    answer = check_scope(scope, day=dt.date(2023, 5, 5), channel="marketplace", payment="card")
    assert answer.verdict == "outside"
    assert [c.entry for c in answer.because] == [denial.id]
    assert all(c.text in denial.answer for c in answer.because)
    assert verdict(scope, "2023-05-05", "web") == "inside"


def test_a_date_the_question_names_and_the_answer_denies_is_outside_from_then() -> None:
    denial = entry(
        "はい、その時期のご注文は流出の対象ではございません。",
        "2023年10月以降に買い物をしたのですが大丈夫ですか?",
    )
    scope = read_scope([WEB_SHOP, denial])
    answer = check_scope(scope, day=dt.date(2023, 10, 10), channel="phone", payment="card")
    assert answer.verdict == "outside"
    assert [c.text for c in answer.because] == [
        "はい、その時期のご注文は流出の対象ではございません。"
    ]
    assert verdict(scope, "2023-09-30") == "inside"


def test_a_date_the_question_names_and_the_answer_affirms_is_inside() -> None:
    affirmed = entry(
        "はい、対象となります。", "2023年5月に当サイトで本を購入しました。対象になりますか?"
    )
    scope = read_scope([affirmed])
    assert verdict(scope, "2023-05-31") == "inside"
    assert verdict(scope, "2023-06-01") == "outside"


def test_other_payments_are_outside_a_card_only_leak_citing_what_excludes_them() -> None:
    cod = entry(
        "代金引換、銀行振込、コンビニ払いでお支払いのお客様は対象外です。",
        "代金引換で支払いました。対象になりますか?",
    )
    answer = check_scope(
        read_scope([WEB_SHOP, ITEMS, cod]),
        day=dt.date(2023, 5, 5),
        channel="web",
        payment="other",
    )
    assert answer.verdict == "outside"
    assert [c.entry for c in answer.because] == [cod.id]
    plain = check_scope(
        read_scope([WEB_SHOP, ITEMS]), day=dt.date(2023, 5, 5), channel="web", payment="other"
    )
    assert plain.verdict == "outside"
    assert ITEMS.id in {c.entry for c in plain.because}


def test_a_text_that_includes_other_payments_cancels_the_card_only_rule() -> None:
    included = entry(
        "はい、対象となります。銀行振込の方の情報も含まれております。",
        "銀行振込で支払いましたが、対象ですか。",
    )
    scope = read_scope([WEB_SHOP, ITEMS, included])
    assert verdict(scope, "2023-05-05", payment="other") == "unknown"


def test_other_payments_with_more_than_card_data_leaked_are_not_guessed() -> None:
    names = entry("氏名、住所、カード番号が流出した可能性がございます。", "何が流出しましたか。")
    some = entry("代金引換のお客様は対象外です。", "代金引換で支払いました。")
    scope = read_scope([WEB_SHOP, names, some])
    # The card period holds card payments only; 代金引換 is not every other payment.
    assert verdict(scope, "2023-05-05", payment="other") == "unknown"
    general = entry("クレジットカード以外でお支払いのお客様は対象外です。")
    assert verdict(read_scope([WEB_SHOP, names, general]), "2023-05-05", payment="other") == (
        "outside"
    )


def test_a_denied_item_is_no_exclusion_of_purchases() -> None:
    password = entry(
        "2023年3月1日以降に当サイトでご購入のお客様のパスワードは流出しておりません。",
        "パスワードは大丈夫ですか。",
    )
    assert verdict(read_scope([password]), "2023-05-05") == "unknown"


def test_an_attack_period_is_no_purchase_period() -> None:
    attack = entry(
        "2023年8月2日から2024年1月25日にわたって不正にアクセスがなされ、決済関連の情報が流出しました。",
        kind="passage",
    )
    assert verdict(read_scope([attack]), "2023-09-01") == "unknown"


def test_a_text_that_says_both_is_unknown() -> None:
    contrary = entry(
        "2023年9月1日以降のご注文は流出の対象ではございません。", "9月に買いましたが大丈夫ですか。"
    )
    later = entry("2023年8月1日～2023年9月30日に当サイトでご購入のお客様が対象です。")
    answer = check_scope(
        read_scope([contrary, later]), day=dt.date(2023, 9, 10), channel="web", payment="card"
    )
    assert answer.verdict == "unknown"
    assert {c.entry for c in answer.because} == {contrary.id, later.id}


def test_a_period_whose_year_is_not_published_settles_nothing() -> None:
    yearless = entry("3月1日～9月30日に当サイトでご購入のお客様が対象です。")
    assert verdict(read_scope([yearless]), "2023-05-05") == "unknown"
    assert verdict(read_scope([yearless]), "2023-12-05") == "unknown"


def test_nothing_published_is_unknown_with_nothing_cited() -> None:
    answer = check_scope(
        read_scope([entry("不正アクセスがありました。", "何が起きましたか。")]),
        day=dt.date(2023, 5, 5),
        channel="web",
        payment="card",
    )
    assert answer.verdict == "unknown" and answer.because == ()


def test_a_verdict_cites_answer_sentences_never_the_question() -> None:
    asked = entry(
        "2023年9月1日以降のご注文は流出の対象ではございません。",
        "2023年9月以降に当サイトで購入しましたが対象ですか?",
    )
    scope = read_scope([WEB_SHOP, asked])
    for day in ("2023-05-05", "2023-09-05", "2023-01-05"):
        for c in check_scope(
            scope, day=dt.date.fromisoformat(day), channel="web", payment="card"
        ).because:
            assert c.text not in (WEB_SHOP.question, asked.question)
            assert c.text in {WEB_SHOP.id: WEB_SHOP.answer, asked.id: asked.answer}[c.entry]


def test_the_published_periods_are_listed_once_with_their_sentence() -> None:
    notice = entry(
        "2023年3月1日から2023年9月30日までにクレジットカード決済をされたお客様",
        "(1) 対象期間",
        kind="passage",
    )
    periods = read_scope([WEB_SHOP, notice]).periods()
    assert [(p.shown, p.channels, p.card_only) for p in periods] == [
        ("2023年3月1日〜2023年9月30日", ("web",), True)
    ]
    assert periods[0].source.entry == WEB_SHOP.id


def test_sentences_join_wrapped_lines_and_split_at_lists() -> None:
    text = "期間中に当店で\n購入された方が対象です。次の文。\n・一つ目\n・二つ目\n\n最後"
    assert [text[a:b] for a, b in sentences(text)] == [
        "期間中に当店で\n購入された方が対象です。",
        "次の文。",
        "・一つ目",
        "・二つ目",
        "最後",
    ]


def test_dates_are_shown_in_japanese() -> None:
    assert japanese_date(dt.date(2026, 9, 10)) == "2026年9月10日"
    ranges = extract_facts(
        "令和3年10月14日から令和4年1月25日、2026年9月以降、2020年4月8日より後"
    ).ranges
    assert [period_text(r) for r in ranges] == [
        "2021年10月14日〜2022年1月25日",
        "2026年9月以降",
        "2020年4月8日より後",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "2023年3月1日以降に当サイトでご購入のお客様の情報の流出は確認されておりません。",
        "2023年3月1日以降に当サイトでご購入のお客様の流出の有無は調査中です。",
    ],
)
def test_a_sentence_that_only_hedges_is_neither_inside_nor_outside(sentence: str) -> None:
    scope = read_scope([entry(sentence, "対象期間はいつですか。")])
    assert verdict(scope, "2023-05-05") == "unknown"
    assert verdict(scope, "2023-01-05") == "unknown"


def test_an_apology_in_a_period_sentence_denies_nothing() -> None:
    apology = entry(
        "2023年3月1日～2023年9月30日に当サイトでご購入のお客様の情報が流出し、"
        "ご迷惑をおかけし申し訳ございません。",
        kind="passage",
    )
    assert verdict(read_scope([apology]), "2023-05-05") == "inside"


def test_a_denial_about_one_kind_of_information_excludes_no_purchase() -> None:
    info = entry("当サイトでの決済情報は流出しておりません。", "当サイトで購入しました。")
    assert verdict(read_scope([WEB_SHOP, info]), "2023-05-05") == "inside"


def test_full_width_text_is_read_like_half_width() -> None:
    wide = entry(
        "２０２３年３月１日～２０２３年９月３０日にＷＥＢショップでご購入のお客様が対象です。\n"
        "Ｙａｈｏｏ！ショッピング店でのご購入は対象外です。"
    )
    scope = read_scope([wide])
    assert verdict(scope, "2023-05-05", "web") == "inside"
    assert verdict(scope, "2023-05-05", "marketplace") == "outside"


def test_a_shopping_mall_is_a_place_with_shops_not_a_marketplace() -> None:
    mall = entry("ショッピングモール内の店舗でのご購入は対象外です。")
    scope = read_scope([WEB_SHOP, mall])
    assert verdict(scope, "2023-05-05", "store") == "outside"
    assert verdict(scope, "2023-05-05", "marketplace") == "unknown"
