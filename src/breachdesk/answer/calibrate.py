"""Fitting the rank and decide models on training incidents, and choosing the thresholds.

For every training question the engine computes the feature matrix of the incident's entries; an
entry is a positive when its answer contains one of the question's expected strings. The rank
model is fitted on the answerable questions, the decide model on all of them (is the top entry
right?).

The thresholds are **not** chosen on the questions the models were fitted on: a threshold fitted
to the same questions says 44 % and then gives 27 % on new wording. They are chosen on
out-of-fold probabilities — leave one incident out, fit on the others, predict the held-out
incident — pooled over every training incident, so the wrong-answer rate they promise is the
one measured on incidents the models had not seen:

- the answer threshold: the most answered-right among those whose wrong-answer rate stays within
  `max_wrong`;
- the suggestion threshold (below the answer threshold, the best entries are offered to choose
  from): the most resolved among those that leave at least `min_silent` of the off-topic
  questions with no suggestions at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.decide import Calibration, decide_features, fit_listwise, fit_logistic
from breachdesk.answer.engine import MAX_SUGGESTIONS, SUGGESTION_POOL, AnswerEngine, suggestable
from breachdesk.answer.evaluation import Outcome, Question, figures, score_results
from breachdesk.answer.features import FEATURES

THRESHOLDS = np.round(np.arange(0.02, 0.99, 0.01), 2)


@dataclass(frozen=True)
class Sample:
    """One question: its entries' features, which entries are right, which may be suggested."""

    question: Question
    features: NDArray[np.float64]
    positives: NDArray[np.bool_]
    suggestable: NDArray[np.bool_]


def collect(engine: AnswerEngine, questions: Iterable[Question]) -> list[Sample]:
    """Feature matrices and labels for every question."""
    samples = []
    for q in questions:
        if not q.incident:
            continue
        loaded, scored = engine.score(q.incident, engine.check_question(q.question))
        entries = loaded.index.entries
        positives = np.array([q.accepts(e.answer) for e in entries], dtype=bool)
        offer = np.array([suggestable(e) for e in entries], dtype=bool)
        samples.append(Sample(q, scored.features, positives, offer))
    return samples


@dataclass(frozen=True)
class Prediction:
    """A question's ranking and the decide model's probability that the first entry answers."""

    order: NDArray[np.int64]
    confidence: float


Policy = Callable[[Sample], Prediction]


def engine_policy(calibration: Calibration) -> Policy:
    def predict(s: Sample) -> Prediction:
        ranked = calibration.rank(s.features)
        return Prediction(ranked.order, ranked.confidence)

    return predict


def column_policy(column: int) -> Policy:
    """A plain baseline: rank by one feature; its best value is the confidence."""

    def predict(s: Sample) -> Prediction:
        values = s.features[:, column]
        order = np.argsort(-values, kind="stable")
        return Prediction(order, float(values[order[0]]) if len(order) else 0.0)

    return predict


def outcome(s: Sample, p: Prediction, threshold: float, suggest_threshold: float) -> Outcome:
    """What the engine would do for `s` at these thresholds, judged."""
    if len(p.order) == 0:
        return Outcome(answered=False)
    top = int(p.order[0])
    if p.confidence >= threshold:
        return Outcome(answered=True, right_answer=bool(s.positives[top]))
    if p.confidence < suggest_threshold:
        return Outcome(answered=False)
    offered = [int(i) for i in p.order[:SUGGESTION_POOL] if s.suggestable[int(i)]]
    offered = offered[:MAX_SUGGESTIONS]
    return Outcome(
        answered=False,
        suggested=bool(offered),
        right_suggestion=bool(offered) and bool(s.positives[offered].any()),
    )


def outcomes(
    samples: Sequence[Sample],
    predictions: Sequence[Prediction],
    threshold: float,
    suggest_threshold: float,
) -> list[tuple[Question, Outcome]]:
    return [
        (s.question, outcome(s, p, threshold, suggest_threshold))
        for s, p in zip(samples, predictions, strict=True)
    ]


def fit_models(samples: Sequence[Sample], *, l2: float) -> Calibration:
    """Rank weights, then decide weights (thresholds left at 0.5 / 0.5)."""
    answerable = [s for s in samples if not s.question.should_abstain and s.positives.any()]
    rank = fit_listwise([s.features for s in answerable], [s.positives for s in answerable])
    rows, labels = [], []
    for s in samples:
        scores = s.features @ rank
        rows.append(decide_features(s.features, scores))
        labels.append(float(not s.question.should_abstain and s.positives[int(np.argmax(scores))]))
    weights, bias = fit_logistic(np.vstack(rows), np.array(labels), l2=l2)
    return Calibration(tuple(map(float, rank)), tuple(map(float, weights)), bias, 0.5, 0.5)


def out_of_fold(samples: Sequence[Sample], *, l2: float) -> list[Prediction]:
    """Each sample predicted by models fitted on every other incident."""
    predictions: dict[int, Prediction] = {}
    for held in sorted({s.question.incident or "" for s in samples}):
        train = [s for s in samples if s.question.incident != held]
        policy = engine_policy(fit_models(train, l2=l2))
        for i, s in enumerate(samples):
            if s.question.incident == held:
                predictions[i] = policy(s)
    return [predictions[i] for i in range(len(samples))]


def choose_thresholds(
    samples: Sequence[Sample],
    predictions: Sequence[Prediction],
    *,
    max_wrong: float,
    min_silent: float,
    grid: Iterable[float] = THRESHOLDS,
) -> tuple[float, float]:
    """The answer threshold, then the suggestion threshold (see the module docstring)."""
    levels = [float(t) for t in grid]
    best: tuple[float, float] | None = None
    for t in levels:
        f = figures(outcomes(samples, predictions, t, t))
        if f["wrong_answer_rate"] <= max_wrong and (
            best is None or f["answerable_accuracy"] > best[0]
        ):
            best = (float(f["answerable_accuracy"]), t)
    threshold = best[1] if best else max(levels)
    chosen: tuple[float, float] | None = None
    for s in (x for x in levels if x <= threshold):
        f = figures(outcomes(samples, predictions, threshold, s))
        if f["abstain_silent"] >= min_silent and (chosen is None or f["resolved"] > chosen[0]):
            chosen = (float(f["resolved"]), s)
    return threshold, chosen[1] if chosen else threshold


def fit(
    samples: Sequence[Sample], *, max_wrong: float, min_silent: float, l2: float
) -> tuple[Calibration, list[Prediction]]:
    """The shipped models (fitted on every sample) with out-of-fold thresholds."""
    predictions = out_of_fold(samples, l2=l2)
    threshold, suggest = choose_thresholds(
        samples, predictions, max_wrong=max_wrong, min_silent=min_silent
    )
    incidents = sorted({s.question.incident or "" for s in samples})
    calibration = replace(
        fit_models(samples, l2=l2),
        threshold=threshold,
        suggest_threshold=suggest,
        baselines=fit_baselines(samples, max_wrong=max_wrong, min_silent=min_silent),
        note=(
            f"fitted on {len(samples)} questions of {len(incidents)} training incidents "
            f"({', '.join(incidents)}); thresholds chosen on leave-one-incident-out "
            f"probabilities: wrong answers <= {max_wrong}, off-topic with no suggestion >= "
            f"{min_silent}"
        ),
    )
    return calibration, predictions


BASELINES = ("words_q", "dense_q")  # plain BM25 on the question field; plain USE cosine


def fit_baselines(
    samples: Sequence[Sample], *, max_wrong: float, min_silent: float
) -> dict[str, tuple[float, float]]:
    """Thresholds of the plain baselines, by the same rule as the engine's."""
    out = {}
    for name in BASELINES:
        policy = column_policy(FEATURES.index(name))
        predictions = [policy(s) for s in samples]
        grid = sorted({round(p.confidence, 3) for p in predictions} | {10.0})
        out[name] = choose_thresholds(
            samples, predictions, max_wrong=max_wrong, min_silent=min_silent, grid=grid
        )
    return out


def baseline_figures(
    samples: Sequence[Sample], calibration: Calibration
) -> dict[str, dict[str, dict[str, float | int]]]:
    """`breachdesk eval`'s figures for the plain baselines, at their shipped thresholds."""
    out = {}
    for name in BASELINES:
        threshold, suggest = calibration.baselines.get(name, (np.inf, np.inf))
        policy = column_policy(FEATURES.index(name))
        predictions = [policy(s) for s in samples]
        out[name] = score_results(outcomes(samples, predictions, threshold, suggest))
    return out


def reliability(
    samples: Sequence[Sample], predictions: Sequence[Prediction], bins: int = 10
) -> list[tuple[float, float, int, float]]:
    """Per probability bin: (low, high, questions, share whose first entry was right)."""
    rows = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for low, high in itertools.pairwise(edges):
        hits = [
            bool(not s.question.should_abstain and s.positives[int(p.order[0])])
            for s, p in zip(samples, predictions, strict=True)
            if low <= p.confidence < high or (high == 1.0 and p.confidence == 1.0)
        ]
        rows.append((float(low), float(high), len(hits), float(np.mean(hits)) if hits else 0.0))
    return rows


def format_reliability(rows: Sequence[tuple[float, float, int, float]]) -> str:
    lines = ["| P(first entry answers) | questions | first entry right |", "|---|---|---|"]
    for low, high, n, right in rows:
        lines.append(
            f"| {low:.1f}–{high:.1f} | {n} | {right:.2f} |"
            if n
            else f"| {low:.1f}–{high:.1f} | 0 | – |"
        )
    return "\n".join(lines)
