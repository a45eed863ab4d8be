"""Scoring stage: the evidence that a question and an entry match, as a feature matrix.

Each row is an entry, each column one signal in [0, 1]-ish range. The decide stage turns the
rows into calibrated probabilities; nothing here knows about thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.dates import date_scores
from breachdesk.answer.index import IncidentIndex
from breachdesk.answer.intent import intent_scores
from breachdesk.answer.items import item_scores
from breachdesk.intents.classifier import DENSE_DIM
from breachdesk.text.normalise import char_ngrams
from breachdesk.text.tokens import Tokenizer

FEATURES = (
    "words_q",  # BM25 on Sudachi terms, question field, relative to the query's upper bound
    "words_a",  # the same on the answer
    "chars_q",  # BM25 on character bigrams (typos, unknown words), question field
    "chars_a",  # the same on the answer
    "dense_q",  # USE cosine with the question
    "dense_a",  # USE cosine with the best-matching answer sentence
    "coverage",  # share of the question's terms found in the entry
    "date",  # the entry settles a date the question names
    "unknown",  # share of the question's terms unknown to the whole incident (same on each row)
    "passage",  # the entry is a notice passage rather than a published question
    "dense_gap",  # how far this entry's dense score is from the best one
    "words_gap",  # how far this entry's lexical score is from the best one
    "chars_gap",  # the same for character bigrams
    "intent",  # the entry holds the kind of fact asked for (a date, a count, a desk, a reason)
    "item",  # the entry settles (leaked or not) the data item a leak question names
    "intents",  # the question's breach-intent distribution against the entry's intent profile
    "e5",  # multilingual-e5-small cosine: the question (query side) with the entry's passage
    "e5_gap",  # how far this entry's e5 score is from the best one
    "e5_phrasing",  # e5 cosine with the closest phrasing an editor attached to the entry
    "e5_question",  # e5 cosine, question to question: the entry's question field or a phrasing
    "readings_q",  # BM25 on reading bigrams, question field (kana-typed questions, typos)
    "readings_a",  # the same on the answer
)
COLUMN = {name: i for i, name in enumerate(FEATURES)}


def question_intents(
    index: IncidentIndex, question: str, query_vectors: NDArray[np.float32] | None
) -> NDArray[np.float64]:
    """The question's intent probabilities (the whole question: row 0 of `query_vectors`)."""
    assert index.intent_model is not None
    vector = None
    if query_vectors is not None and query_vectors.shape[1] == DENSE_DIM:
        vector = query_vectors[:1]
    row: NDArray[np.float64] = index.intent_model.predict([question], vector)[0]
    return row


@dataclass(frozen=True)
class Query:
    """A question as the scoring stage sees it.

    `text` is what is matched: the question as asked, or — when it was typed in kana — as the
    incident's kana converter re-wrote it (`original` keeps what was asked). `vectors` are USE's
    rows (the whole text, then its sentences), `e5` e5's question-side vector, and `reading`
    the character bigrams of the question's reading.
    """

    text: str
    original: str
    vectors: NDArray[np.float32] | None = None
    e5: NDArray[np.float32] | None = None
    reading: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scored:
    """The feature matrix of one question against one incident's index."""

    features: NDArray[np.float64]
    query_terms: list[str]
    # The question's breach-intent distribution (columns: the intent model's ids), if any.
    intents: NDArray[np.float64] | None = None


def score_features(query: Query, index: IncidentIndex, tokenizer: Tokenizer) -> Scored:
    """Compute every feature of every entry for `query`."""
    question = query.text
    query_vectors = query.vectors
    n = len(index.entries)
    terms = tokenizer(question)
    words = [t for t in terms if not t.startswith("~")]
    grams = char_ngrams(question)
    f = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return Scored(f, terms)
    f[:, 0] = index.by_entry(index.words_q.relative_scores(terms))
    f[:, 1] = index.words_a.relative_scores(terms)
    f[:, 2] = index.by_entry(index.chars_q.relative_scores(grams))
    f[:, 3] = index.chars_a.relative_scores(grams)
    if (
        query_vectors is not None
        and index.question_vectors is not None
        and index.chunk_vectors is not None
    ):
        # Rows of query_vectors: the whole question, then its sentences; the best part counts.
        f[:, 4] = index.by_entry((index.question_vectors @ query_vectors.T).max(axis=1))
        chunk_sims = (index.chunk_vectors @ query_vectors.T).max(axis=1)
        best = np.full(n, -1.0)
        np.maximum.at(best, index.chunk_owner, chunk_sims)
        f[:, 5] = best
    unique = set(words)
    if unique:
        f[:, 6] = [len(unique & t) / len(unique) for t in index.terms]
        f[:, 8] = len(unique - index.vocabulary) / len(unique)
    else:
        f[:, 8] = 1.0
    f[:, 7] = date_scores(question, index.facts, index.reference_day)
    f[:, 9] = [1.0 if e.kind != "qa" else 0.0 for e in index.entries]
    dense = np.maximum(f[:, 4], f[:, 5])
    f[:, 10] = dense.max() - dense
    lexical = f[:, 0] + f[:, 1]
    f[:, 11] = lexical.max() - lexical
    chars = f[:, 2] + f[:, 3]
    f[:, 12] = chars.max() - chars
    f[:, 13] = intent_scores(question, index.facts, [e.answer for e in index.entries])
    f[:, 14] = item_scores(question, index.facts)
    asked = None
    if index.intent_model is not None and index.entry_intents is not None:
        asked = question_intents(index, question, query_vectors)
        f[:, 15] = index.entry_intents @ asked
    if query.e5 is not None and index.e5_passages is not None:
        e5 = index.e5_passages @ query.e5
        f[:, COLUMN["e5"]] = e5
        f[:, COLUMN["e5_gap"]] = e5.max() - e5
        if index.e5_questions is not None:
            rows = index.e5_questions @ query.e5
            f[:, COLUMN["e5_question"]] = index.by_entry(rows.astype(np.float64))
            if len(rows) > n:  # attached phrasings
                best = np.zeros(n)
                np.maximum.at(best, index.question_owner[n:], rows[n:])
                f[:, COLUMN["e5_phrasing"]] = best
    if query.reading and index.readings_q is not None and index.readings_a is not None:
        f[:, COLUMN["readings_q"]] = index.by_entry(index.readings_q.relative_scores(query.reading))
        f[:, COLUMN["readings_a"]] = index.readings_a.relative_scores(query.reading)
    return Scored(f, terms, asked)
