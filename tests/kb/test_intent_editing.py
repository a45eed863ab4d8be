"""Correcting an entry's breach intents: a draft version like a text edit, approved like one,
refused when stale or naming an intent the taxonomy does not have, and kept by later text edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachdesk.db import Database
from breachdesk.errors import InvalidInputError, StaleEditError
from breachdesk.intents.taxonomy import load_taxonomy
from breachdesk.kb import editing
from breachdesk.kb.service import EntryView, import_documents, list_entries

FIXTURES = Path(__file__).parent / "fixtures"
SLUG = "midori"
CLASSIFIED = [{"intent": "compensation", "p": 0.61}, {"intent": "leaked_items", "p": 0.12}]
CHOSEN = ["compensation", "gift_arrival"]


@pytest.fixture
def imported(db: Database) -> Database:
    """The Q&A fixture with the classifier's intents stored on the compensation entry."""
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    entry = served(db, about(db, "補償"))
    editing.store_classified_intents(db, SLUG, {(entry.id, entry.version): CLASSIFIED})
    return db


def about(db: Database, word: str) -> str:
    return next(e.id for e in list_entries(db, SLUG) if word in e.question)


def served(db: Database, entry_id: str) -> EntryView:
    return next(e for e in list_entries(db, SLUG) if e.id == entry_id)


def test_the_intents_used_here_are_in_the_taxonomy() -> None:
    ids = {i.id for i in load_taxonomy()}
    assert {i["intent"] for i in CLASSIFIED} | set(CHOSEN) <= ids


def test_a_correction_is_a_draft_with_the_same_text_served_once_approved(
    imported: Database,
) -> None:
    db = imported
    eid = about(db, "補償")
    before = served(db, eid)
    assert before.intents == CLASSIFIED and before.intents_by == "auto"

    number = editing.propose_intents(
        db, SLUG, eid, CHOSEN, actor="eri", note="ポイントの質問", base_version=before.version
    )
    assert number == before.version + 1
    assert served(db, eid).intents == CLASSIFIED  # nothing served changes before approval
    draft = editing.entry_detail(db, SLUG, eid).versions[-1]
    assert (draft.status, draft.question, draft.answer) == ("draft", before.question, before.answer)
    assert [(m.intent, m.p) for m in draft.intents or ()] == [(i, 1.0) for i in CHOSEN]
    assert draft.intents_by == "eri" and draft.intents_by_editor
    assert draft.note == "ポイントの質問"

    editing.approve_version(db, SLUG, eid, number, actor="ken")
    now = served(db, eid)
    assert now.version == number and now.answer == before.answer
    assert now.intents == [{"intent": i, "p": 1.0} for i in CHOSEN]
    assert now.intents_by == "eri"


def test_a_stale_correction_is_refused_naming_who_saved_meanwhile(imported: Database) -> None:
    db = imported
    eid = about(db, "補償")
    opened = editing.newest_version(db, SLUG, eid)
    editing.propose_version(
        db, SLUG, eid, question="補償は？", answer="別の回答", actor="alice", base_version=opened
    )
    with pytest.raises(StaleEditError) as refused:
        editing.propose_intents(db, SLUG, eid, CHOSEN, actor="bob", base_version=opened)
    assert refused.value.changed_by == "alice" and refused.value.newest == opened + 1
    assert editing.newest_version(db, SLUG, eid) == opened + 1


def test_an_unknown_intent_or_too_many_are_refused_and_nothing_is_saved(
    imported: Database,
) -> None:
    db = imported
    eid = about(db, "補償")
    newest = editing.newest_version(db, SLUG, eid)
    with pytest.raises(InvalidInputError) as unknown:
        editing.propose_intents(db, SLUG, eid, ["compensation", "weather_tomorrow"], actor="eri")
    assert unknown.value.where == "intents" and "'weather_tomorrow'" in unknown.value.reason
    with pytest.raises(InvalidInputError):
        editing.propose_version(
            db, SLUG, eid, question="Q", answer="A", actor="eri", intents=["nope"]
        )
    too_many = [i.id for i in load_taxonomy()][: editing.MAX_INTENTS + 1]
    with pytest.raises(InvalidInputError, match="at most"):
        editing.propose_intents(db, SLUG, eid, too_many, actor="eri")
    assert editing.newest_version(db, SLUG, eid) == newest


def test_no_intent_at_all_is_a_correction_too(imported: Database) -> None:
    db = imported
    eid = about(db, "補償")
    number = editing.propose_intents(db, SLUG, eid, [], actor="eri")
    editing.approve_version(db, SLUG, eid, number, actor="eri")
    assert (served(db, eid).intents, served(db, eid).intents_by) == ([], "eri")


def test_a_later_text_edit_keeps_the_editors_intents(imported: Database) -> None:
    db = imported
    eid = about(db, "補償")
    corrected = editing.propose_intents(db, SLUG, eid, CHOSEN, actor="eri")
    editing.approve_version(db, SLUG, eid, corrected, actor="eri")
    reworded = editing.propose_version(
        db,
        SLUG,
        eid,
        question="補償はありますか？",
        answer="1,000円分のポイントです。",
        actor="ken",
    )
    editing.approve_version(db, SLUG, eid, reworded, actor="ken")
    now = served(db, eid)
    assert now.answer == "1,000円分のポイントです。"
    assert now.intents == [{"intent": i, "p": 1.0} for i in CHOSEN] and now.intents_by == "eri"
    # The classifier stores intents only where there are none: it never overrides these.
    assert editing.store_classified_intents(db, SLUG, {(eid, reworded): CLASSIFIED}) == 0


def test_a_correction_of_a_waiting_draft_keeps_the_drafts_text(imported: Database) -> None:
    db = imported
    eid = about(db, "補償")
    draft = editing.propose_version(
        db, SLUG, eid, question="補償は？", answer="下書きの回答", actor="ken"
    )
    number = editing.propose_intents(db, SLUG, eid, CHOSEN, actor="eri", base_version=draft)
    latest = editing.entry_detail(db, SLUG, eid).versions[-1]
    assert (latest.version, latest.answer, latest.intents_by) == (number, "下書きの回答", "eri")


def test_the_classifiers_intents_go_with_a_changed_text_and_stay_with_the_same(
    imported: Database,
) -> None:
    db = imported
    eid = about(db, "補償")
    same = served(db, eid)
    unchanged = editing.propose_version(
        db, SLUG, eid, question=same.question, answer=same.answer, actor="ken", note="確認のみ"
    )
    changed = editing.propose_version(
        db, SLUG, eid, question="お問い合わせ先は？", answer="窓口へどうぞ。", actor="ken"
    )
    versions = {v.version: v for v in editing.entry_detail(db, SLUG, eid).versions}
    assert versions[unchanged].intents_by == "auto" and versions[unchanged].intents is not None
    assert versions[changed].intents is None  # the index classifies the new words
