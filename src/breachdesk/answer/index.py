"""A per-incident retrieval index, built from the database's entries.

Built once per (incident, knowledge-base version) and held in memory; every stage is a pure
function of the entries, the tokenizer and the encoder, so tests can build one with tiny parts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from breachdesk import pacing
from breachdesk.answer.bm25 import BM25
from breachdesk.answer.dates import reference_day
from breachdesk.intents.classifier import DENSE_DIM, IntentModel
from breachdesk.kb.facts import Facts
from breachdesk.text.encoders import (
    EmbeddingCache,
    Encoder,
    QueryPassageEncoders,
    encode_in_batches,
)
from breachdesk.text.normalise import char_ngrams
from breachdesk.text.readings import KanaConverter, Readings, joined_reading, reading_ngrams
from breachdesk.text.tokens import Tokenizer

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
    # Intents stored with the version (classified at import or set by an editor), best first;
    # None: the index classifies the entry itself.
    intents: tuple[tuple[str, float], ...] | None = None

    @property
    def question_field(self) -> str:
        """The text a question is matched against: the section's last heading and the question."""
        last = self.section.split(" > ")[-1] if self.section else ""
        return self.question if not last or last in self.question else f"{last} {self.question}"

    @property
    def passage_text(self) -> str:
        """What e5 embeds of the entry: its question field, then its answer (e5 reads the first
        512 tokens, which holds the whole of nearly every entry)."""
        return f"{self.question_field}\n{self.answer}"


# A passage shorter than this (after its heading) is a heading or a label, never an answer; a
# published question's answer may be as short as it is (「流出いたしました。」).
_MIN_PASSAGE_CHARS = 12
# A remark (※ …) this short is a footnote to something else, not an answer of its own.
_FOOTNOTE_MAX_CHARS = 80
_FOOTNOTE = re.compile(r"^[※＊*]|^注[)）:：]")
# A pointer to the desk that says nothing else: 「ご不明な点は…お問い合わせください」.
_REFERRAL = re.compile(r"^(?:ご不明な点|ご不明点|ご質問|お問い?合わ?せ|詳しくは|詳細は)")
_PHONE = re.compile(r"\d{2,4}[-‐ー－]\d{2,4}[-‐ー－]\d{3,4}")
_SENTENCE = re.compile(r"[。．.!！?？]")


def offerable(entry: IndexEntry) -> bool:
    """Whether an entry may be an answer or a suggestion: a published question's answer, or a
    passage with a body that says something.

    Never a note (a letterhead, a signature, a closing apology, a pointer to the desk the
    importer recognised), a bare heading (no body, or a body that repeats it), a ※ footnote or a
    「ご不明な点は…」 pointer without a number to call. Such entries are also never ranked first.
    """
    if entry.kind == "note":
        return False
    body = entry.answer.strip()
    if not body or body == entry.question.strip():
        return False
    if entry.kind == "qa":
        return True
    if len(re.sub(r"\s", "", body)) < _MIN_PASSAGE_CHARS:
        return False
    if _FOOTNOTE.match(body) and len(body) <= _FOOTNOTE_MAX_CHARS:
        return False
    if _REFERRAL.match(body) and not _PHONE.search(body) and len(body) <= 120:
        return False
    # A few short lines without a sentence: a label, a signature or an address block. A desk's
    # contact block is a real answer (「電話番号は？」): it has digits.
    lines = [line for line in body.splitlines() if line.strip()]
    return bool(_SENTENCE.search(body) or any(c.isdigit() for c in body) or len(lines) > 3)


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
    # Each entry's breach-intent profile (rows: entries, columns: `intent_model.intent_ids`):
    # stored intents where an import or an editor set them, else classified here — a question
    # from its own text, a passage from its heading and each of its sentences (the best
    # sentence counts: a passage is labelled by what it says, not only by its heading).
    entry_intents: NDArray[np.float64] | None = None
    intent_model: IntentModel | None = None
    # Tokens and vectors by text, handed to the next build so that a changed knowledge base
    # only tokenizes and embeds the texts that changed.
    memo: TextMemo = field(default_factory=lambda: TextMemo({}, {}))
    # Which entries may be an answer or a suggestion (`engine.offerable`), by row.
    offerable: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    # What 去年 and 今年 in a question are counted from (`answer.dates.reference_day`).
    reference_day: dt.date | None = None
    # Readings: character bigrams of each question row's and each answer's reading, so a
    # question typed in kana meets the kanji of the documents (`text.readings`).
    readings_q: BM25 | None = None
    readings_a: BM25 | None = None
    # Re-writes a kana-typed question in the incident's own words.
    converter: KanaConverter | None = None
    # e5 (question side for question rows, passage side for entries): a ranker of its own.
    e5_passages: NDArray[np.float32] | None = None
    # e5 vectors of the question rows (the entries' question fields, then their attached
    # phrasings: question to question, both on the question side), owned like words_q's rows.
    e5_questions: NDArray[np.float32] | None = None

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
    intents: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    ngrams: dict[str, list[str]] = field(default_factory=dict)
    # Per text: its (written form, reading) words; keyed by encoder name: text → vector.
    words: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    encoded: dict[str, dict[str, NDArray[np.float32]]] = field(default_factory=dict)


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

    def intents(
        self, model: IntentModel, texts: Sequence[str], vectors: NDArray[np.float32] | None
    ) -> NDArray[np.float64]:
        """Intent probabilities of each text (rows), from the previous build where possible."""
        todo = [
            i
            for i, t in enumerate(texts)
            if t not in self.memo.intents and t not in self.old.intents
        ]
        if todo:
            rows = model.predict(
                [texts[i] for i in todo], None if vectors is None else vectors[todo]
            )
            self.memo.intents.update((texts[i], row) for i, row in zip(todo, rows, strict=True))
        for t in texts:
            if t not in self.memo.intents:
                self.memo.intents[t] = self.old.intents[t]
        return (
            np.vstack([self.memo.intents[t] for t in texts])
            if texts
            else np.zeros((0, len(model.intent_ids)))
        )

    def tokens(self, text: str) -> list[str]:
        found = self.memo.tokens.get(text)
        if found is None:
            found = self.old.tokens.get(text)
            if found is None:
                found = self.tokenizer(text)
            self.memo.tokens[text] = found
        return found

    def ngrams(self, text: str) -> list[str]:
        found = self.memo.ngrams.get(text)
        if found is None:
            found = self.old.ngrams.get(text)
            if found is None:
                found = char_ngrams(text)
            self.memo.ngrams[text] = found
        return found

    def words(self, readings: Readings, text: str) -> list[tuple[str, str]]:
        found = self.memo.words.get(text)
        if found is None:
            found = self.old.words.get(text)
            if found is None:
                found = readings.words(text)
            self.memo.words[text] = found
        return found

    def vectors(self, texts: Sequence[str]) -> NDArray[np.float32]:
        assert self.encoder is not None
        return self.encoded(self.encoder, texts, self.memo.vectors, self.old.vectors)

    def encoded(
        self,
        encoder: Encoder,
        texts: Sequence[str],
        memo: dict[str, NDArray[np.float32]] | None = None,
        old: dict[str, NDArray[np.float32]] | None = None,
    ) -> NDArray[np.float32]:
        """`encoder`'s vectors of `texts`, from this build, the previous one or the cache."""
        if memo is None:
            memo = self.memo.encoded.setdefault(encoder.name, {})
        if old is None:
            old = self.old.encoded.get(encoder.name, {})
        missing = [t for t in dict.fromkeys(texts) if t not in memo and t not in old]
        if missing:
            new = (
                self.cache.embed(encoder, missing)
                if self.cache is not None
                else encode_in_batches(encoder, missing)
            )
            memo.update(zip(missing, new, strict=True))
        for t in texts:
            if t not in memo:
                memo[t] = old[t]
        return np.vstack([memo[t] for t in texts]).astype(np.float32, copy=False)


def build_index(
    entries: Sequence[IndexEntry],
    tokenizer: Tokenizer,
    encoder: Encoder | None,
    cache: EmbeddingCache | None = None,
    previous: IncidentIndex | None = None,
    intent_model: IntentModel | None = None,
    *,
    readings: Readings | None = None,
    kana_words: Sequence[tuple[str, str]] = (),
    e5: QueryPassageEncoders | None = None,
) -> IncidentIndex:
    """Tokenize, count and embed the entries of one incident (reusing `previous`'s work for
    texts that did not change).

    With `readings`, the entries' readings are indexed too and a kana converter is built from
    their words and `kana_words` (words every incident shares: how askers write); with `e5`,
    each entry's passage and each attached phrasing are embedded by e5."""
    build = _Builder(tokenizer, encoder, cache, previous.memo if previous is not None else None)
    q_texts = [e.question_field for e in entries]
    q_owner = list(range(len(entries)))
    for i, e in enumerate(entries):
        for phrasing in e.phrasings:
            q_texts.append(phrasing)
            q_owner.append(i)
    # Long loops give way to the requests a web worker serves meanwhile (breachdesk.pacing).
    q_tokens = [build.tokens(t) for t in pacing.paced(q_texts)]
    a_tokens = [build.tokens(e.answer) for e in pacing.paced(entries)]
    terms = [set(a) for a in a_tokens]
    for owner, tokens in zip(q_owner, q_tokens, strict=True):
        terms[owner] |= set(tokens)
    vocabulary: set[str] = set()
    for entry_terms in pacing.paced(terms):
        vocabulary |= entry_terms
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
    entry_intents = None
    if intent_model is not None and entries:
        entry_intents = _entry_intents(
            entries, intent_model, build, question_vectors, chunk_vectors
        )
    # An unchanged entry version keeps its parsed facts.
    old_facts = (
        {_version_key(e): f for e, f in zip(previous.entries, previous.facts, strict=True)}
        if previous is not None
        else {}
    )
    facts = [_facts(e, old_facts) for e in pacing.paced(entries)]
    readings_q = readings_a = None
    converter = None
    if readings is not None:
        q_words = [build.words(readings, t) for t in pacing.paced(q_texts)]
        a_words = [build.words(readings, e.answer) for e in pacing.paced(entries)]
        readings_q = BM25([_reading_grams(w) for w in q_words])
        readings_a = BM25([_reading_grams(w) for w in a_words])
        vocabulary_words = [pair for words in (*q_words, *a_words) for pair in words]
        converter = KanaConverter([*vocabulary_words, *kana_words])
    e5_passages = e5_questions = None
    if e5 is not None and entries:
        e5_passages = build.encoded(e5.passage, [e.passage_text for e in entries])
        e5_questions = build.encoded(e5.query, q_texts)
    return IncidentIndex(
        entries=list(entries),
        words_q=BM25(q_tokens),
        words_a=BM25(a_tokens),
        chars_q=BM25([build.ngrams(t) for t in pacing.paced(q_texts)]),
        chars_a=BM25([build.ngrams(e.answer) for e in pacing.paced(entries)]),
        terms=terms,
        vocabulary=vocabulary,
        question_vectors=question_vectors,
        chunk_vectors=chunk_vectors,
        chunk_owner=np.array(owners, dtype=np.int64),
        facts=facts,
        question_owner=np.array(q_owner, dtype=np.int64),
        memo=build.memo,
        entry_intents=entry_intents,
        intent_model=intent_model,
        readings_q=readings_q,
        readings_a=readings_a,
        converter=converter,
        e5_passages=e5_passages,
        e5_questions=e5_questions,
        offerable=np.array([offerable(e) for e in entries], dtype=bool),
        reference_day=reference_day(facts),
    )


def _reading_grams(words: Sequence[tuple[str, str]]) -> list[str]:
    return reading_ngrams(joined_reading(words))


def _version_key(entry: IndexEntry) -> tuple[str, int, str, str]:
    return (entry.id, entry.version, entry.question, entry.answer)


def _facts(entry: IndexEntry, old: dict[tuple[str, int, str, str], Facts]) -> Facts:
    found = old.get(_version_key(entry))
    return found if found is not None else Facts.from_dict(entry.facts or {})


def _usable(model: IntentModel, vectors: NDArray[np.float32] | None) -> bool:
    """Whether `vectors` are the encoder the intent model was trained with (USE, 512-d)."""
    return vectors is not None and vectors.shape[1] == DENSE_DIM


def _entry_intents(
    entries: Sequence[IndexEntry],
    model: IntentModel,
    build: _Builder,
    question_vectors: NDArray[np.float32] | None,
    chunk_vectors: NDArray[np.float32] | None,
) -> NDArray[np.float64]:
    n = len(entries)
    q_vectors = question_vectors[:n] if question_vectors is not None else None
    profile = build.intents(
        model, [e.question_field for e in entries], q_vectors if _usable(model, q_vectors) else None
    ).copy()
    chunk_texts: list[str] = []
    chunk_of: list[int] = []
    chunk_rows: list[int] = []
    row = 0
    for i, e in enumerate(entries):
        for chunk in answer_chunks(e.answer):
            if e.kind != "qa":
                chunk_texts.append(chunk)
                chunk_of.append(i)
                chunk_rows.append(row)
            row += 1
    if chunk_texts:
        vectors = chunk_vectors[chunk_rows] if chunk_vectors is not None else None
        sentences = build.intents(model, chunk_texts, vectors if _usable(model, vectors) else None)
        np.maximum.at(profile, np.array(chunk_of, dtype=np.int64), sentences)
    columns = {intent: k for k, intent in enumerate(model.intent_ids)}
    for i, e in enumerate(entries):
        chosen = e.intents if e.intents is not None else top_intents(profile[i], model.intent_ids)
        profile[i] = 0.0
        for intent, p in chosen:
            if intent in columns:
                profile[i, columns[intent]] = p
    return profile


# An entry keeps its few most likely intents: what an import stores and an editor corrects.
ENTRY_INTENTS = 3
MIN_INTENT_P = 0.05


def top_intents(row: NDArray[np.float64], ids: Sequence[str]) -> list[tuple[str, float]]:
    """The entry's intents as stored: the `ENTRY_INTENTS` most likely, at least `MIN_INTENT_P`."""
    order = np.argsort(-row, kind="stable")[:ENTRY_INTENTS]
    return [(ids[k], round(float(row[k]), 4)) for k in order if row[k] >= MIN_INTENT_P]
