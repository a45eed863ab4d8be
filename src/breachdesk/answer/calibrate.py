"""Fitting the decide stage on a development question set.

For every question the engine computes the feature matrix of all the incident's entries; an
entry is a positive when its answer contains one of the question's expected strings. A logistic
regression learns P(entry answers the question) from those rows; the threshold is then chosen
on the questions: the one with the best accuracy (answerable right + abstentions right) among
those that keep the wrong-answer rate under `max_wrong`. Leave-one-incident-out cross-validation
reports how the mechanism does on incidents it was not fitted on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.decide import Calibration, fit_logistic
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


def fit(samples: Sequence[Sample], *, l2: float = 1.0) -> tuple[NDArray[np.float64], float]:
    x = np.vstack([s.features for s in samples])
    y = np.concatenate([s.positives for s in samples]).astype(np.float64)
    return fit_logistic(x, y, l2=l2)


@dataclass(frozen=True)
class Outcome:
    answered: bool
    right: bool


def outcomes(
    samples: Sequence[Sample], weights: NDArray[np.float64], bias: float, threshold: float
) -> list[Outcome]:
    out = []
    for s in samples:
        z = s.features @ weights + bias
        p = 1.0 / (1.0 + np.exp(-z))
        top = int(np.argmax(p))
        answered = bool(p[top] >= threshold)
        if s.question.should_abstain:
            right = not answered
        else:
            right = answered and bool(s.positives[top])
        out.append(Outcome(answered, right))
    return out


def figures(samples: Sequence[Sample], results: Sequence[Outcome]) -> dict[str, float]:
    answerable = [r for s, r in zip(samples, results, strict=True) if not s.question.should_abstain]
    abstain = [r for s, r in zip(samples, results, strict=True) if s.question.should_abstain]
    answered = [r for r in results if r.answered]
    return {
        "accuracy": sum(r.right for r in results) / max(len(results), 1),
        "answerable_accuracy": sum(r.right for r in answerable) / max(len(answerable), 1),
        "abstain_rate": sum(r.right for r in abstain) / max(len(abstain), 1),
        "wrong_answer_rate": sum(not r.right for r in answered) / max(len(answered), 1),
    }


def choose_threshold(
    samples: Sequence[Sample], weights: NDArray[np.float64], bias: float, *, max_wrong: float
) -> float:
    """The threshold with the best accuracy whose wrong-answer rate stays within `max_wrong`."""
    best: tuple[float, float] | None = None
    for threshold in np.round(np.arange(0.05, 0.96, 0.01), 2):
        f = figures(samples, outcomes(samples, weights, bias, float(threshold)))
        if f["wrong_answer_rate"] > max_wrong:
            continue
        if best is None or f["accuracy"] > best[0]:
            best = (f["accuracy"], float(threshold))
    return best[1] if best else 0.95


def calibrate(
    samples: Sequence[Sample], *, max_wrong: float = 0.05, l2: float = 1.0
) -> Calibration:
    """Fit weights and threshold on all samples."""
    weights, bias = fit(samples, l2=l2)
    threshold = choose_threshold(samples, weights, bias, max_wrong=max_wrong)
    return Calibration(
        weights=tuple(float(w) for w in weights),
        bias=bias,
        threshold=threshold,
        note=f"fitted on {len(samples)} development questions; threshold keeps wrong answers <= {max_wrong}",
    )


def cross_validate(
    samples: Sequence[Sample], *, max_wrong: float = 0.05, l2: float = 1.0
) -> dict[str, float]:
    """Leave-one-incident-out: fit on four incidents, score the fifth, pool the outcomes."""
    incidents = sorted({s.question.incident or "" for s in samples})
    pooled_samples: list[Sample] = []
    pooled: list[Outcome] = []
    for held in incidents:
        train = [s for s in samples if s.question.incident != held]
        test = [s for s in samples if s.question.incident == held]
        weights, bias = fit(train, l2=l2)
        threshold = choose_threshold(train, weights, bias, max_wrong=max_wrong)
        pooled_samples.extend(test)
        pooled.extend(outcomes(test, weights, bias, threshold))
    return figures(pooled_samples, pooled)
