"""Decide stage: calibrated probability that an entry answers the question; answer or abstain.

The model is a logistic regression over `features.FEATURES`, fitted on the development question
set (`breachdesk calibrate`) and shipped as `calibration.json`. The threshold is the lowest
probability at which, on the development set, wrong answers stay under the target share of
answers given; a question whose best entry is below it gets the contact desk instead.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.features import FEATURES

CALIBRATION_VERSION = 1


@dataclass(frozen=True)
class Calibration:
    """Weights (one per feature), bias and the answer threshold."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    version: int = CALIBRATION_VERSION
    features: tuple[str, ...] = FEATURES
    note: str = ""

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """P(entry answers the question) for each row of a feature matrix."""
        z = features @ np.asarray(self.weights) + self.bias
        out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return out

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        data = json.loads(text)
        if data.get("version") != CALIBRATION_VERSION or tuple(data["features"]) != FEATURES:
            raise ValueError("calibration file does not match this engine's features")
        return cls(
            weights=tuple(data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            note=data.get("note", ""),
        )


@cache
def shipped_calibration() -> Calibration:
    """The calibration that ships with breachdesk."""
    text = resources.files("breachdesk.answer").joinpath("calibration.json").read_text("utf-8")
    return Calibration.from_json(text)


def load_calibration(path: Path | None) -> Calibration:
    return shipped_calibration() if path is None else Calibration.from_json(path.read_text("utf-8"))


def fit_logistic(
    x: NDArray[np.float64], y: NDArray[np.float64], *, l2: float = 1.0, iterations: int = 50
) -> tuple[NDArray[np.float64], float]:
    """L2-regularised logistic regression by Newton's method (small data, exact and fast)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0
    # Rare positives: weight them so both classes count equally.
    pos = max(y.sum(), 1.0)
    sample = np.where(y > 0, n / (2 * pos), n / (2 * max(n - pos, 1.0)))
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (sample * (p - y)) + reg * w
        hess = (xb * (sample * p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])
