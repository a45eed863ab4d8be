"""Fitting the rank and decide models on a development question set.

For every question the engine computes the feature matrix of the incident's entries; an entry is
a positive when its answer contains one of the question's expected strings. The rank model is
fitted on the answerable questions, the decide model on all of them (is the top entry right?),
and the threshold is the one with the best accuracy whose wrong-answer rate stays within
`max_wrong`. Leave-one-incident-out cross-validation reports how the mechanism does on an
incident it was not fitted on — the honest estimate for questions and documents never seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.decide import Calibration, decide_features, fit_listwise, fit_logistic
from breachdesk.answer.engine import AnswerEngine
from breachdesk.answer.evaluation import Question


@dataclass(frozen=True)
class Sample:
    """One development question: its entries' features and which entries are right."""

    question: Question
    features: NDArray[np.float64]
    positives: NDArray[np.bool_]


def collect(engine: AnswerEngine, questions: Iterable[Question]) -> list[Sample]:
    """Feature matrices and labels for every question."""
    samples = []
    for q in questions:
        if not q.incident:
            continue
        loaded, scored = engine.score(q.incident, engine.check_question(q.question))
        positives = np.array([q.accepts(e.answer) for e in loaded.index.entries], dtype=bool)
        samples.append(Sample(q, scored.features, positives))
    return samples


def fit(samples: Sequence[Sample], *, max_wrong: float, l2: float) -> Calibration:
    """Fit rank weights, then decide weights, then the threshold, on `samples`."""
    answerable = [s for s in samples if not s.question.should_abstain and s.positives.any()]
    rank = fit_listwise([s.features for s in answerable], [s.positives for s in answerable])
    rows, labels = [], []
    for s in samples:
        scores = s.features @ rank
        rows.append(decide_features(s.features, scores))
        labels.append(float(not s.question.should_abstain and s.positives[int(np.argmax(scores))]))
    weights, bias = fit_logistic(np.vstack(rows), np.array(labels), l2=l2)
    calibration = Calibration(tuple(map(float, rank)), tuple(map(float, weights)), bias, 0.5)
    threshold = choose_threshold(samples, calibration, max_wrong=max_wrong)
    return Calibration(
        calibration.rank_weights,
        calibration.decide_weights,
        bias,
        threshold,
        note=(
            f"fitted on {len(samples)} development questions; the threshold keeps wrong answers "
            f"<= {max_wrong} of answers given there"
        ),
    )


@dataclass(frozen=True)
class Outcome:
    answered: bool
    right: bool


def outcomes(
    samples: Sequence[Sample], calibration: Calibration, threshold: float
) -> list[Outcome]:
    """Whether each question would be answered at `threshold`, and whether that is right."""
    out = []
    for s in samples:
        ranked = calibration.rank(s.features)
        answered = ranked.confidence >= threshold
        if s.question.should_abstain:
            out.append(Outcome(answered, not answered))
        else:
            out.append(Outcome(answered, answered and bool(s.positives[int(ranked.order[0])])))
    return out


def figures(samples: Sequence[Sample], results: Sequence[Outcome]) -> dict[str, float]:
    """The four figures of the evaluation README over `samples`."""
    pairs = list(zip(samples, results, strict=True))
    answerable = [r for s, r in pairs if not s.question.should_abstain]
    abstain = [r for s, r in pairs if s.question.should_abstain]
    answered = [r for r in results if r.answered]
    return {
        "accuracy": sum(r.right for r in results) / max(len(results), 1),
        "answerable_accuracy": sum(r.right for r in answerable) / max(len(answerable), 1),
        "abstain_rate": sum(r.right for r in abstain) / max(len(abstain), 1),
        "wrong_answer_rate": sum(not r.right for r in answered) / max(len(answered), 1),
    }


def choose_threshold(
    samples: Sequence[Sample], calibration: Calibration, *, max_wrong: float
) -> float:
    """The threshold with the best accuracy whose wrong-answer rate stays within `max_wrong`."""
    best: tuple[float, float] | None = None
    for threshold in np.round(np.arange(0.05, 0.96, 0.01), 2):
        f = figures(samples, outcomes(samples, calibration, float(threshold)))
        if f["wrong_answer_rate"] <= max_wrong and (best is None or f["accuracy"] > best[0]):
            best = (f["accuracy"], float(threshold))
    return best[1] if best else 0.95


def cross_validate(
    samples: Sequence[Sample], *, max_wrong: float = 0.05, l2: float = 1.0
) -> dict[str, float]:
    """Leave-one-incident-out: fit on four incidents, score the fifth, pool the outcomes."""
    pooled_samples: list[Sample] = []
    pooled: list[Outcome] = []
    for held in sorted({s.question.incident or "" for s in samples}):
        train = [s for s in samples if s.question.incident != held]
        test = [s for s in samples if s.question.incident == held]
        calibration = fit(train, max_wrong=max_wrong, l2=l2)
        pooled_samples.extend(test)
        pooled.extend(outcomes(test, calibration, calibration.threshold))
    return figures(pooled_samples, pooled)
