"""Normalisation and tokenization: how Japanese as people write it meets the documents."""

from __future__ import annotations

from breachdesk.text.normalise import char_ngrams, normalise, squeeze
from breachdesk.text.tokens import default_tokenizer, vocabulary_folds


def test_normalise_folds_width_case_and_waves() -> None:
    assert normalise("ＰＷ　ｶｰﾄﾞ １０：００〜１８：００") == "pw カード 10:00~18:00"


def test_hiragana_loanword_becomes_katakana_but_particles_stay() -> None:
    assert "パスワード" in normalise("会員のぱすわーどを変えたい")
    assert normalise("会員のぱすわーど").startswith("会員の")


def test_squeeze_and_character_bigrams_ignore_spaces() -> None:
    assert squeeze("QUO カード Pay") == "quoカードpay"
    assert char_ngrams("カード 番号") == ["カー", "ード", "ド番", "番号"]
    assert char_ngrams("a") == ["a"]


def test_sudachi_normalised_forms_join_spelling_variants() -> None:
    tokenize = default_tokenizer()
    assert "漏洩" in tokenize("個人情報が漏えいした")
    assert "漏洩" in tokenize("個人情報が漏洩した")


def test_breach_vocabulary_folds_slang_to_the_documents_words() -> None:
    tokenize = default_tokenizer()
    assert "クレジットカード" in tokenize("クレカの情報")
    assert "パスワード" in tokenize("PWも流出しましたか")
    assert "漏洩" in tokenize("盗まれたんですか")


def test_vocabulary_groups_map_every_variant_to_its_head_word() -> None:
    folds = vocabulary_folds()
    assert folds["メアド"] == "メールアドレス"
    assert folds["個人番号"] == "マイナンバー"


def test_function_words_are_not_terms() -> None:
    terms = default_tokenizer()("これはですね")
    assert "は" not in terms and "です" not in terms


def test_an_impersonated_sender_reads_as_the_documents_own_word() -> None:
    from breachdesk.text.normalise import as_self_reference

    assert as_self_reference("みどり商店を名乗るメールが来た") == "当社を名乗るメールが来た"
    assert as_self_reference("株式会社ABCの名前を騙った電話") == "当社を騙った電話"
    assert as_self_reference("弊社を装ったSMS") == "弊社を装ったSMS"
    assert as_self_reference("カードの再発行はできますか") == "カードの再発行はできますか"
