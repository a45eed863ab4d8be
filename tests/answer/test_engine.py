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

from breachdesk.answer.dense import EmbeddingCache
from breachdesk.answer.engine import JST, AnswerEngine, query_parts
from breachdesk.answer.tokens import default_tokenizer
from breachdesk.db import Database
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.kb.service import import_documents, list_entries

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
