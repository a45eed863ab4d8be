"""Rank and decide: which entry answers the question, and whether to answer at all.

Two small linear models, fitted on the fictional training incidents (`breachdesk calibrate`,
never on the development set) and shipped as `calibration.json`:

1. **Rank.** A score per entry, linear in `features.FEATURES`, trained listwise (softmax over the
   incident's entries, maximising the probability of the entries that answer the question),
   then blended with e5's own cosine — both as z-scores over the incident's entries, e5 with
   weight `e5_blend`. e5 is the one signal that knows paraphrase; the listwise weights, fitted on
   questions written beside their documents, under-use it, and the blend weight is chosen on
   leave-one-incident-out ranking.
   An entry that can never be an answer (a note, a bare heading: `eligible` false) is ranked
   after every one that can.
2. **Decide.** A logistic regression over `DECIDE_FEATURES` of the best entry — its score, its
   lead over the runner-up, its softmax share, whether e5 and the other rankers put the same entry
   first, e5's own margin, how much of the question the incident never mentions, how many
   entries the incident has … — on standardised inputs, giving P(the best entry answers the
   question). Below `threshold` the engine does not answer.

The decide model is fitted on views of each question with entries taken away as well (the right
one removed: a question the knowledge base does not answer; a handful kept: a notice of a few
paragraphs), so that what it learns of a margin or a share holds for a one-page notice as for a
forty-entry FAQ.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.features import COLUMN, FEATURES

CALIBRATION_VERSION = 3
# Single rankers whose first entry is compared with the engine's (agreement is evidence).
AGREEING = ("words_q", "dense_q", "chars_q", "intents", "readings_q", "e5", "e5_question")
DECIDE_FEATURES = (
    "score",  # the best entry's rank score (blended z-scores)
    "margin",  # its lead over the runner-up
    "share",  # its share of the softmax over the entries
    "unknown",  # share of the question's terms the incident never uses
    "dense",  # USE cosine (question or best answer sentence)
    "words",  # BM25 on the question field, relative
    "coverage",  # share of the question's terms found in the entry
    "intents",  # the question's intents against the entry's
    "item",  # the entry settles the data item asked about
    "e5",  # e5 cosine with the entry's passage
    "e5_margin",  # e5's own lead: its best cosine minus its second
    "e5_gap",  # how far the chosen entry is from e5's best
    "e5_question",  # e5 question-to-question cosine with the entry's question or a phrasing
    "e5_phrasing",  # e5 cosine with the closest phrasing an editor attached to the entry
    "readings",  # reading-bigram BM25 on the question field
    "passage",  # the entry is a notice passage
    "log_entries",  # log of the number of entries the incident has
    *(f"agree_{name}" for name in AGREEING),  # that ranker puts the same entry first
    "agree_e5_margin",  # e5 agrees, times e5's margin
    "second_e5",  # e5 cosine of the runner-up
    # What the desk learnt (0 while no phrasing is attached anywhere in the incident):
    "phrasing_lead",  # the entry's closest phrasing against the closest of any other entry
    "agree_phrasing",  # the closest attached phrasing of all belongs to the best entry
    "agree_phrasing_best",  # ... times how close it is
    "has_phrasings",  # the incident has attached phrasings at all
)


@dataclass(frozen=True)
class Ranked:
    """Entries in rank order with their scores, and the decision's inputs and output."""

    order: NDArray[np.int64]
    scores: NDArray[np.float64]
    confidence: float
    # The rankers the calibration's `answer_needs` names put the same entry first.
    agreed: bool = True


def zscores(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Values as z-scores over the incident's entries (0 when they are all alike)."""
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)


def rank_scores(
    features: NDArray[np.float64], weights: NDArray[np.float64], e5_blend: float
) -> NDArray[np.float64]:
    """The rank score of every entry: the listwise score, blended with e5 as z-scores."""
    scores: NDArray[np.float64] = features @ weights
    e5 = features[:, COLUMN["e5"]]
    if e5_blend and e5.any():
        scores = zscores(scores) + e5_blend * zscores(e5)
    return scores


def order_of(scores: NDArray[np.float64], eligible: NDArray[np.bool_] | None) -> NDArray[np.int64]:
    """Entries best first; those that can never be an answer after all that can."""
    order = np.argsort(-scores, kind="stable")
    if eligible is not None and eligible.any() and not eligible.all():
        order = np.concatenate([order[eligible[order]], order[~eligible[order]]])
    return order


def decide_features(
    features: NDArray[np.float64], scores: NDArray[np.float64], order: NDArray[np.int64]
) -> NDArray[np.float64]:
    """The best entry's evidence, as the decide model's input row (see `DECIDE_FEATURES`)."""
    n = len(order)
    top = int(order[0])
    second = int(order[1]) if n > 1 else top
    lead = float(scores[top] - scores[second]) if n > 1 else 5.0
    share = 1.0 / float(np.exp(scores - scores[top]).sum())
    row = features[top]

    def column(name: str) -> NDArray[np.float64]:
        return features[:, COLUMN[name]]

    e5 = column("e5")
    e5_sorted = np.sort(e5)[::-1]
    e5_margin = float(e5_sorted[0] - e5_sorted[1]) if n > 1 else 0.1
    agree = {name: float(int(np.argmax(column(name))) == top) for name in AGREEING}
    values = {
        "score": float(scores[top]),
        "margin": lead,
        "share": share,
        "unknown": row[COLUMN["unknown"]],
        "dense": max(row[COLUMN["dense_q"]], row[COLUMN["dense_a"]]),
        "words": row[COLUMN["words_q"]],
        "coverage": row[COLUMN["coverage"]],
        "intents": row[COLUMN["intents"]],
        "item": row[COLUMN["item"]],
        "e5": row[COLUMN["e5"]],
        "e5_margin": e5_margin,
        "e5_gap": float(e5_sorted[0] - row[COLUMN["e5"]]),
        "e5_question": row[COLUMN["e5_question"]],
        "e5_phrasing": row[COLUMN["e5_phrasing"]],
        "readings": row[COLUMN["readings_q"]],
        "passage": row[COLUMN["passage"]],
        "log_entries": float(np.log(n)),
        **{f"agree_{name}": value for name, value in agree.items()},
        "agree_e5_margin": agree["e5"] * e5_margin,
        "second_e5": float(e5[second]) if n > 1 else 0.0,
        **_learnt(column("e5_phrasing"), top),
    }
    return np.array([values[name] for name in DECIDE_FEATURES], dtype=np.float64)


def _learnt(phrasing: NDArray[np.float64], top: int) -> dict[str, float]:
    """The decide inputs of attached phrasings (see `DECIDE_FEATURES`)."""
    if not phrasing.any():
        names = ("phrasing_lead", "agree_phrasing", "agree_phrasing_best", "has_phrasings")
        return dict.fromkeys(names, 0.0)
    others = np.delete(phrasing, top)
    nearest = float(int(np.argmax(phrasing)) == top)
    return {
        "phrasing_lead": float(phrasing[top] - (others.max() if len(others) else 0.0)),
        "agree_phrasing": nearest,
        "agree_phrasing_best": nearest * float(phrasing.max()),
        "has_phrasings": 1.0,
    }


@dataclass(frozen=True)
class Calibration:
    """Rank weights and e5 blend, decide weights over standardised inputs, the thresholds."""

    rank_weights: tuple[float, ...]
    decide_weights: tuple[float, ...]
    decide_bias: float
    threshold: float
    # Below `threshold` but at or above this, the best entries are offered as suggestions.
    suggest_threshold: float = 0.2
    e5_blend: float = 0.0
    # The decide inputs' means and spreads on the training views (the model sees z-scores).
    decide_mean: tuple[float, ...] = ()
    decide_scale: tuple[float, ...] = ()
    # Plain baselines reported beside the engine (`breachdesk eval`): feature name → its
    # (answer, suggestion) thresholds, chosen on the training incidents by the same rule.
    baselines: dict[str, tuple[float, float]] = field(default_factory=dict)
    version: int = CALIBRATION_VERSION
    features: tuple[str, ...] = FEATURES
    decide_features: tuple[str, ...] = DECIDE_FEATURES
    # Single rankers (feature names) that must put the best entry first for the engine to
    # answer at all: a hard gate the logistic model cannot draw. e5 disagreeing with the blend
    # is the commonest sign of a plausible wrong entry (see docs/answer-engine.md).
    answer_needs: tuple[str, ...] = ()
    note: str = ""

    def rank(
        self, features: NDArray[np.float64], eligible: NDArray[np.bool_] | None = None
    ) -> Ranked:
        """Order the entries and say how sure the engine is that the first one answers."""
        scores = rank_scores(features, np.asarray(self.rank_weights), self.e5_blend)
        order = order_of(scores, eligible)
        if len(order) == 0:
            return Ranked(order, scores, 0.0, False)
        top = int(order[0])
        agreed = all(int(np.argmax(features[:, COLUMN[name]])) == top for name in self.answer_needs)
        confidence = self.confidence(decide_features(features, scores, order))
        return Ranked(order, scores, confidence, agreed)

    def confidence(self, inputs: NDArray[np.float64]) -> float:
        """P(the best entry answers) from its decide inputs."""
        mean = np.asarray(self.decide_mean) if self.decide_mean else 0.0
        scale = np.asarray(self.decide_scale) if self.decide_scale else 1.0
        z = ((inputs - mean) / scale) @ np.asarray(self.decide_weights) + self.decide_bias
        return float(1.0 / (1.0 + np.exp(-z)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Read a calibration; weights are matched to features by name, and a feature the file
        does not know gets weight 0 (so an older file still ranks, without the new evidence)."""
        data = json.loads(text)
        unknown = set(data["features"]) - set(FEATURES)
        unknown |= set(data["decide_features"]) - set(DECIDE_FEATURES)
        unknown |= set(data.get("answer_needs", ())) - set(FEATURES)
        if data.get("version") != CALIBRATION_VERSION or unknown:
            raise ValueError(
                "calibration file does not match this engine "
                f"(version {data.get('version')}, unknown features {sorted(unknown)})"
            )
        rank = dict(zip(data["features"], data["rank_weights"], strict=True))
        names = data["decide_features"]
        decide = dict(zip(names, data["decide_weights"], strict=True))
        mean = dict(zip(names, data.get("decide_mean") or [0.0] * len(names), strict=True))
        scale = dict(zip(names, data.get("decide_scale") or [1.0] * len(names), strict=True))
        return cls(
            rank_weights=tuple(float(rank.get(name, 0.0)) for name in FEATURES),
            decide_weights=tuple(float(decide.get(name, 0.0)) for name in DECIDE_FEATURES),
            decide_bias=float(data["decide_bias"]),
            threshold=float(data["threshold"]),
            suggest_threshold=float(data.get("suggest_threshold", 0.2)),
            e5_blend=float(data.get("e5_blend", 0.0)),
            decide_mean=tuple(float(mean.get(name, 0.0)) for name in DECIDE_FEATURES),
            decide_scale=tuple(float(scale.get(name, 1.0)) for name in DECIDE_FEATURES),
            baselines={
                str(k): (float(v[0]), float(v[1])) for k, v in data.get("baselines", {}).items()
            },
            answer_needs=tuple(str(n) for n in data.get("answer_needs", ())),
            note=data.get("note", ""),
        )


# The signals of the two neural encoders, zeroed to fit the calibration of an engine that runs
# without e5 (`ranker_model = "none"`: a small server, or tests with a tiny stand-in encoder).
# USE's columns go too: fitted beside e5, a model leans on the pair, and without e5 it would
# lean on USE alone — or, in a test, on a stand-in's noise. What is left is lexical, readings,
# facts and the intents.
NEURAL_FEATURES = ("e5", "e5_gap", "e5_phrasing", "e5_question", "dense_q", "dense_a", "dense_gap")
SHIPPED = "calibration.json"
SHIPPED_LEXICAL = "calibration-lexical.json"


def lexical_only(features: NDArray[np.float64]) -> NDArray[np.float64]:
    """A feature matrix with the neural encoders' columns zeroed (see `NEURAL_FEATURES`)."""
    out = features.copy()
    out[:, [COLUMN[name] for name in NEURAL_FEATURES]] = 0.0
    return out


@cache
def shipped_calibration(e5: bool = True) -> Calibration:
    """The calibration that ships with breachdesk: for the whole stack, or — for an engine
    without e5 — fitted on the same questions with the neural signals left out, so that its
    decide model never waits for an agreement e5 cannot give."""
    name = SHIPPED if e5 else SHIPPED_LEXICAL
    text = resources.files("breachdesk.answer").joinpath(name).read_text("utf-8")
    return Calibration.from_json(text)


def fit_listwise(
    matrices: list[NDArray[np.float64]],
    positives: list[NDArray[np.bool_]],
    *,
    l2: float = 0.01,
    iterations: int = 600,
    rate: float = 0.05,
) -> NDArray[np.float64]:
    """Rank weights maximising the softmax probability of the right entries.

    Adam on standardised features (the signals' scales differ a hundredfold: an e5 cosine moves
    in hundredths, a BM25 share in tenths), all questions padded into one array; the weights
    returned apply to the raw features (the shift standardising adds is the same for every
    entry of a question, so it does not change a ranking)."""
    stacked = np.vstack(matrices)
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0) + 1e-9
    width = max(len(m) for m in matrices)
    q, d = len(matrices), stacked.shape[1]
    x = np.zeros((q, width, d))
    present = np.zeros((q, width), dtype=bool)
    target = np.zeros((q, width))
    for i, (m, pos) in enumerate(zip(matrices, positives, strict=True)):
        x[i, : len(m)] = (m - mean) / scale
        present[i, : len(m)] = True
        target[i, : len(m)] = pos
    w = np.zeros(d)
    first = np.zeros(d)
    second = np.zeros(d)
    for step in range(1, iterations + 1):
        z = np.where(present, x @ w, -np.inf)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        right = np.where(target > 0, p, 0.0)
        right /= np.maximum(right.sum(axis=1, keepdims=True), 1e-300)
        grad = np.einsum("qm,qmd->d", p - right, x) / q + l2 * w
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad * grad
        w -= rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    weights: NDArray[np.float64] = w / scale
    return weights


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
