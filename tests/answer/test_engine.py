"""The answer engine end to end on a real database, with a tiny deterministic encoder."""

from __future__ import annotations

import hashlib
import itertools
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from breachdesk.answer.engine import JST, MAX_SUGGESTIONS, AnswerEngine, query_parts
from breachdesk.answer.index import offerable
from breachdesk.db import Database
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.kb.service import import_documents, list_entries
from breachdesk.text.encoders import EmbeddingCache
from breachdesk.text.tokens import default_tokenizer

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"


class HashEncoder:
    """Bag of character bigrams hashed into 64 dimensions: deterministic and model-free."""

    name = "hash-test-1"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += len(texts)
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in itertools.pairwise(text):
                out[row, hashlib.md5((a + b).encode()).digest()[0] % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture
def engine(db: Database) -> AnswerEngine:
    import_documents(db, DEMO_SLUG, demo_files())
    return AnswerEngine(db, tokenizer=default_tokenizer(), encoder=HashEncoder())


def test_an_answer_is_the_stored_entry_text_verbatim(engine: AnswerEngine, db: Database) -> None:
    answer = engine.ask(
        DEMO_SLUG, "カードの再発行をしたいです", now=datetime(2026, 11, 24, 11, tzinfo=JST)
    )
    stored = {e.id: e for e in list_entries(db, DEMO_SLUG)}
    best = answer.entry or answer.candidates[0].entry
    assert best in stored
    if answer.answered:
        assert answer.answer == stored[best].answer
        assert answer.matched_question == stored[best].question
    assert "再発行" in stored[best].question + stored[best].answer


def test_an_off_topic_question_abstains_with_the_desk(engine: AnswerEngine) -> None:
    answer = engine.ask(
        DEMO_SLUG, "明日の天気はどうですか", now=datetime(2026, 11, 24, 11, tzinfo=JST)
    )
    assert not answer.answered
    assert answer.answer is None
    assert answer.contact is not None
    assert answer.contact.phone == "0120-000-111"
    assert answer.contact.open_now is True  # a Tuesday, 11:00 JST


def test_the_desk_is_closed_on_a_public_holiday(engine: AnswerEngine) -> None:
    answer = engine.ask(
        DEMO_SLUG, "明日の天気はどうですか", now=datetime(2026, 11, 23, 11, tzinfo=JST)
    )
    assert answer.contact is not None and answer.contact.open_now is False


def test_the_answer_object_has_the_contract_shape(engine: AnswerEngine) -> None:
    data = engine.ask(DEMO_SLUG, "流出した情報は何ですか").to_dict()
    for key in ("incident", "answered", "answer", "matched_question", "entry", "score", "contact"):
        assert key in data
    assert set(data["contact"]) >= {"phone", "hours", "open_now"}
    assert len(data["candidates"]) <= 2 or not data["answered"]


def test_empty_and_over_long_questions_are_input_errors(engine: AnswerEngine) -> None:
    with pytest.raises(InvalidInputError):
        engine.ask(DEMO_SLUG, "   ")
    with pytest.raises(InvalidInputError, match="limit"):
        engine.ask(DEMO_SLUG, "あ" * 5000)


def test_an_unknown_incident_is_not_found(engine: AnswerEngine) -> None:
    with pytest.raises(NotFoundError):
        engine.ask("no-such-incident", "質問")


def test_a_second_engine_sees_a_knowledge_base_change_made_through_another(
    db: Database, tmp_path: Path
) -> None:
    faq = tmp_path / "faq.txt"
    shutil.copy(FIXTURES / "bullet_faq.txt", faq)
    import_documents(db, "midori", [faq])
    first = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=HashEncoder())
    second = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=HashEncoder())
    before = second.load("midori").version
    faq.write_text(
        faq.read_text(encoding="utf-8")
        + "\n・ポイントは使えますか\nポイントは引き続きご利用いただけます。\n",
        encoding="utf-8",
    )
    import_documents(db, "midori", [faq])
    first.load("midori")
    loaded = second.load("midori")
    assert loaded.version == before + 1
    assert any("ポイント" in e.question for e in loaded.index.entries)


def test_embeddings_are_cached_on_disk_by_text_and_model(db: Database, tmp_path: Path) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    encoder = HashEncoder()
    cache = EmbeddingCache(tmp_path / "cache")
    AnswerEngine(db, tokenizer=default_tokenizer(), encoder=encoder, cache=cache).load(DEMO_SLUG)
    first_calls = encoder.calls
    assert (tmp_path / "cache" / encoder.name / "store.npz").exists()
    AnswerEngine(db, tokenizer=default_tokenizer(), encoder=encoder, cache=cache).load(DEMO_SLUG)
    assert encoder.calls == first_calls


def test_a_question_with_context_is_also_matched_sentence_by_sentence() -> None:
    assert query_parts("2026年5月に本を買いました。対象ですか?") == [
        "2026年5月に本を買いました。対象ですか?",
        "2026年5月に本を買いました。",
        "対象ですか?",
    ]
    assert query_parts("対象ですか") == ["対象ですか"]


def test_a_changed_incident_is_served_from_its_previous_index_while_the_new_one_builds(
    db: Database,
) -> None:
    import threading

    from breachdesk.kb import editing

    import_documents(db, DEMO_SLUG, demo_files())
    gate = threading.Event()
    plain = default_tokenizer()

    def slow_tokenizer(text: str) -> list[str]:
        if threading.current_thread().name.startswith("rebuild-"):
            gate.wait(10)  # the rebuild is held until the test has asked its question
        return plain(text)

    engine = AnswerEngine(
        db, tokenizer=slow_tokenizer, encoder=HashEncoder(), rebuild_in_background=True
    )
    question = "カードの再発行の手数料はかかりますか"
    before = engine.ask(DEMO_SLUG, question)
    entry = before.entry or before.candidates[0].entry
    version = editing.propose_version(
        db,
        DEMO_SLUG,
        entry,
        question="再発行の手数料",
        answer="手数料は当社が負担します（改訂）。",
        actor="eri",
    )
    editing.approve_version(db, DEMO_SLUG, entry, version, actor="eri")
    during = engine.ask(DEMO_SLUG, question + "？")  # notices the change, starts the rebuild
    assert all(
        e.answer != "手数料は当社が負担します（改訂）。"
        for e in engine.load(DEMO_SLUG).index.entries
    )
    assert during.score >= 0
    gate.set()
    engine.wait_for_rebuilds(10)
    served = {e.id: e.answer for e in engine.load(DEMO_SLUG).index.entries}
    assert served[entry] == "手数料は当社が負担します（改訂）。"


def test_a_rebuild_embeds_only_the_texts_that_changed(db: Database) -> None:
    from breachdesk.answer.index import IndexEntry, build_index

    encoder = HashEncoder()
    tokenizer = default_tokenizer()
    entries = [
        IndexEntry(
            id=str(i), kind="qa", section="", question=f"質問{i}です", answer=f"回答{i}です。"
        )
        for i in range(20)
    ]
    first = build_index(entries, tokenizer, encoder)
    calls = encoder.calls
    changed = [
        *entries[:19],
        IndexEntry(
            id="19", kind="qa", section="", question="新しい質問", answer="新しい回答です。"
        ),
    ]
    second = build_index(changed, tokenizer, encoder, previous=first)
    assert encoder.calls - calls == 2  # the new question and the new answer sentence
    fresh = build_index(changed, tokenizer, HashEncoder())
    assert second.question_vectors is not None and fresh.question_vectors is not None
    assert np.allclose(second.question_vectors, fresh.question_vectors)
    assert second.terms == fresh.terms


def test_a_vague_question_gets_suggestions_with_their_approved_text(
    db: Database,
) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    # A threshold nothing reaches: every plausible question gets suggestions instead of an answer.
    engine = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=HashEncoder(), threshold=1.01)
    engine.suggest_threshold = 0.0
    answer = engine.ask(DEMO_SLUG, "カードの再発行について")
    stored = {e.id: e for e in list_entries(db, DEMO_SLUG)}
    assert answer.outcome == "suggested" and not answer.answered
    assert 1 <= len(answer.suggestions) <= MAX_SUGGESTIONS
    offered = {e.id for e in engine.load(DEMO_SLUG).index.entries if offerable(e)}
    for s in answer.suggestions:
        assert s.answer == stored[s.entry].answer
        assert s.question == stored[s.entry].question
        assert s.entry in offered  # never a note, a bare heading or a footnote
    data = answer.to_dict()
    assert data["outcome"] == "suggested" and data["suggestions"][0]["answer"]


def test_an_off_topic_question_below_the_suggestion_threshold_gets_no_suggestions(
    db: Database,
) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    engine = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=HashEncoder(), threshold=1.01)
    engine.suggest_threshold = 1.0
    answer = engine.ask(DEMO_SLUG, "明日の天気はどうですか")
    assert answer.outcome == "abstained" and answer.suggestions == []
    assert answer.to_dict()["outcome"] == "abstained"


def test_an_index_build_calls_the_encoder_a_few_texts_at_a_time(tmp_path: Path) -> None:
    # A question asked meanwhile waits for the encoder call in progress: 250 changed passages
    # encoded in one call kept every question on the server waiting over a second.
    from breachdesk.answer.index import IndexEntry, build_index
    from breachdesk.text.encoders import ENCODE_BATCH

    class Recording(HashEncoder):
        def __init__(self) -> None:
            super().__init__()
            self.sizes: list[int] = []

        def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
            self.sizes.append(len(texts))
            return super().encode(texts)

    entries = [
        IndexEntry(id=str(i), kind="qa", section="", question=f"質問{i}", answer=f"回答{i}です。")
        for i in range(40)
    ]
    for cache in (None, EmbeddingCache(tmp_path)):
        encoder = Recording()
        index = build_index(entries, default_tokenizer(), encoder, cache)
        assert max(encoder.sizes) <= ENCODE_BATCH and sum(encoder.sizes) == 80
        fresh = HashEncoder().encode([e.question for e in entries])
        assert index.question_vectors is not None
        assert np.allclose(index.question_vectors, fresh)


def test_a_question_typed_in_kana_finds_what_the_kanji_one_finds(db: Database) -> None:
    from breachdesk.text.readings import default_readings

    import_documents(db, DEMO_SLUG, demo_files())
    plain = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=HashEncoder())
    kana = AnswerEngine(
        db, tokenizer=default_tokenizer(), encoder=HashEncoder(), readings=default_readings()
    )

    def first(engine: AnswerEngine, question: str) -> str:
        """The entry the engine ranks first (answered or not: this tiny encoder is no e5)."""
        loaded, scored = engine.score(DEMO_SLUG, engine.check_question(question))
        ranked = engine.calibration.rank(scored.features, loaded.index.offerable)
        return loaded.index.entries[int(ranked.order[0])].id

    for kanji, typed, word in [
        (
            "カードの再発行の手数料はかかりますか",
            "かーどの さいはっこうの てすうりょうは かかりますか",
            "再発行",
        ),
        ("流出した情報は何ですか", "りゅうしゅつした じょうほうは なんですか", "流出"),
    ]:
        assert first(kana, typed) == first(kana, kanji)
        # The kana was re-written in the documents' words; without readings it stays kana.
        index = kana.load(DEMO_SLUG).index
        assert word in kana.query(typed, index).text
        assert plain.query(typed, plain.load(DEMO_SLUG).index).text == typed


@pytest.mark.parametrize("threshold", [0.0, 0.5, 1.01])
def test_calibrations_outcome_decides_exactly_as_ask(db: Database, threshold: float) -> None:
    """`breachdesk eval` and calibration judge the engine by `calibrate.outcome` on the
    feature matrix; it must decide as `ask` does, or their figures describe another engine."""
    from breachdesk.answer.calibrate import collect, engine_policy, outcome
    from breachdesk.answer.evaluation import Question, judge

    import_documents(db, DEMO_SLUG, demo_files())
    engine = AnswerEngine(
        db, tokenizer=default_tokenizer(), encoder=HashEncoder(), threshold=threshold
    )
    engine.suggest_threshold = min(0.05, threshold)
    asked = [
        Question(f"q{i}", DEMO_SLUG, text, {"any_of": [expected]} if expected else "abstain")
        for i, (text, expected) in enumerate(
            [
                ("カードの再発行の手数料は？", "再発行手数料"),
                ("いつ分かったのですか", "2026年9月3日"),
                ("代引きで払った場合は？", "代金引換"),
                ("明日の天気はどうですか", None),
                ("さくら書房を名乗るメールが来た", "お尋ねすることはございません"),
            ]
        )
    ]
    samples = collect(engine, asked)
    policy = engine_policy(engine.calibration)
    for q, s in zip(asked, samples, strict=True):
        a = engine.ask(DEMO_SLUG, q.question)
        asked_outcome = judge(q, a.answered, a.answer, [x.answer for x in a.suggestions])
        assert outcome(s, policy(s), engine.threshold, engine.suggest_threshold) == asked_outcome
