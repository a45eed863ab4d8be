"""Twins in the review queue: the same question typed differently folds to one key."""

from __future__ import annotations

import pytest

from breachdesk.review.grouping import KEY_CHARS, question_key


@pytest.mark.parametrize(
    "twin",
    [
        "カードの再発行は無料ですか？",
        "かーどの再発行は無料ですか",
        "カードの 再発行は無料でしょうか。",
        "ｶｰﾄﾞの再発行は無料ですか!!",
        "カードの再発行は無料？",
    ],
)
def test_width_kana_spaces_punctuation_and_a_polite_ending_fold_away(twin: str) -> None:
    assert question_key(twin) == question_key("カードの再発行は無料ですか")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("カードの再発行は無料ですか", "カードの再発行は有料ですか"),
        ("パスワードは漏れましたか", "パスワードは漏れていませんか"),
        ("氏名は漏れましたか", "住所は漏れましたか"),
    ],
)
def test_different_questions_keep_different_keys(one: str, other: str) -> None:
    assert question_key(one) != question_key(other)


def test_a_key_is_never_empty_for_a_question_and_has_a_bounded_length() -> None:
    assert question_key("ですか") == "ですか"
    assert len(question_key("あ" * 1000)) == KEY_CHARS
