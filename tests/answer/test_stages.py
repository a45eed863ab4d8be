"""The pure retrieval stages: BM25, dates, intent, the decide models, evaluation scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from breachdesk.answer.bm25 import BM25
from breachdesk.answer.dates import date_scores
from breachdesk.answer.decide import Calibration, fit_listwise, fit_logistic, shipped_calibration
from breachdesk.answer.evaluation import Question, judge, read_questions, score_results
from breachdesk.answer.features import FEATURES
from breachdesk.answer.intent import asked_kinds, intent_scores
from breachdesk.errors import InvalidInputError
from breachdesk.kb.facts import extract_facts

CORPUS = [
    ["カード", "再発行", "手数料"],
    ["パスワード", "変更", "方法"],
    ["流出", "期間", "カード"],
    ["窓口", "受付", "時間"],
]


def test_bm25_ranks_the_document_sharing_rare_terms_first() -> None:
    bm25 = BM25(CORPUS)
    scores = bm25.scores(["パスワード", "変更"])
    assert int(np.argmax(scores)) == 1
    assert scores[0] == 0.0


def test_bm25_relative_score_is_one_for_a_full_match_and_lower_for_unknown_terms() -> None:
    bm25 = BM25(CORPUS)
    full = bm25.relative_scores(["窓口"])[3]
    partial = bm25.relative_scores(["窓口", "天気"])[3]
    assert 0.9 < full <= 1.01
    assert partial < full / 1.5


def test_a_month_inside_a_published_period_matches_that_entry() -> None:
    facts = [
        extract_facts("2026年3月1日~2026年8月31日の期間にカード決済をされたお客様が対象です。"),
        extract_facts("2026年9月1日以降のご注文は対象外です。"),
        extract_facts("カード会社へご連絡ください。"),
    ]
    scores = date_scores("2026年5月に買いました", facts)
    assert scores[0] == 1.0 and scores[1] < 1.0 and scores[2] == 0.0
    later = date_scores("2026年10月に買いました", facts)
    assert later[1] == 1.0 and later[0] < 1.0 and later[2] == 0.0


def test_a_question_without_dates_gives_no_date_evidence() -> None:
    assert not date_scores("手数料は?", [extract_facts("2026年3月1日")]).any()


def test_intent_cues_ask_for_counts_dates_desks_and_reasons() -> None:
    assert asked_kinds("何件流出したの") == {"count"}
    assert asked_kinds("いつ配られたの") == {"when"}
    assert "desk" in asked_kinds("窓口の電話番号は")
    assert asked_kinds("なんで漏れたの") == {"why"}
    facts = [extract_facts("最大で3,210件"), extract_facts("ご安心ください")]
    assert list(intent_scores("何件?", facts, ["最大で3,210件", "ご安心ください"])) == [1.0, 0.0]


def test_logistic_fit_separates_a_separable_toy_set() -> None:
    x = np.array([[0.0], [0.1], [0.9], [1.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    w, b = fit_logistic(x, y, l2=0.01)
    p = 1 / (1 + np.exp(-(x[:, 0] * w[0] + b)))
    assert p[0] < 0.5 < p[3]


def test_listwise_fit_learns_which_feature_marks_the_right_entry() -> None:
    rng = np.random.default_rng(0)
    matrices, positives = [], []
    for _ in range(30):
        x = rng.random((5, 2))
        right = int(rng.integers(5))
        x[right, 0] += 1.0  # feature 0 is the signal, feature 1 noise
        matrices.append(x)
        positives.append(np.arange(5) == right)
    w = fit_listwise(matrices, positives)
    assert w[0] > abs(w[1])


def test_shipped_calibration_matches_the_engine_features_and_round_trips() -> None:
    calibration = shipped_calibration()
    assert calibration.features == FEATURES
    assert 0.0 < calibration.threshold < 1.0
    again = Calibration.from_json(calibration.to_json())
    assert again == calibration


def test_a_calibration_for_other_features_is_refused() -> None:
    data = json.loads(shipped_calibration().to_json())
    data["features"] = ["something", "else"]
    with pytest.raises(ValueError):
        Calibration.from_json(json.dumps(data))


def test_evaluation_scores_the_figures_as_the_readme_defines() -> None:
    right = Question("1", "x", "q", {"any_of": ["再発行 の手数料"]})
    wrong = Question("2", "x", "q", {"any_of": ["窓口"]})
    suggested = Question("3", "x", "q", {"any_of": ["窓口"]})
    abstain = Question("4", "x", "q", "abstain")
    offtopic = Question("5", "x", "q", "abstain")
    figures = score_results(
        [
            (right, judge(right, True, "カードの再発行の手数料は当社が負担します", [])),
            (wrong, judge(wrong, True, "関係のない回答", [])),
            (suggested, judge(suggested, False, None, ["関係のない回答", "窓口へお電話を"])),
            (abstain, judge(abstain, False, None, [])),
            (offtopic, judge(offtopic, False, None, ["関係のない回答"])),
        ]
    )["overall"]
    assert figures["answerable_accuracy"] == pytest.approx(1 / 3)
    assert figures["resolved"] == pytest.approx(2 / 3)
    assert figures["abstain_rate"] == 1.0
    assert figures["abstain_silent"] == 0.5
    assert figures["wrong_answer_rate"] == 0.5
    assert figures["accuracy"] == pytest.approx(3 / 5)


def test_reading_a_question_file_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "x", "incident": "i"}\n{broken\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"q.jsonl:2"):
        list(read_questions(path))


def test_notes_and_bare_headings_are_never_offered_but_short_real_answers_are() -> None:
    from breachdesk.answer.index import IndexEntry
    from breachdesk.answer.index import offerable as suggestable

    def entry(kind: str, question: str, answer: str) -> IndexEntry:
        return IndexEntry(id="e", kind=kind, section="", question=question, answer=answer)

    assert suggestable(
        entry("qa", "再発行の手数料はかかりますか", "手数料は当社が負担いたします。")
    )
    assert suggestable(
        entry("passage", "3 漏えいした情報", "氏名、住所、カード番号が漏えいしました。")
    )
    assert not suggestable(entry("passage", "4 お問い合わせ窓口", "4 お問い合わせ窓口"))
    assert not suggestable(
        entry("passage", "ご案内", "ご不明な点は下記窓口までお問い合わせください。")
    )
    assert not suggestable(entry("note", "※", "※ 本件に関する最新情報は当サイトでお知らせします。"))
    assert not suggestable(entry("passage", "※", "※ 上記は2026年10月時点の情報です。"))
    assert not suggestable(
        entry("passage", "株式会社テスト", "株式会社テスト\n代表取締役 山田太郎")
    )
    # A short published answer, and a なお-led passage that says something, are real answers.
    assert suggestable(entry("qa", "メールアドレスも流出しましたか", "流出いたしました。"))
    assert suggestable(
        entry(
            "passage",
            "3 漏えいした情報 > なお",
            "なお、パスワードは暗号化して保存しており流出しておりません。",
        )
    )
    assert suggestable(
        entry(
            "passage", "お問い合わせ窓口", "ご不明な点は下記までお問い合わせください。0120-000-000"
        )
    )


def test_leak_questions_name_their_items_in_the_askers_words() -> None:
    from breachdesk.answer.items import asked_items, asks_about_leak

    assert asked_items("裏の3けたも抜かれたんですか") == {"security_code"}
    assert asked_items("CVCは大丈夫でしょうか") == {"security_code"}
    assert asked_items("めあども流出した？") == {"email"}
    assert asked_items("ぱすわーどは漏れていませんか") == {"password"}
    assert asked_items("カードも漏れた？") == {"card_info"}
    assert asked_items("窓口の電話番号を教えて") == frozenset()
    assert asks_about_leak("有効期限も盗まれましたか")
    assert not asks_about_leak("有効期限はいつまでですか")


def test_an_entry_that_denies_an_item_settles_the_question_about_it() -> None:
    from breachdesk.answer.items import item_scores
    from breachdesk.kb.facts import extract_facts

    denies = extract_facts("パスワードは漏えいしておりません。")
    leaked = extract_facts("氏名、カード番号、有効期限、セキュリティコードが流出しました。")
    unrelated = extract_facts("再発行の手数料は当社が負担します。")
    scores = item_scores("パスワードも漏れたんですか", [denies, leaked, unrelated])
    assert scores[0] == 1.0 and scores[1] == 0.0 and scores[2] == 0.0
    scores = item_scores("CVVも盗まれた？", [denies, leaked, unrelated])
    assert scores[1] == 1.0 and scores[0] == 0.0
