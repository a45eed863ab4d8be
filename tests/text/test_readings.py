"""Readings and kana conversion: a question typed all in kana meets the documents' kanji."""

from __future__ import annotations

from breachdesk.text.readings import (
    KanaConverter,
    default_readings,
    is_kana_typed,
    reading_ngrams,
    to_hiragana,
    to_katakana,
    vocabulary_words,
)

DOCUMENT = (
    "クレジットカード番号と有効期限が流出した可能性があります。"
    "カードの再発行をご希望の場合、手数料は当社が負担いたします。"
    "不審なメールにご注意ください。"
)


def test_a_kana_question_is_recognised_and_an_ordinary_one_is_not() -> None:
    assert is_kana_typed("かーどばんごう もれた？")
    assert is_kana_typed("カードバンゴウモレタ")
    assert not is_kana_typed("カード番号は漏れましたか")
    assert not is_kana_typed("はい")  # too short to say
    assert to_katakana("ばんごう") == "バンゴウ" and to_hiragana("バンゴウ") == "ばんごう"


def test_kanji_and_kana_spellings_share_their_reading() -> None:
    readings = default_readings()
    assert readings.reading("番号") == readings.reading("ばんごう") == "バンゴウ"
    assert readings.reading("再発行") == readings.reading("さいはっこう")
    # A typo costs one n-gram of the reading, not the whole word.
    typed, right = set(readings.ngrams("さいはこう")), set(readings.ngrams("再発行"))
    assert len(typed & right) >= 2 and typed != right
    assert reading_ngrams("ア") == ["ア"] and reading_ngrams("") == []


def test_the_converter_writes_kana_in_the_documents_words_and_leaves_endings() -> None:
    converter = KanaConverter(vocabulary_words(default_readings(), [DOCUMENT]))
    converted = converter.convert("かーどばんごうは りゅうしゅつしたのですか")
    assert "番号" in converted and "流出" in converted
    assert "した" in converted  # an ending stays kana: not 下, not 舌
    assert "再発行" in converter.convert("さいはっこうの てすうりょうは？")
    # A word the documents never use stays as typed.
    assert "ぺんぎん" in converter.convert("ぺんぎんは かわいい")
