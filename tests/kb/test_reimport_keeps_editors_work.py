"""Re-importing a changed document never drops an editor's work: the intents an editor set go
with the new text, and an editor's served text edit is not overwritten — the document's new text
waits as a draft for an editor to approve (the document wins) or reject (the edit stays)."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachdesk.db import Database
from breachdesk.kb import editing
from breachdesk.kb.service import EntryView, ImportResult, import_documents, list_entries

FIXTURES = Path(__file__).parent / "fixtures"
SLUG = "midori"
CLASSIFIED = [{"intent": "compensation", "p": 0.61}]
CHOSEN = ["compensation", "gift_arrival"]
ORIGINAL = "お一人様500円分のポイントを付与いたします。"


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    path = tmp_path / "qa_faq.txt"
    path.write_text((FIXTURES / "qa_faq.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def imported(db: Database, faq: Path) -> Database:
    """The Q&A fixture with the classifier's intents on the compensation entry."""
    import_documents(db, SLUG, [faq])
    entry = served(db, about(db))
    editing.store_classified_intents(db, SLUG, {(entry.id, entry.version): CLASSIFIED})
    return db


def about(db: Database, word: str = "補償") -> str:
    return next(e.id for e in list_entries(db, SLUG) if word in e.question)


def served(db: Database, entry_id: str) -> EntryView:
    return next(e for e in list_entries(db, SLUG) if e.id == entry_id)


def publish(db: Database, faq: Path, answer: str) -> ImportResult:
    """The organisation publishes the FAQ again with the compensation answer changed."""
    text = (FIXTURES / "qa_faq.txt").read_text(encoding="utf-8").replace(ORIGINAL, answer)
    faq.write_text(text, encoding="utf-8")
    (result,) = import_documents(db, SLUG, [faq], actor="ken")
    return result


def edit(db: Database, eid: str, answer: str) -> int:
    """An editor's text edit of the entry, approved: it is what the public is served."""
    number = editing.propose_version(
        db, SLUG, eid, question="被害の補償はありますか？", answer=answer, actor="eri"
    )
    editing.approve_version(db, SLUG, eid, number, actor="eri")
    return number


def correct_intents(db: Database, eid: str) -> None:
    number = editing.propose_intents(db, SLUG, eid, CHOSEN, actor="eri")
    editing.approve_version(db, SLUG, eid, number, actor="eri")


def editor_intents() -> list[dict[str, object]]:
    return [{"intent": i, "p": 1.0} for i in CHOSEN]


def test_a_changed_text_is_served_with_the_intents_an_editor_set(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    correct_intents(db, eid)
    result = publish(db, faq, "お一人様1,000円分のポイントを付与いたします。")
    assert (result.changed, result.held) == (1, 0)
    now = served(db, eid)
    assert "1,000円分" in now.answer
    assert (now.intents, now.intents_by) == (editor_intents(), "eri")
    # The classifier fills only versions without intents: it never undoes the correction.
    assert editing.store_classified_intents(db, SLUG, {(eid, now.version): CLASSIFIED}) == 0
    # And they survive the next publication too.
    publish(db, faq, "お一人様2,000円分のポイントを付与いたします。")
    assert (served(db, eid).intents, served(db, eid).intents_by) == (editor_intents(), "eri")


def test_the_classifiers_intents_do_not_follow_a_changed_text(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    publish(db, faq, "お一人様1,000円分のポイントを付与いたします。")
    assert served(db, eid).intents is None  # the index classifies the new words


def test_an_editors_served_text_is_kept_and_the_new_text_waits_for_approval(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    correct_intents(db, eid)
    edited = edit(db, eid, "ポイント付与の時期は決まり次第お知らせします。")
    result = publish(db, faq, "お一人様1,000円分のポイントを付与いたします。")
    assert (result.changed, result.held) == (0, 1)
    now = served(db, eid)
    assert (now.answer, now.version) == ("ポイント付与の時期は決まり次第お知らせします。", edited)
    draft = editing.entry_detail(db, SLUG, eid).versions[-1]
    assert (draft.status, draft.created_by, draft.version) == ("draft", "import", edited + 1)
    assert "1,000円分" in draft.answer and "qa_faq.txt v2" in draft.note and "eri" in draft.note
    assert [(m.intent, m.p) for m in draft.intents or ()] == [(i, 1.0) for i in CHOSEN]
    assert (eid, draft.version) in {(e, v) for e, v, _, _ in editing.pending_drafts(db, SLUG)}
    # Approving it serves the organisation's wording, with the editor's intents.
    editing.approve_version(db, SLUG, eid, draft.version, actor="eri")
    assert "1,000円分" in served(db, eid).answer
    assert served(db, eid).intents_by == "eri"


def test_a_rejected_publication_is_not_proposed_again_but_the_next_one_is(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    edited = edit(db, eid, "編集した回答です。")
    publish(db, faq, "お一人様1,000円分のポイントを付与いたします。")
    held = editing.entry_detail(db, SLUG, eid).versions[-1].version
    editing.reject_version(db, SLUG, eid, held, actor="eri")
    # The same document again (another entry changed): nothing new for this entry.
    text = faq.read_text(encoding="utf-8").replace("念のため再発行", "必ず再発行")
    faq.write_text(text, encoding="utf-8")
    (again,) = import_documents(db, SLUG, [faq])
    assert (again.changed, again.held) == (1, 0)
    assert [v.version for v in editing.entry_detail(db, SLUG, eid).versions][-1] == held
    assert served(db, eid).version == edited
    # A newer publication is proposed: the editor decides again.
    result = publish(db, faq, "お一人様3,000円分のポイントを付与いたします。")
    assert result.held == 1
    assert served(db, eid).answer == "編集した回答です。"


def test_a_publication_of_the_editors_own_wording_is_no_conflict(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    wording = "お一人様1,000円分のポイントを付与いたします（12月末まで）。"
    edit(db, eid, wording)
    result = publish(db, faq, wording)
    assert (result.changed, result.held) == (1, 0)
    now = served(db, eid)
    assert now.answer == wording
    assert editing.entry_detail(db, SLUG, eid).versions[-1].created_by == "import"
    # From now on the document's next change is served at once: no editor's text to keep.
    assert publish(db, faq, "お一人様2,000円分のポイントを付与いたします。").held == 0
    assert "2,000円分" in served(db, eid).answer


def test_an_edit_survives_a_reimport_that_leaves_its_published_text_alone(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    edited = edit(db, eid, "編集した回答です。")
    text = faq.read_text(encoding="utf-8").replace("念のため再発行", "必ず再発行")
    faq.write_text(text, encoding="utf-8")
    (result,) = import_documents(db, SLUG, [faq])
    assert (result.changed, result.held) == (1, 0)
    assert (served(db, eid).answer, served(db, eid).version) == ("編集した回答です。", edited)


def listed(db: Database) -> set[str]:
    return {e.id for e in list_entries(db, SLUG)}


def republish(db: Database, faq: Path, text: str) -> ImportResult:
    faq.write_text(text, encoding="utf-8")
    (result,) = import_documents(db, SLUG, [faq], actor="ken")
    return result


def test_an_entry_an_editor_withdrew_stays_withdrawn_when_the_document_is_imported_again(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    editing.set_retired(db, SLUG, eid, True)
    assert editing.entry_detail(db, SLUG, eid).withdrawn

    same = publish(db, faq, ORIGINAL + "\n")  # the same document, one byte longer
    changed = publish(db, faq, "お一人様1,000円分のポイントを付与いたします。")

    assert not same.unchanged and eid not in listed(db)
    assert (changed.changed, changed.retired) == (1, 0) and eid not in listed(db)
    detail = editing.entry_detail(db, SLUG, eid)
    assert detail.retired and detail.withdrawn
    # Its versions followed the document: brought back, it serves the current text.
    editing.set_retired(db, SLUG, eid, False)
    assert served(db, eid).answer == "お一人様1,000円分のポイントを付与いたします。"
    assert not editing.entry_detail(db, SLUG, eid).withdrawn


def test_an_entry_the_document_dropped_comes_back_when_the_document_has_it_again(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    full = faq.read_text(encoding="utf-8")
    without = full.replace("Q2. 被害の補償はありますか？\nA2. " + ORIGINAL + "\n", "")
    assert without != full

    dropped = republish(db, faq, without)
    assert dropped.retired == 1 and eid not in listed(db)
    assert not editing.entry_detail(db, SLUG, eid).withdrawn

    republish(db, faq, full)
    assert eid in listed(db) and served(db, eid).answer == ORIGINAL


def test_a_withdrawal_outlasts_the_document_dropping_and_publishing_the_entry_again(
    imported: Database, faq: Path
) -> None:
    db = imported
    eid = about(db)
    full = faq.read_text(encoding="utf-8")
    editing.set_retired(db, SLUG, eid, True)

    republish(db, faq, full.replace("Q2. 被害の補償はありますか？\nA2. " + ORIGINAL + "\n", ""))
    republish(db, faq, full)

    assert eid not in listed(db) and editing.entry_detail(db, SLUG, eid).withdrawn
