"""The pure retrieval stages: BM25, dates, intent, the decide models, evaluation scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from breachdesk.answer.bm25 import BM25
from breachdesk.answer.dates import date_scores
from breachdesk.answer.decide import Calibration, fit_listwise, fit_logistic, shipped_calibration
from breachdesk.answer.evaluation import Question, read_questions, score_results
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
    assert scores[0] == 1.0 and scores[2] == 0.0
    later = date_scores("2026年10月に買いました", facts)
    assert later[1] == 1.0 and later[0] == 0.0


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


def test_evaluation_scores_the_four_figures_as_the_readme_defines() -> None:
    right = Question("1", "x", "q", {"any_of": ["再発行 の手数料"]})
    wrong = Question("2", "x", "q", {"any_of": ["窓口"]})
    abstain = Question("3", "x", "q", "abstain")
    figures = score_results(
        [
            (right, True, "カードの再発行の手数料は当社が負担します"),
            (wrong, True, "関係のない回答"),
            (abstain, False, None),
        ]
    )["overall"]
    assert figures["answerable_accuracy"] == 0.5
    assert figures["abstain_rate"] == 1.0
    assert figures["wrong_answer_rate"] == 0.5
    assert figures["accuracy"] == pytest.approx(2 / 3)


def test_reading_a_question_file_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "x", "incident": "i"}\n{broken\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"q.jsonl:2"):
        list(read_questions(path))
