"""The index uses the intents of the served version: the classifier's until an editor's
correction is approved, then the editor's — also after a later text edit."""

from __future__ import annotations

import numpy as np

from breachdesk.answer.engine import AnswerEngine
from breachdesk.db import Database
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.intents.classifier import shipped_intent_model
from breachdesk.kb import editing
from breachdesk.kb.service import import_documents, list_entries
from breachdesk.text.tokens import default_tokenizer

CHOSEN = ["reissue_fee", "compensation"]


def profile(engine: AnswerEngine, entry: str) -> dict[str, float]:
    """The entry's intent profile in the loaded index, without the zero columns."""
    index = engine.load(DEMO_SLUG).index
    assert index.entry_intents is not None and index.intent_model is not None
    row = next(i for i, e in enumerate(index.entries) if e.id == entry)
    ids = index.intent_model.intent_ids
    return {ids[k]: float(p) for k, p in enumerate(index.entry_intents[row]) if p > 0}


def test_the_index_takes_an_approved_correction_and_keeps_it_through_a_text_edit(
    db: Database,
) -> None:
    import_documents(db, DEMO_SLUG, demo_files())
    engine = AnswerEngine(
        db, tokenizer=default_tokenizer(), encoder=None, intent_model=shipped_intent_model()
    )
    editing.store_classified_intents(db, DEMO_SLUG, engine.classified_intents(DEMO_SLUG))
    entry = next(e for e in list_entries(db, DEMO_SLUG) if e.kind == "qa")
    classified = {str(i["intent"]): float(i["p"]) for i in entry.intents or []}
    assert classified and profile(engine, entry.id) == classified

    draft = editing.propose_intents(db, DEMO_SLUG, entry.id, CHOSEN, actor="eri")
    assert profile(engine, entry.id) == classified  # a draft is not served
    editing.approve_version(db, DEMO_SLUG, entry.id, draft, actor="eri")
    assert profile(engine, entry.id) == dict.fromkeys(CHOSEN, 1.0)

    reworded = editing.propose_version(
        db, DEMO_SLUG, entry.id, question="言い換えた質問", answer="言い換えた回答", actor="ken"
    )
    editing.approve_version(db, DEMO_SLUG, entry.id, reworded, actor="ken")
    assert profile(engine, entry.id) == dict.fromkeys(CHOSEN, 1.0)
    assert engine.classified_intents(DEMO_SLUG).get((entry.id, reworded)) is None
    assert np.isfinite(engine.ask(DEMO_SLUG, "再発行の手数料は？").score)
