"""Sparse lexical features of a question, over a vocabulary fixed at training time.

Two blocks, each binary and scaled to unit length so neither drowns the other by its size:

- **terms**: the Sudachi content terms of `text.tokens` (normalised forms, compound parts,
  synonym groups, the breach vocabulary's folds), prefixed `t:`;
- **chars**: character 2- and 3-grams of the normalised, space-free text, prefixed `c:` — they
  carry what the tokenizer loses on kana-only and mistyped questions (「せきゅりてぃこーど」).

The vocabulary keeps features seen in at least two training phrasings: a feature seen once
only memorises that phrasing. Rows are kept as CSR arrays (numpy only, no scipy).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from breachdesk.text.normalise import char_ngrams

Tokenizer = Callable[[str], list[str]]
CHAR_SIZES = (2, 3)


@dataclass(frozen=True)
class SparseRows:
    """A CSR matrix: row i holds `values[indptr[i]:indptr[i+1]]` at `indices[...]`."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    values: NDArray[np.float32]
    n_columns: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @cached_property
    def _row_ids(self) -> NDArray[np.int64]:
        return np.repeat(np.arange(self.n_rows), np.diff(self.indptr))

    @cached_property
    def _by_column(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        order = np.argsort(self.indices, kind="stable")
        columns = self.indices[order]
        starts = np.flatnonzero(np.concatenate([[True], columns[1:] != columns[:-1]]))
        return order, columns[starts], starts

    def row_ids(self) -> NDArray[np.int64]:
        """The row of each stored value."""
        return self._row_ids

    def take(self, rows: Sequence[int] | NDArray[np.int64]) -> SparseRows:
        """The given rows, in the given order."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        picks = (
            np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
            if len(rows)
            else np.zeros(0, dtype=np.int64)
        ).astype(np.int64)
        return SparseRows(indptr, self.indices[picks], self.values[picks], self.n_columns)

    def matmul(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """`self @ weights` for a dense (n_columns, k) matrix."""
        out = np.zeros((self.n_rows, weights.shape[1]), dtype=np.float64)
        filled = np.diff(self.indptr) > 0
        if filled.any():
            contributions = weights[self.indices] * self.values[:, None]
            out[filled] = np.add.reduceat(contributions, self.indptr[:-1][filled], axis=0)
        return out

    def t_matmul(self, grad: NDArray[np.float64]) -> NDArray[np.float64]:
        """`self.T @ grad` for a dense (n_rows, k) matrix."""
        out = np.zeros((self.n_columns, grad.shape[1]), dtype=np.float64)
        if len(self.indices):
            order, columns, starts = self._by_column  # the same for every training step
            contributions = grad[self._row_ids[order]] * self.values[order, None]
            out[columns] = np.add.reduceat(contributions, starts, axis=0)
        return out


def term_features(text: str, tokenizer: Tokenizer) -> set[str]:
    """The term block's features of one text."""
    return {f"t:{term}" for term in tokenizer(text)}


def char_features(text: str) -> set[str]:
    """The character block's features of one text."""
    return {f"c:{gram}" for n in CHAR_SIZES for gram in char_ngrams(text, n)}


def text_features(text: str, tokenizer: Tokenizer | None) -> tuple[set[str], set[str]]:
    """Both blocks of one text (no term block without a tokenizer)."""
    terms = term_features(text, tokenizer) if tokenizer is not None else set()
    return terms, char_features(text)


def build_vocabulary(
    features: Iterable[tuple[set[str], set[str]]], *, min_count: int = 2
) -> tuple[str, ...]:
    """Features seen in at least `min_count` texts, terms first, each block sorted."""
    counts: Counter[str] = Counter()
    for terms, chars in features:
        counts.update(terms)
        counts.update(chars)
    kept = [f for f, c in counts.items() if c >= min_count]
    return tuple(sorted(f for f in kept if f.startswith("t:"))) + tuple(
        sorted(f for f in kept if f.startswith("c:"))
    )


def vectorise(
    features: Sequence[tuple[set[str], set[str]]],
    vocabulary: dict[str, int],
    *,
    term_weight: float = 1.0,
    char_weight: float = 1.0,
) -> SparseRows:
    """CSR rows of the known features, each block scaled to length `*_weight`."""
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for terms, chars in features:
        for block, weight in ((terms, term_weight), (chars, char_weight)):
            known = sorted(vocabulary[f] for f in block if f in vocabulary)
            if known and weight > 0:
                indices.extend(known)
                values.extend([weight / float(np.sqrt(len(known)))] * len(known))
        indptr.append(len(indices))
    return SparseRows(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(values, dtype=np.float32),
        len(vocabulary),
    )
