"""A per-incident retrieval index, built from the database's entries.

Built once per (incident, knowledge-base version) and held in memory; every stage is a pure
function of the entries, the tokenizer and the encoder, so tests can build one with tiny parts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.bm25 import BM25
from breachdesk.answer.dense import EmbeddingCache, Encoder
from breachdesk.answer.normalise import char_ngrams
from breachdesk.answer.tokens import Tokenizer
from breachdesk.kb.facts import Facts

_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n+")
MAX_CHUNKS = 40


@dataclass(frozen=True)
class IndexEntry:
    """The parts of an entry that retrieval and the answer need."""

    id: str
    kind: str
    section: str
    question: str
    answer: str
    version: int = 1
    source: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    # Other ways people asked this question, attached by an editor from the review queue.
    phrasings: tuple[str, ...] = ()

    @property
    def question_field(self) -> str:
        """The text a question is matched against: the section's last heading and the question."""
        last = self.section.split(" > ")[-1] if self.section else ""
        return self.question if not last or last in self.question else f"{last} {self.question}"


def answer_chunks(answer: str) -> list[str]:
    """Sentences and lines of an answer, for sentence-level dense matching of long passages."""
    parts = [p.strip() for p in _SENTENCE_END.split(answer)]
    chunks = [p for p in parts if len(p) >= 6]
    return chunks[:MAX_CHUNKS] or [answer[:500]]


@dataclass
class IncidentIndex:
    """Lexical and dense views of one incident's entries."""

    entries: list[IndexEntry]
    words_q: BM25
    words_a: BM25
    chars_q: BM25
    chars_a: BM25
    terms: list[set[str]]
    vocabulary: set[str]
    question_vectors: NDArray[np.float32] | None
    chunk_vectors: NDArray[np.float32] | None
    chunk_owner: NDArray[np.int64]
    facts: list[Facts]
    # Row i of words_q / chars_q / question_vectors belongs to entry question_owner[i]: each
    # entry's question field first, then its attached phrasings.
    question_owner: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    # Tokens and vectors by text, handed to the next build so that a changed knowledge base
    # only tokenizes and embeds the texts that changed.
    memo: TextMemo = field(default_factory=lambda: TextMemo({}, {}))

    def by_entry(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-entry maximum of per-question-row scores (the best phrasing counts)."""
        n = len(self.entries)
        if len(values) == n:
            return values
        best = np.full(n, -np.inf)
        np.maximum.at(best, self.question_owner, values)
        return best


@dataclass(frozen=True)
class TextMemo:
    """What an index build computed per text: tokens, and vectors (for one encoder)."""

    tokens: dict[str, list[str]]
    vectors: dict[str, NDArray[np.float32]]


class _Builder:
    """Tokens and vectors of texts, taken from the previous build where the text is the same."""

    def __init__(
        self,
        tokenizer: Tokenizer,
        encoder: Encoder | None,
        cache: EmbeddingCache | None,
        previous: TextMemo | None,
    ) -> None:
        self.tokenizer, self.encoder, self.cache = tokenizer, encoder, cache
        self.old = previous or TextMemo({}, {})
        self.memo = TextMemo({}, {})

    def tokens(self, text: str) -> list[str]:
        found = self.memo.tokens.get(text)
        if found is None:
            found = self.old.tokens.get(text)
            if found is None:
                found = self.tokenizer(text)
            self.memo.tokens[text] = found
        return found

    def vectors(self, texts: Sequence[str]) -> NDArray[np.float32]:
        assert self.encoder is not None
        missing = [
            t
            for t in dict.fromkeys(texts)
            if t not in self.memo.vectors and t not in self.old.vectors
        ]
        if missing:
            encoder = self.encoder
            new = (
                self.cache.embed(encoder, missing)
                if self.cache is not None
                else encoder.encode(missing)
            )
            self.memo.vectors.update(zip(missing, new, strict=True))
        for t in texts:
            if t not in self.memo.vectors:
                self.memo.vectors[t] = self.old.vectors[t]
        return np.vstack([self.memo.vectors[t] for t in texts]).astype(np.float32, copy=False)


def build_index(
    entries: Sequence[IndexEntry],
    tokenizer: Tokenizer,
    encoder: Encoder | None,
    cache: EmbeddingCache | None = None,
    previous: IncidentIndex | None = None,
) -> IncidentIndex:
    """Tokenize, count and embed the entries of one incident (reusing `previous`'s work for
    texts that did not change)."""
    build = _Builder(tokenizer, encoder, cache, previous.memo if previous is not None else None)
    q_texts = [e.question_field for e in entries]
    q_owner = list(range(len(entries)))
    for i, e in enumerate(entries):
        for phrasing in e.phrasings:
            q_texts.append(phrasing)
            q_owner.append(i)
    q_tokens = [build.tokens(t) for t in q_texts]
    a_tokens = [build.tokens(e.answer) for e in entries]
    terms = [set(a) for a in a_tokens]
    for owner, tokens in zip(q_owner, q_tokens, strict=True):
        terms[owner] |= set(tokens)
    vocabulary = set().union(*terms) if terms else set()
    question_vectors = chunk_vectors = None
    owners: list[int] = []
    if encoder is not None and entries:
        question_vectors = build.vectors(q_texts)
        chunks: list[str] = []
        for i, e in enumerate(entries):
            for chunk in answer_chunks(e.answer):
                chunks.append(chunk)
                owners.append(i)
        chunk_vectors = build.vectors(chunks)
    return IncidentIndex(
        entries=list(entries),
        words_q=BM25(q_tokens),
        words_a=BM25(a_tokens),
        chars_q=BM25([char_ngrams(t) for t in q_texts]),
        chars_a=BM25([char_ngrams(e.answer) for e in entries]),
        terms=terms,
        vocabulary=vocabulary,
        question_vectors=question_vectors,
        chunk_vectors=chunk_vectors,
        chunk_owner=np.array(owners, dtype=np.int64),
        facts=[Facts.from_dict(e.facts) if e.facts else Facts.from_dict({}) for e in entries],
        question_owner=np.array(q_owner, dtype=np.int64),
        memo=build.memo,
    )
