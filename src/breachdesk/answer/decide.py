"""Rank and decide: which entry answers the question, and whether to answer at all.

Two small linear models, fitted on the development question set (`breachdesk calibrate`) and
shipped as `calibration.json`:

1. **Rank.** A score per entry, linear in `features.FEATURES`, trained listwise (softmax over the
   incident's entries, maximising the probability of the entries that answer the question).
2. **Decide.** A logistic regression over `DECIDE_FEATURES` of the best entry (its score, its lead
   over the runner-up, its softmax share, how much of the question is unknown to the incident…)
   giving P(the best entry answers the question). Below `threshold` the engine abstains and
   shows the desk: the threshold is the one with the best development accuracy among those whose
   wrong-answer rate stays under the target.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.features import FEATURES

CALIBRATION_VERSION = 2
DECIDE_FEATURES = (
    "score",
    "margin",
    "share",
    "unknown",
    "dense",
    "words",
    "coverage",
    "intents",
    "item",
)


@dataclass(frozen=True)
class Ranked:
    """Entries in rank order with their scores, and the decision's inputs and output."""

    order: NDArray[np.int64]
    scores: NDArray[np.float64]
    confidence: float


def decide_features(
    features: NDArray[np.float64], scores: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The best entry's evidence, as the decide model's input row."""
    col = {name: i for i, name in enumerate(FEATURES)}
    order = np.argsort(-scores, kind="stable")
    top = int(order[0])
    second = float(scores[order[1]]) if len(order) > 1 else float(scores[top]) - 5.0
    shifted = np.exp(scores - scores[top])
    row = features[top]
    return np.array(
        [
            scores[top],
            scores[top] - second,
            1.0 / shifted.sum(),
            row[col["unknown"]],
            max(row[col["dense_q"]], row[col["dense_a"]]),
            row[col["words_q"]],
            row[col["coverage"]],
            row[col["intents"]],
            row[col["item"]],
        ]
    )


@dataclass(frozen=True)
class Calibration:
    """Rank weights, decide weights and bias, and the answer threshold."""

    rank_weights: tuple[float, ...]
    decide_weights: tuple[float, ...]
    decide_bias: float
    threshold: float
    # Below `threshold` but at or above this, the best entries are offered as suggestions.
    suggest_threshold: float = 0.2
    # Plain baselines reported beside the engine (`breachdesk eval`): feature name → its
    # (answer, suggestion) thresholds, chosen on the training incidents by the same rule.
    baselines: dict[str, tuple[float, float]] = field(default_factory=dict)
    version: int = CALIBRATION_VERSION
    features: tuple[str, ...] = FEATURES
    decide_features: tuple[str, ...] = DECIDE_FEATURES
    note: str = ""

    def rank(self, features: NDArray[np.float64]) -> Ranked:
        """Order the entries and say how sure the engine is that the first one answers."""
        scores = features @ np.asarray(self.rank_weights)
        order = np.argsort(-scores, kind="stable")
        if len(order) == 0:
            return Ranked(order, scores, 0.0)
        z = decide_features(features, scores) @ np.asarray(self.decide_weights) + self.decide_bias
        return Ranked(order, scores, float(1.0 / (1.0 + np.exp(-z))))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Read a calibration; weights are matched to features by name, and a feature the file
        does not know gets weight 0 (so an older file still ranks, without the new evidence)."""
        data = json.loads(text)
        unknown = set(data["features"]) - set(FEATURES)
        unknown |= set(data["decide_features"]) - set(DECIDE_FEATURES)
        if data.get("version") != CALIBRATION_VERSION or unknown:
            raise ValueError(
                "calibration file does not match this engine "
                f"(version {data.get('version')}, unknown features {sorted(unknown)})"
            )
        rank = dict(zip(data["features"], data["rank_weights"], strict=True))
        decide = dict(zip(data["decide_features"], data["decide_weights"], strict=True))
        return cls(
            rank_weights=tuple(float(rank.get(name, 0.0)) for name in FEATURES),
            decide_weights=tuple(float(decide.get(name, 0.0)) for name in DECIDE_FEATURES),
            decide_bias=float(data["decide_bias"]),
            threshold=float(data["threshold"]),
            suggest_threshold=float(data.get("suggest_threshold", 0.2)),
            baselines={
                str(k): (float(v[0]), float(v[1])) for k, v in data.get("baselines", {}).items()
            },
            note=data.get("note", ""),
        )


@cache
def shipped_calibration() -> Calibration:
    """The calibration that ships with breachdesk."""
    text = resources.files("breachdesk.answer").joinpath("calibration.json").read_text("utf-8")
    return Calibration.from_json(text)


def fit_listwise(
    matrices: list[NDArray[np.float64]],
    positives: list[NDArray[np.bool_]],
    *,
    l2: float = 0.01,
    iterations: int = 400,
    rate: float = 0.5,
) -> NDArray[np.float64]:
    """Rank weights maximising the softmax probability of the right entries (gradient descent)."""
    w = np.zeros(matrices[0].shape[1])
    for _ in range(iterations):
        grad = l2 * w
        for x, pos in zip(matrices, positives, strict=True):
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            target = np.where(pos, p / p[pos].sum(), 0.0)
            grad += (p - target) @ x / len(matrices)
        w -= rate * grad
    return w


def fit_logistic(
    x: NDArray[np.float64], y: NDArray[np.float64], *, l2: float = 1.0, iterations: int = 50
) -> tuple[NDArray[np.float64], float]:
    """L2-regularised logistic regression by Newton's method (small data, exact and fast)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])
