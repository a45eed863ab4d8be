"""BM25 over pre-tokenized documents, pure numpy.

Per-incident corpora are small (tens to a few thousand entries), so a dictionary of postings is
enough and keeps the index an inspectable JSON-able structure. Scores are also reported relative
to the query's own upper bound, which makes them comparable across queries for calibration.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from breachdesk import pacing


class BM25:
    """Okapi BM25 (Lucene's idf) over a fixed list of token lists."""

    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.n_docs = len(docs)
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        self.avg_len = float(lengths.mean()) if len(docs) and lengths.mean() > 0 else 1.0
        self._norm = k1 * (1.0 - b + b * lengths / self.avg_len)
        self.postings: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]] = {}
        df: Counter[str] = Counter()
        per_term: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(pacing.paced(docs)):
            for term, tf in Counter(doc).items():
                per_term.setdefault(term, []).append((i, tf))
                df[term] += 1
        self.idf: dict[str, float] = {
            t: math.log(1.0 + (self.n_docs - n + 0.5) / (n + 0.5)) for t, n in df.items()
        }
        for term, rows in pacing.paced(per_term.items()):
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            tfs = np.array([r[1] for r in rows], dtype=np.float64)
            self.postings[term] = (ids, tfs)

    def scores(self, query: Sequence[str]) -> NDArray[np.float64]:
        """BM25 score of every document for the query (repeated query terms count once)."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        for term in set(query):
            posting = self.postings.get(term)
            if posting is None:
                continue
            ids, tfs = posting
            out[ids] += self.idf[term] * tfs * (self.k1 + 1.0) / (tfs + self._norm[ids])
        return out

    def relative_scores(self, query: Sequence[str]) -> NDArray[np.float64]:
        """Scores divided by the query's upper bound, so 1.0 means 'every query term matched'."""
        return self.scores(query) / self.upper_bound_all(query)

    def upper_bound_all(self, query: Sequence[str]) -> float:
        """Like `upper_bound`, but query terms unknown to the corpus count with the highest idf."""
        terms = set(query)
        if not terms:
            return 1.0
        top = math.log(1.0 + (self.n_docs + 0.5) / 1.5)
        return sum(self.idf.get(t, top) for t in terms)
