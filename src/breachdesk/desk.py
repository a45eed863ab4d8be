"""`Desk`: the one object the CLI and the web app build and call.

It owns the settings, the database and (lazily, because loading models takes a second) the
answer engine. Faces parse input, call a `Desk` method, and format what comes back.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from breachdesk import pacing
from breachdesk.answer.evaluation import Question, read_questions, score_results
from breachdesk.answer.model import Answer
from breachdesk.answer.training import find_training_incidents
from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db import Database, open_database
from breachdesk.errors import InvalidInputError
from breachdesk.inquiries import service as inquiries
from breachdesk.inquiries.figures import store_daily_tables
from breachdesk.kb import editing, service
from breachdesk.kb.scope import (
    CHANNELS,
    PAYMENTS,
    PublishedScope,
    ScopeAnswer,
    check_scope,
    read_scope,
)
from breachdesk.review import service as review

if TYPE_CHECKING:  # the engine, numpy, Sudachi and the encoder load only when something is asked
    from sqlalchemy.orm import Session

    from breachdesk.answer.decide import Calibration
    from breachdesk.answer.engine import AnswerEngine
    from breachdesk.db.tables import Incident
    from breachdesk.notify.desk import NotifyDesk
    from breachdesk.register.desk import RegisterDesk
    from breachdesk.review.log import QuestionLog
    from breachdesk.text.encoders import Encoder
    from breachdesk.text.tokens import Tokenizer


@dataclass(frozen=True)
class PublicAnswer:
    """An answer shown to the public, with the id of its log row and the token its asker
    sends back with feedback or a suggestion choice (both None for an unlogged draft)."""

    answer: Answer
    question_id: int | None
    feedback_token: str | None = None


class Desk:
    """breachdesk over one database."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        tokenizer: Tokenizer | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        self.settings = settings
        self.db = db or open_database(settings.db)
        self._tokenizer = tokenizer
        self._encoder = encoder
        # Each incident's published scope, read once per knowledge-base version.
        self._scopes: dict[str, tuple[int, PublishedScope]] = {}
        self._scopes_lock = threading.Lock()
        self._batched_log = False
        self._batched_encoders = False

    @cached_property
    def engine(self) -> AnswerEngine:
        from breachdesk.answer.engine import AnswerEngine
        from breachdesk.intents.classifier import shipped_intent_model
        from breachdesk.text.encoders import (
            EmbeddingCache,
            QueryPassageEncoders,
            UseEncoder,
            e5_encoders,
        )
        from breachdesk.text.readings import default_readings
        from breachdesk.text.tokens import default_tokenizer

        encoder = self._encoder
        if encoder is None and self.settings.dense_model == "use":
            encoder = UseEncoder()
        e5 = None
        if self._encoder is None and self.settings.ranker_model == "e5":
            e5 = e5_encoders(self.settings.e5_threads)
        query_encoder = encoder
        if self._batched_encoders:
            from breachdesk.text.batching import BatchingEncoder

            # Concurrent requests' questions share model calls; the index builds apart.
            query_encoder = BatchingEncoder(encoder) if encoder is not None else None
            if e5 is not None:
                e5 = QueryPassageEncoders(BatchingEncoder(e5.query), e5.passage)
        return AnswerEngine(
            self.db,
            intent_model=shipped_intent_model() if self.settings.intents else None,
            tokenizer=self._tokenizer or default_tokenizer(),
            encoder=encoder,
            cache=EmbeddingCache(self.settings.cache_dir / "embeddings"),
            threshold=self.settings.answer_threshold,
            max_question_chars=self.settings.max_question_chars,
            refresh_seconds=self.settings.kb_refresh_seconds,
            rebuild_in_background=self.settings.kb_rebuild_in_background,
            recent_size=self.settings.answer_cache_size,
            readings=default_readings() if self._tokenizer is None else None,
            e5=e5,
            query_encoder=query_encoder,
        )

    def batch_encoders(self) -> None:
        """Share encoder calls across concurrent questions (`text.batching`); the web app
        does, before the engine is built."""
        self._batched_encoders = True

    @cached_property
    def question_log(self) -> QuestionLog:
        """This process's batch writer of public questions (`review.log`)."""
        from breachdesk.review.log import QuestionLog

        return QuestionLog(self.db)

    def batch_question_log(self) -> None:
        """Log public questions through `question_log` from now on (the web app does: a
        request never waits for the database's writer); else each is written before
        `log_public_answer` returns."""
        self._batched_log = True

    def flush_question_log(self) -> None:
        """Wait until this process's logged questions are written (a no-op when unbatched)."""
        if self._batched_log:
            self.question_log.flush()

    def close(self) -> None:
        """Write what the question log holds; the web app calls it on shutdown."""
        if self._batched_log:
            self.question_log.close()

    @cached_property
    def register(self) -> RegisterDesk:
        """The affected-person register; its master key is read when first needed."""
        from breachdesk.register.desk import RegisterDesk

        return RegisterDesk(self.db, self.settings)

    @cached_property
    def notify(self) -> NotifyDesk:
        """Campaigns planned from the register, their templates, sending and results."""
        from breachdesk.notify.desk import NotifyDesk

        return NotifyDesk(self.db, self.settings, self.register.keyring)

    def warm_up(self, slugs: Iterable[str] | None = None) -> None:
        """Load the models and build the indexes now, not in the first request."""
        engine = self.engine
        if engine.encoder is not None:
            engine.encoder.encode(["準備"])
        engine.tokenizer("準備")
        if engine.e5 is not None:
            engine.e5.query.encode(["準備"])
        if engine.readings is not None:
            engine.readings.reading("準備")
            engine.kana_words()
        for slug in slugs if slugs is not None else [i.slug for i in self.incidents()]:
            engine.load(slug)
        if self._batched_log:
            self.question_log.prime()

    def import_documents(
        self,
        slug: str,
        paths: Sequence[Path],
        *,
        name: str | None = None,
        organisation: str | None = None,
        format: str = "auto",
        actor: str = "cli",
        names: Sequence[str] | None = None,
        audit: bool = False,
        address: str | None = None,
        create: bool = True,
    ) -> list[service.ImportResult]:
        """Import files into an incident in one transaction (see `kb.service.import_documents`)
        that also stores the daily call-centre tables the documents hold as the desk's figures
        (`inquiries.figures`), gives entries without a category the one their question suggests
        and, with `audit`, writes the `documents.import` audit row (and `incident.create` when
        the import made the incident): a crash leaves all of it or none, and re-importing the
        same files repairs categories a partial import left out. `names` are uploads' own names (see
        `kb.service.read_sources`). With `create` False a missing incident is not found."""

        def created(s: Session, incident: Incident) -> None:
            if audit:
                detail = {"name": incident.name, "by": "documents.import"}
                auth.record(s, actor, "incident.create", slug, detail, address)

        def also(s: Session, incident: Incident, results: list[service.ImportResult]) -> None:
            inquiries.map_entry_categories(s, incident)
            if audit:
                detail = {
                    "files": [r.file_name for r in results],
                    "added": sum(r.added for r in results),
                    "changed": sum(r.changed for r in results),
                    "retired": sum(r.retired for r in results),
                    "held": sum(r.held for r in results),
                }
                auth.record(s, actor, "documents.import", slug, detail, address)

        # Seconds of work for a large FAQ, ending with its new index: it gives way to the
        # requests a web worker serves meanwhile (breachdesk.pacing).
        with pacing.long_work(freeze=True):
            results = service.import_documents(
                self.db,
                slug,
                paths,
                name=name,
                organisation=organisation,
                format=format,
                max_bytes=self.settings.max_document_bytes,
                actor=actor,
                names=names,
                also=also,
                create=create,
                created=created,
                daily=store_daily_tables,
            )
            if any(not r.unchanged for r in results):
                self.classify_entries(slug)
        return results

    def classify_entries(self, slug: str) -> int:
        """Give every entry version without intents the ones the classifier sees in it.

        Runs after the import's transaction: it needs the models, and it is idempotent — a
        version left unclassified by a crash is classified by the index anyway and stored by
        the next import.
        """
        return editing.store_classified_intents(self.db, slug, self.engine.classified_intents(slug))

    def incidents(self) -> list[service.IncidentView]:
        return service.list_incidents(self.db)

    def incident(self, slug: str) -> service.IncidentView:
        return service.describe_incident(self.db, slug)

    def entries(self, slug: str) -> list[service.EntryView]:
        return service.list_entries(self.db, slug)

    def published_scope(self, slug: str) -> PublishedScope:
        """What the incident's published entries say is affected (`kb.scope`), read once per
        knowledge-base version of the incident."""
        version = service.kb_version(self.db, slug)
        with self._scopes_lock:
            cached = self._scopes.get(slug)
        if cached is not None and cached[0] == version:
            return cached[1]
        with pacing.long_work():  # seconds for a large FAQ: requests are served meanwhile
            scope = read_scope(service.list_entries(self.db, slug))
        with self._scopes_lock:
            self._scopes[slug] = (version, scope)
        return scope

    def scope(self, slug: str, *, day: dt.date, channel: str, payment: str) -> ScopeAnswer:
        """Whether a purchase on `day`, through `channel` (web, phone, marketplace, store), paid
        by `payment` (card, other) is inside the incident's published scope: ``inside``,
        ``outside`` or ``unknown``, with the published sentences the verdict rests on."""
        if channel not in CHANNELS:
            raise InvalidInputError(f"unknown channel {channel!r}", where="channel")
        if payment not in PAYMENTS:
            raise InvalidInputError(f"unknown payment {payment!r}", where="payment")
        return check_scope(self.published_scope(slug), day=day, channel=channel, payment=payment)

    def ask(self, slug: str, question: str) -> Answer:
        return self.engine.ask(slug, question)

    def ask_public(
        self, slug: str, question: str, *, channel: str = "web", log: bool = True
    ) -> PublicAnswer:
        """Answer a member of the public and log the question (redacted) for review.

        `log=False` is for as-you-type previews, which would otherwise fill the review queue
        and the desk's figures with half-typed questions.
        """
        answer = self.engine.ask(slug, question)
        if not log:
            return PublicAnswer(answer, None)
        return self.log_public_answer(answer, channel=channel)

    def log_public_answer(self, answer: Answer, *, channel: str = "web") -> PublicAnswer:
        """Log a public answer's question (redacted) for review and the desk's figures: the
        write half of `ask_public`. Batched (`batch_question_log`), it returns at once with the
        id the row will have; else it returns once the row is written."""
        token = review.new_feedback_token()
        if self._batched_log:
            question_id = self.question_log.submit(answer, channel=channel, feedback_token=token)
        else:
            question_id = review.record_question(
                self.db, answer, channel=channel, feedback_token=token
            )
        return PublicAnswer(answer, question_id, token)

    def record_feedback(
        self, question_id: int, helpful: bool, *, token: str, slug: str | None = None
    ) -> None:
        """A 役に立ちましたか？ vote, from the holder of the token issued with the answer (about
        `slug`, when given)."""
        self.flush_question_log()  # the question may still wait in this process's batch
        review.record_feedback(self.db, question_id, helpful, token=token, slug=slug)

    def record_choice(
        self, question_id: int, entry: str, *, token: str, slug: str | None = None
    ) -> None:
        """Log that a person chose a suggested entry for their question (it then waits in the
        review queue as a proposed phrasing of that entry). The entry must have been suggested
        for that question, the token be the one issued with it, and the question asked about
        `slug` when one is given."""
        self.flush_question_log()
        review.record_choice(
            self.db,
            question_id,
            entry,
            token=token,
            slug=slug,
            agree=self.settings.learn_from_choices,
        )

    def ask_questions(self, questions: Iterable[Question]) -> list[tuple[Question, Answer]]:
        """Answer a batch in input order; a question with no incident is an input error."""
        out = []
        for q in questions:
            if not q.incident:
                raise InvalidInputError("no incident: give one per line or --incident", where=q.id)
            out.append((q, self.engine.ask(q.incident, q.question)))
        return out

    def import_training(self, folders: list[Path]) -> list[Question]:
        """Import training incidents (see `answer.training`) and return their questions."""
        questions: list[Question] = []
        for incident in find_training_incidents(folders):
            self.import_documents(incident.slug, list(incident.documents))
            questions.extend(read_questions(incident.questions, incident=incident.slug))
        return questions

    def calibrate(
        self, folders: list[Path], *, max_wrong: float, min_silent: float, l2: float
    ) -> tuple[
        Calibration,
        Calibration,
        dict[str, dict[str, float | int]],
        dict[str, dict[str, float | int]],
    ]:
        """Fit the answer models on training incidents; return them (for the whole stack, and
        for an engine without e5) and the whole stack's leave-one-incident-out figures at the
        chosen thresholds: on a desk's first day, and with half of each incident's questions
        attached from the review queue."""
        from breachdesk.answer.calibrate import collect, collect_learnt, fit_both, outcomes

        questions = self.import_training(folders)
        samples = collect(self.engine, questions)
        learnt = collect_learnt(self.engine, questions)
        calibration, predictions, lite = fit_both(
            samples, max_wrong=max_wrong, min_silent=min_silent, l2=l2, learnt=learnt
        )
        t, s = calibration.threshold, calibration.suggest_threshold
        first_day = score_results(outcomes(samples, predictions[: len(samples)], t, s))
        learning = score_results(outcomes(learnt, predictions[len(samples) :], t, s))
        return calibration, lite, first_day, learning

    def evaluate(
        self, questions: Iterable[Question]
    ) -> dict[str, dict[str, dict[str, float | int]]]:
        """Figures per incident and overall for a question file: the engine as it answers, then
        plain BM25 and plain USE at their shipped thresholds (key: system name).

        Every question is scored once: the engine's outcome is judged from the same feature
        matrix the baselines use, by `calibrate.outcome`, which decides as `ask` does (answer,
        up to five offerable suggestions, or nothing; tests/answer hold the two together)."""
        from breachdesk.answer.calibrate import baseline_figures, collect, engine_policy, outcomes

        asked = list(questions)
        for q in asked:
            if not q.incident:
                raise InvalidInputError("no incident: give one per line or --incident", where=q.id)
        samples = collect(self.engine, asked)
        predictions = [engine_policy(self.engine.calibration)(s) for s in samples]
        engine = score_results(
            outcomes(samples, predictions, self.engine.threshold, self.engine.suggest_threshold)
        )
        return {"engine": engine, **baseline_figures(samples, self.engine.calibration)}
