"""The breach-intent classifier: multinomial logistic regression over USE vectors and lexical
features, shipped as inspectable weights.

`IntentModel.predict(texts, vectors)` returns an (n, K) matrix of intent probabilities (rows sum
to 1, columns in taxonomy order). With the texts' USE embeddings it uses the `both` weights
(dense vector + lexical features); without them (a desk running with `dense_model = none`) the
`lexical` weights, trained on the same data without the dense block, so the probabilities stay
calibrated rather than missing a block.

The shipped artefacts live in `intents/model/`: `intents.json` (format, version, the SHA-256 of
the phrasings they were trained on, the intent ids, the feature vocabulary and scales, held-out
figures) and one `.npy` per variant of shape (features + 1, K), the last row the bias. No pickle.
`python -m breachdesk.intents.train` rewrites them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from breachdesk.intents.features import SparseRows, Tokenizer, text_features, vectorise
from breachdesk.intents.taxonomy import data_sha256, intent_by_id

FORMAT = 1
DENSE_DIM = 512
META_FILE = "intents.json"
VARIANTS = ("both", "lexical")


@dataclass(frozen=True)
class FeatureScales:
    """How long each feature block's row is: the blocks' relative say in the logits."""

    dense: float = 1.0
    terms: float = 1.0
    chars: float = 1.0

    def to_dict(self) -> dict[str, float]:
        return {"dense": self.dense, "terms": self.terms, "chars": self.chars}


@dataclass
class Weights:
    """One variant's weights: `dense_dim` dense rows, then one row per vocabulary feature."""

    matrix: NDArray[np.float64]
    bias: NDArray[np.float64]
    dense_dim: int


@dataclass
class IntentModel:
    """Intent probabilities for questions and passages; see the module docstring."""

    intent_ids: tuple[str, ...]
    vocabulary: tuple[str, ...]
    scales: FeatureScales
    weights: dict[str, Weights]
    tokenizer: Tokenizer | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._columns = {feature: i for i, feature in enumerate(self.vocabulary)}

    @property
    def labels(self) -> tuple[str, ...]:
        """The intents' short Japanese labels, in column order."""
        known = intent_by_id()
        return tuple(known[i].label if i in known else i for i in self.intent_ids)

    def lexical_rows(self, texts: Sequence[str]) -> SparseRows:
        """The texts' lexical feature rows over the model's vocabulary."""
        return vectorise(
            [text_features(t, self._tokenizer()) for t in texts],
            self._columns,
            term_weight=self.scales.terms,
            char_weight=self.scales.chars,
        )

    def predict(
        self, texts: Sequence[str], vectors: NDArray[np.float32] | None = None
    ) -> NDArray[np.float64]:
        """(n, K) intent probabilities; `vectors` are the texts' USE embeddings, if at hand."""
        variant = "both" if vectors is not None and "both" in self.weights else "lexical"
        return self.predict_rows(self.lexical_rows(texts), vectors, variant)

    def predict_rows(
        self,
        rows: SparseRows,
        vectors: NDArray[np.float32] | NDArray[np.float64] | None,
        variant: str,
    ) -> NDArray[np.float64]:
        """Probabilities from prepared lexical rows (the training code reuses its rows)."""
        w = self.weights[variant]
        logits = np.tile(w.bias, (rows.n_rows, 1))
        if w.dense_dim:
            if vectors is None or vectors.shape != (rows.n_rows, w.dense_dim):
                raise ValueError(
                    f"the {variant!r} intent weights need ({rows.n_rows}, {w.dense_dim}) vectors"
                )
            logits += (self.scales.dense * np.asarray(vectors, dtype=np.float64)) @ w.matrix[
                : w.dense_dim
            ]
        logits += rows.matmul(w.matrix[w.dense_dim :])
        return softmax(logits)

    def top(self, probabilities: NDArray[np.float64], k: int = 3) -> list[list[tuple[str, float]]]:
        """Each row's `k` most probable intents with their probabilities."""
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [
            [(self.intent_ids[j], float(row[j])) for j in picks]
            for row, picks in zip(probabilities, order, strict=True)
        ]

    def classify(
        self, text: str, vector: NDArray[np.float32] | None = None, *, k: int = 3
    ) -> list[tuple[str, float]]:
        """One question's `k` most probable intents."""
        vectors = None if vector is None else np.asarray(vector, dtype=np.float32).reshape(1, -1)
        return self.top(self.predict([text], vectors), k)[0]

    def classify_passage(
        self,
        sentences: Sequence[str],
        vectors: NDArray[np.float32] | None = None,
        *,
        k: int = 3,
        min_confidence: float = 0.0,
    ) -> list[tuple[str, float]]:
        """A passage's intents from its own sentences: each intent's best sentence probability.

        Notice passages sit under headings that name a topic (「3 今後の対応」) rather than
        the questions the passage answers; one sentence saying 「カード会社へ再発行を…」 is the
        evidence, so the passage takes the maximum over its sentences, not the mean.
        """
        if not sentences:
            return []
        best = self.predict(sentences, vectors).max(axis=0)
        order = np.argsort(-best, kind="stable")[:k]
        return [(self.intent_ids[j], float(best[j])) for j in order if best[j] >= min_confidence]

    def save(self, directory: Path, meta: dict[str, Any]) -> None:
        """Write `intents.json` and one `.npy` per variant into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        files: dict[str, dict[str, Any]] = {}
        for name, w in self.weights.items():
            array = np.vstack([w.matrix, w.bias[None, :]]).astype(np.float32)
            np.save(directory / f"{name}.npy", array, allow_pickle=False)
            files[name] = {
                "file": f"{name}.npy",
                "dense_dim": w.dense_dim,
                "shape": list(array.shape),
            }
        document = {
            "format": FORMAT,
            **meta,
            "intent_ids": list(self.intent_ids),
            "scales": self.scales.to_dict(),
            "variants": files,
            "vocabulary": list(self.vocabulary),
        }
        (directory / META_FILE).write_text(
            json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer | None = None) -> IntentModel:
        """Read a model written by `save` (the tokenizer defaults to the production one)."""
        document = json.loads((directory / META_FILE).read_text("utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(
                f"{directory / META_FILE}: intent model format {document.get('format')} is not {FORMAT}"
            )
        n_features = len(document["vocabulary"])
        weights: dict[str, Weights] = {}
        for name, spec in document["variants"].items():
            array = np.load(directory / spec["file"], allow_pickle=False).astype(np.float64)
            dense_dim = int(spec["dense_dim"])
            if array.shape != (dense_dim + n_features + 1, len(document["intent_ids"])):
                raise ValueError(
                    f"{directory / spec['file']}: shape {array.shape} does not match {META_FILE}"
                )
            weights[name] = Weights(array[:-1], array[-1], dense_dim)
        meta = {k: v for k, v in document.items() if k not in {"vocabulary", "variants", "scales"}}
        return cls(
            intent_ids=tuple(document["intent_ids"]),
            vocabulary=tuple(document["vocabulary"]),
            scales=FeatureScales(**document["scales"]),
            weights=weights,
            tokenizer=tokenizer,
            meta=meta,
        )

    def _tokenizer(self) -> Tokenizer:
        if self.tokenizer is None:
            from breachdesk.text.tokens import default_tokenizer

            self.tokenizer = default_tokenizer()
        return self.tokenizer


def softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise softmax, shifted by each row's maximum so it never overflows."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    out: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return out


def shipped_model_dir() -> Path:
    """The folder of the shipped weights inside the installed package."""
    return Path(str(resources.files("breachdesk.intents").joinpath("model")))


@cache
def shipped_intent_model() -> IntentModel:
    """The shipped classifier, loaded once per process."""
    return IntentModel.load(shipped_model_dir())


def shipped_weights_are_current() -> bool:
    """Whether the shipped weights were trained on the phrasings now in the package."""
    return shipped_intent_model().meta.get("data_sha256") == data_sha256()


_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n+")


def passage_sentences(text: str, *, min_chars: int = 4) -> list[str]:
    """A passage split into sentences (at 。！？ and line breaks), dropping fragments."""
    return [s.strip() for s in _SENTENCE_END.split(text) if len(s.strip()) >= min_chars]


def classify_passage(
    sentences: Sequence[str],
    vectors: NDArray[np.float32] | None = None,
    *,
    k: int = 3,
    min_confidence: float = 0.0,
    model: IntentModel | None = None,
) -> list[tuple[str, float]]:
    """A passage's top intents from its sentences (see `IntentModel.classify_passage`)."""
    chosen = shipped_intent_model() if model is None else model
    return chosen.classify_passage(sentences, vectors, k=k, min_confidence=min_confidence)
