"""The answer engine: a question in, an `Answer` out — an approved entry verbatim, or the desk.

Holds one in-memory index per incident and rebuilds it when the incident's knowledge-base
version changes, so several workers on one database all serve the newest approved text.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from breachdesk import pacing
from breachdesk.answer.decide import Calibration, shipped_calibration
from breachdesk.answer.features import Query, Scored, score_features
from breachdesk.answer.index import (
    IncidentIndex,
    IndexEntry,
    build_index,
    top_intents,
)
from breachdesk.answer.model import (
    ABSTAINED,
    ANSWERED,
    SUGGESTED,
    Answer,
    Candidate,
    DeskCard,
    Suggestion,
)
from breachdesk.db import Database
from breachdesk.errors import InvalidInputError
from breachdesk.intents.classifier import IntentModel
from breachdesk.kb import editing, service
from breachdesk.kb.contacts import Contact
from breachdesk.text.encoders import EmbeddingCache, Encoder, QueryPassageEncoders
from breachdesk.text.normalise import as_self_reference
from breachdesk.text.readings import Readings, is_kana_typed, vocabulary_words
from breachdesk.text.tokens import Tokenizer

JST = ZoneInfo("Asia/Tokyo")
logger = logging.getLogger(__name__)
MAX_SUGGESTIONS = 5
# Suggestions come from this many of the best-ranked entries, skipping those that cannot answer.
SUGGESTION_POOL = 8


@dataclass
class _Loaded:
    version: int
    index: IncidentIndex
    contacts: list[Contact]


class AnswerEngine:
    """Answers questions against the incidents of one database."""

    def __init__(
        self,
        db: Database,
        *,
        tokenizer: Tokenizer,
        encoder: Encoder | None,
        cache: EmbeddingCache | None = None,
        calibration: Calibration | None = None,
        threshold: float | None = None,
        max_question_chars: int = 1000,
        refresh_seconds: float = 0.0,
        recent_size: int = 4096,
        rebuild_in_background: bool = False,
        intent_model: IntentModel | None = None,
        readings: Readings | None = None,
        e5: QueryPassageEncoders | None = None,
        query_encoder: Encoder | None = None,
    ) -> None:
        self.db = db
        self.tokenizer = tokenizer
        self.encoder = encoder
        # The questions' side of `encoder` (the web shares its calls across concurrent
        # requests, `text.batching`); the index is built with `encoder` itself.
        self.query_encoder = query_encoder or encoder
        self.cache = cache
        self.calibration = calibration or shipped_calibration(e5=e5 is not None)
        self.threshold = self.calibration.threshold if threshold is None else threshold
        self.suggest_threshold = min(self.calibration.suggest_threshold, self.threshold)
        self.max_question_chars = max_question_chars
        self._loaded: dict[str, _Loaded] = {}
        self._lock = threading.Lock()
        # How long a checked knowledge-base version is trusted before the database is asked
        # again (0: every question). Several workers pick up a change within this time.
        self.refresh_seconds = refresh_seconds
        self._checked: dict[str, float] = {}
        self.rebuild_in_background = rebuild_in_background
        self.intent_model = intent_model
        self.readings = readings
        self.e5 = e5
        self._rebuilding: dict[str, threading.Thread] = {}
        self._slug_locks: dict[str, threading.Lock] = {}
        # Answers to recently asked identical questions, keyed by knowledge-base version, so
        # a change invalidates them; the desk card is recomputed on every hit.
        self._recent: OrderedDict[tuple[str, int, str], Answer] = OrderedDict()
        self._recent_size = recent_size
        self._kana_words: list[tuple[str, str]] | None = None

    def load(self, slug: str) -> _Loaded:
        """The incident's index, rebuilt if its knowledge base changed since it was built.

        With `rebuild_in_background`, a changed incident keeps being served from the index it
        has while a thread builds the new one (only changed texts are tokenized and embedded),
        so an import or an approval never stalls the questions being asked meanwhile.
        """
        loaded = self._loaded.get(slug)
        checked = self._checked.get(slug)
        now = time.monotonic()
        if loaded is not None and checked is not None and now - checked < self.refresh_seconds:
            return loaded
        version = service.kb_version(self.db, slug)
        self._checked[slug] = now
        if loaded is not None and loaded.version == version:
            return loaded
        if loaded is not None and self.rebuild_in_background:
            self._rebuild_later(slug)
            return loaded
        return self._rebuild(slug)

    def classified_intents(self, slug: str) -> dict[tuple[str, int], list[dict[str, Any]]]:
        """The intents the index gave each entry version that had none stored, to store them:
        {(entry id, version): [{"intent", "p"}, …]} (empty without an intent model)."""
        loaded = self._rebuild(slug)
        index = loaded.index
        if index.intent_model is None or index.entry_intents is None:
            return {}
        ids = index.intent_model.intent_ids
        return {
            (e.id, e.version): [
                {"intent": i, "p": p} for i, p in top_intents(index.entry_intents[row], ids)
            ]
            for row, e in enumerate(index.entries)
            if e.intents is None
        }

    def is_ready(self, slug: str) -> bool:
        """Whether `slug` has an index in memory (a first question would otherwise build it)."""
        return slug in self._loaded

    def wait_for_rebuilds(self, timeout: float | None = None) -> None:
        """Block until the background rebuilds started so far have finished."""
        for thread in list(self._rebuilding.values()):
            thread.join(timeout)

    def _rebuild_later(self, slug: str) -> None:
        with self._lock:
            running = self._rebuilding.get(slug)
            if running is not None and running.is_alive():
                return
            thread = threading.Thread(
                target=self._rebuild_quietly, args=(slug,), name=f"rebuild-{slug}", daemon=True
            )
            self._rebuilding[slug] = thread
            thread.start()

    def _rebuild_quietly(self, slug: str) -> None:
        try:
            self._rebuild(slug)
        except Exception:  # the previous index keeps serving; the next check tries again
            logger.exception("rebuilding the index of %s failed", slug)
            self._checked.pop(slug, None)

    def _rebuild(self, slug: str) -> _Loaded:
        with self._slug_lock(slug), pacing.long_work(freeze=True):
            version = service.kb_version(self.db, slug)
            loaded = self._loaded.get(slug)
            if loaded is not None and loaded.version == version:
                return loaded
            view = service.describe_incident(self.db, slug, with_facts=False)
            phrasings = editing.phrasings(self.db, slug)
            entries = [
                IndexEntry(
                    id=e.id,
                    kind=e.kind,
                    section=e.section,
                    question=e.question,
                    answer=e.answer,
                    version=e.version,
                    source=f"{e.file_name}:{e.line_start}-{e.line_end}",
                    facts=e.facts,
                    phrasings=phrasings.get(e.id, ()),
                    intents=(
                        tuple((str(i["intent"]), float(i["p"])) for i in e.intents)
                        if e.intents is not None
                        else None
                    ),
                )
                for e in pacing.paced(service.list_entries(self.db, slug))
            ]
            index = self._build(entries, loaded.index if loaded is not None else None)
            loaded = _Loaded(view.kb_version, index, [Contact.from_dict(c) for c in view.contacts])
            self._loaded[slug] = loaded
            return loaded

    def _slug_lock(self, slug: str) -> threading.Lock:
        with self._lock:
            return self._slug_locks.setdefault(slug, threading.Lock())

    def check_question(self, question: str) -> str:
        text = question.strip()
        if not text:
            raise InvalidInputError("the question is empty")
        if len(text) > self.max_question_chars:
            raise InvalidInputError(
                f"the question is {len(text):,} characters; the limit is {self.max_question_chars:,}"
            )
        return text

    def kana_words(self) -> list[tuple[str, str]]:
        """Words every incident's kana converter knows besides its own: how askers write
        (the intent taxonomy's phrasings), read once per engine."""
        if self.readings is None:
            return []
        if self._kana_words is None:
            from breachdesk.intents.taxonomy import load_phrasings

            texts = [t for lines in load_phrasings().values() for t in lines]
            self._kana_words = vocabulary_words(self.readings, texts)
        return self._kana_words

    def query(self, question: str, index: IncidentIndex) -> Query:
        """The question as the scoring stage sees it: re-written in the incident's words when it
        was typed in kana, the sender a message impersonates written as 当社 (as the documents
        say it), embedded, and read."""
        text = question
        if index.converter is not None and is_kana_typed(question):
            text = index.converter.convert(question)
        text = as_self_reference(text)
        vectors = (
            self.query_encoder.encode(query_parts(text)) if self.query_encoder is not None else None
        )
        e5 = self.e5.query.encode([text])[0] if self.e5 is not None else None
        reading: tuple[str, ...] = ()
        if self.readings is not None:
            reading = tuple(self.readings.ngrams(question))
        return Query(text, question, vectors, e5, reading)

    def with_phrasings(self, slug: str, phrasings: Mapping[str, Sequence[str]]) -> IncidentIndex:
        """The incident's index as it would be with more phrasings attached (entry id → texts),
        built beside the served one without touching the database: how calibration shows the
        decide model a desk that has learnt from its askers."""
        loaded = self.load(slug)
        entries = [
            replace(e, phrasings=(*e.phrasings, *phrasings.get(e.id, ())))
            for e in loaded.index.entries
        ]
        return self._build(entries, loaded.index)

    def _build(
        self, entries: Sequence[IndexEntry], previous: IncidentIndex | None
    ) -> IncidentIndex:
        """An index of `entries` with this engine's parts, reusing `previous`'s work."""
        return build_index(
            entries,
            self.tokenizer,
            self.encoder,
            self.cache,
            previous=previous,
            intent_model=self.intent_model,
            readings=self.readings,
            kana_words=self.kana_words(),
            e5=self.e5,
        )

    def score_on(self, index: IncidentIndex, question: str) -> Scored:
        """Feature matrix of a question against a given index (see `with_phrasings`)."""
        return score_features(self.query(question, index), index, self.tokenizer)

    def score(
        self, slug: str, question: str, loaded: _Loaded | None = None
    ) -> tuple[_Loaded, Scored]:
        """Feature matrix of a question against an incident (used by `ask` and by calibration)."""
        loaded = loaded or self.load(slug)
        query = self.query(question, loaded.index)
        return loaded, score_features(query, loaded.index, self.tokenizer)

    def recent(self, slug: str, question: str, *, now: datetime | None = None) -> Answer | None:
        """The answer to the same question asked lately of the same knowledge base, if this
        engine still holds it (microseconds: the web answers these without a thread)."""
        text = self.check_question(question)
        loaded = self.load(slug)
        hit = self._recent.get((slug, loaded.version, text))
        if hit is None:
            return None
        return replace(hit, contact=desk_card(loaded.contacts, now or datetime.now(JST)))

    def ask(self, slug: str, question: str, *, now: datetime | None = None) -> Answer:
        """Answer one question with an approved entry verbatim, or abstain with the desk."""
        hit = self.recent(slug, question, now=now)
        if hit is not None:
            return hit
        text = self.check_question(question)
        loaded = self.load(slug)
        key = (slug, loaded.version, text)
        answer = self._answer(slug, text, loaded, now)
        with self._lock:
            self._recent[key] = answer
            while len(self._recent) > self._recent_size:
                self._recent.popitem(last=False)
        return answer

    def _answer(self, slug: str, text: str, loaded: _Loaded, now: datetime | None) -> Answer:
        loaded, scored = self.score(slug, text, loaded)
        desk = desk_card(loaded.contacts, now or datetime.now(JST))
        entries = loaded.index.entries
        if not entries:
            return Answer(slug, text, False, None, None, None, None, None, None, 0.0, [], desk)
        intent = asked_intent(loaded.index, scored)
        eligible = loaded.index.offerable
        ranked = self.calibration.rank(scored.features, eligible)
        order = [int(i) for i in ranked.order]
        best = entries[order[0]]
        # An incident with nothing that can be an answer (only notes) answers nothing.
        score = ranked.confidence if eligible[order[0]] else 0.0
        # Runner-ups are shown as "もしかして" links, scored by their share of the rank softmax.
        shares = np.exp(ranked.scores - ranked.scores[order[0]])
        shares /= shares.sum()
        candidates = [
            Candidate(entries[i].id, entries[i].question, float(shares[i])) for i in order[1:3]
        ]
        if score >= self.threshold and ranked.agreed:
            return Answer(
                incident=slug,
                question=text,
                answered=True,
                answer=best.answer,
                matched_question=best.question,
                entry=best.id,
                entry_version=best.version,
                section=best.section or None,
                source=best.source,
                score=score,
                candidates=candidates,
                contact=desk,
                outcome=ANSWERED,
                intent=intent,
            )
        suggestions: list[Suggestion] = []
        if score >= self.suggest_threshold:
            suggestions = [
                Suggestion(
                    entries[i].id,
                    entries[i].question,
                    entries[i].answer,
                    entries[i].section or None,
                )
                for i in order[:SUGGESTION_POOL]
                if eligible[i]
            ][:MAX_SUGGESTIONS]
        top = Candidate(best.id, best.question, float(shares[order[0]]))
        return Answer(
            incident=slug,
            question=text,
            answered=False,
            answer=None,
            matched_question=None,
            entry=None,
            entry_version=None,
            section=None,
            source=None,
            score=score,
            candidates=[top, *candidates][:3],
            contact=desk,
            outcome=SUGGESTED if suggestions else ABSTAINED,
            suggestions=suggestions,
            intent=intent,
        )

    def ask_many(self, items: Sequence[tuple[str, str]]) -> list[Answer]:
        """Answer (incident, question) pairs in order."""
        return [self.ask(slug, q) for slug, q in items]


# The question's top intent is reported when the intent model gives it at least this share.
MIN_ASKED_INTENT_P = 0.3


def asked_intent(index: IncidentIndex, scored: Scored) -> str | None:
    """The question's most likely breach intent, or None when the model is unsure or absent."""
    if scored.intents is None or index.intent_model is None or not len(scored.intents):
        return None
    best = int(np.argmax(scored.intents))
    if scored.intents[best] < MIN_ASKED_INTENT_P:
        return None
    return index.intent_model.intent_ids[best]


_CLAUSE_END = re.compile(r"(?<=[。？！?!])|\n+")


def query_parts(question: str) -> list[str]:
    """The question, then its sentences when it has several: people often put the context first
    ("…で買いました。") and the actual question last, and each part is matched on its own."""
    parts = [p.strip() for p in _CLAUSE_END.split(question) if len(p.strip()) >= 4]
    return [question, *parts[:3]] if len(parts) > 1 else [question]


def desk_card(contacts: Sequence[Contact], now: datetime) -> DeskCard | None:
    """The incident's main desk, with whether it is open at `now` (JST, holidays included)."""
    if not contacts:
        return None
    c = contacts[0]
    return DeskCard(
        label=c.label, phone=c.phone, hours=c.hours_text, mail=c.mail, open_now=c.is_open(now)
    )
