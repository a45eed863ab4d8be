"""Console editing: drafts are not served until approved; every change is a kept version."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breachdesk.db import Database
from breachdesk.errors import ConflictError, InvalidInputError, NotFoundError, StaleEditError
from breachdesk.kb import editing
from breachdesk.kb.service import import_documents, kb_version, list_entries
from breachdesk.privacy.redact import luhn_valid, normalise

FIXTURES = Path(__file__).parent / "fixtures"
SLUG = "midori"


@pytest.fixture
def imported(db: Database) -> Database:
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    return db


def entry_about(db: Database, word: str) -> str:
    return next(e.id for e in list_entries(db, SLUG) if word in e.question)


def served(db: Database, entry_id: str) -> tuple[str, int]:
    e = next(e for e in list_entries(db, SLUG) if e.id == entry_id)
    return e.answer, e.version


def test_an_edit_is_a_draft_that_is_not_served_until_approved(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    before_text, before_version = served(db, eid)
    before_kb = kb_version(db, SLUG)
    number = editing.propose_version(
        db, SLUG, eid, question="被害の補償はありますか？", answer="新しい回答です。", actor="eri"
    )
    assert number == before_version + 1
    assert served(db, eid) == (before_text, before_version)
    assert kb_version(db, SLUG) == before_kb
    assert [d[:2] for d in editing.pending_drafts(db, SLUG)] == [(eid, number)]

    editing.approve_version(db, SLUG, eid, number, actor="eri")
    assert served(db, eid) == ("新しい回答です。", number)
    assert kb_version(db, SLUG) > before_kb
    detail = editing.entry_detail(db, SLUG, eid)
    assert [v.status for v in detail.versions] == ["approved", "approved"]
    assert detail.versions[-1].created_by == "eri"
    assert detail.versions[-1].approved_by == "eri"
    assert detail.versions[0].answer == before_text
    assert editing.pending_drafts(db, SLUG) == []


def test_a_rejected_draft_stays_in_the_history_and_cannot_be_approved(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    number = editing.propose_version(
        db, SLUG, eid, question="被害の補償はありますか？", answer="誤った回答", actor="eri"
    )
    editing.reject_version(db, SLUG, eid, number, actor="ken")
    with pytest.raises(ConflictError):
        editing.approve_version(db, SLUG, eid, number, actor="ken")
    detail = editing.entry_detail(db, SLUG, eid)
    assert detail.versions[-1].status == "rejected"
    assert served(db, eid)[1] == number - 1


def test_an_older_draft_cannot_replace_a_newer_approved_version(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    old = editing.propose_version(db, SLUG, eid, question="Q", answer="一つ目", actor="a")
    new = editing.propose_version(db, SLUG, eid, question="Q", answer="二つ目", actor="b")
    editing.approve_version(db, SLUG, eid, new, actor="b")
    with pytest.raises(ConflictError):
        editing.approve_version(db, SLUG, eid, old, actor="a")
    assert served(db, eid) == ("二つ目", new)


def test_empty_and_unknown_edits_are_refused(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    with pytest.raises(InvalidInputError):
        editing.propose_version(db, SLUG, eid, question="Q", answer="  ", actor="a")
    with pytest.raises(NotFoundError):
        editing.propose_version(db, SLUG, "midori-nope", question="Q", answer="A", actor="a")
    with pytest.raises(NotFoundError):
        editing.approve_version(db, SLUG, eid, 99, actor="a")


def test_a_console_entry_is_served_only_after_approval(imported: Database) -> None:
    db = imported
    eid = editing.create_entry(
        db,
        SLUG,
        question="店舗での受付はありますか？",
        answer="店舗では受け付けていません。",
        actor="eri",
    )
    assert eid not in {e.id for e in list_entries(db, SLUG)}
    editing.approve_version(db, SLUG, eid, 1, actor="eri")
    assert served(db, eid) == ("店舗では受け付けていません。", 1)


def test_retiring_withdraws_an_entry_and_restoring_brings_it_back(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    editing.set_retired(db, SLUG, eid, True)
    assert eid not in {e.id for e in list_entries(db, SLUG)}
    editing.set_retired(db, SLUG, eid, False)
    assert eid in {e.id for e in list_entries(db, SLUG)}


def test_a_reimport_keeps_an_edit_when_the_published_text_is_unchanged(
    imported: Database, tmp_path: Path
) -> None:
    db = imported
    eid = entry_about(db, "補償")
    number = editing.propose_version(
        db, SLUG, eid, question="被害の補償はありますか？", answer="編集した回答", actor="eri"
    )
    editing.approve_version(db, SLUG, eid, number, actor="eri")
    # The same file with another entry changed: the edited entry's published text is unchanged.
    changed = tmp_path / "qa_faq.txt"
    shutil.copy(FIXTURES / "qa_faq.txt", changed)
    text = changed.read_text(encoding="utf-8").replace("念のため再発行", "必ず再発行")
    changed.write_text(text, encoding="utf-8")
    import_documents(db, SLUG, [changed])
    assert served(db, eid) == ("編集した回答", number)
    # When the organisation changes that entry's published text, the edit is still served and
    # the new text waits for an editor (tests/kb/test_reimport_keeps_editors_work.py).
    changed.write_text(text.replace("500円分", "1,000円分"), encoding="utf-8")
    import_documents(db, SLUG, [changed])
    assert served(db, eid) == ("編集した回答", number)
    assert (eid, number + 1) in {d[:2] for d in editing.pending_drafts(db, SLUG)}


def test_document_versions_show_what_changed(imported: Database, tmp_path: Path) -> None:
    db = imported
    changed = tmp_path / "qa_faq.txt"
    text = (FIXTURES / "qa_faq.txt").read_text(encoding="utf-8")
    changed.write_text(text.replace("500円分", "1,000円分"), encoding="utf-8")
    import_documents(db, SLUG, [changed], actor="eri")
    docs = editing.list_documents(db, SLUG)
    assert [(d.version, d.is_current) for d in docs] == [(2, True), (1, False)]
    assert docs[0].imported_by == "eri"
    changes = editing.document_changes(db, SLUG, "qa_faq.txt", 1, 2)
    assert [c.change for c in changes] == ["changed"]
    assert "補償" in changes[0].question
    assert any(line.startswith("+") and "1,000円分" in line for line in changes[0].diff)
    with pytest.raises(NotFoundError):
        editing.document_changes(db, SLUG, "qa_faq.txt", 1, 3)


def test_creating_an_incident_twice_is_a_conflict(db: Database) -> None:
    editing.create_incident(db, "aozora", "青空書店の漏えい")
    with pytest.raises(ConflictError):
        editing.create_incident(db, "aozora", "もう一度")
    with pytest.raises(InvalidInputError):
        editing.create_incident(db, "Bad Slug!", "x")


def test_an_edit_built_on_an_old_version_is_refused_naming_who_changed_it(
    imported: Database,
) -> None:
    db = imported
    eid = entry_about(db, "補償")
    opened = editing.newest_version(db, SLUG, eid)  # A and B both open the entry
    text_a = "A の回答です。"
    v2 = editing.propose_version(
        db, SLUG, eid, question="被害の補償は？", answer=text_a, actor="alice", base_version=opened
    )
    editing.approve_version(db, SLUG, eid, v2, actor="alice")
    with pytest.raises(StaleEditError) as refused:
        editing.propose_version(
            db,
            SLUG,
            eid,
            question="被害の補償は？",
            answer="B の回答",
            actor="bob",
            base_version=opened,
        )
    assert refused.value.newest == v2 and refused.value.changed_by == "alice"
    assert "alice" in str(refused.value) and f"version {v2}" in str(refused.value)
    assert served(db, eid) == (text_a, v2)  # A's text is still what is served
    # Built on what A saved, B's edit goes through.
    v3 = editing.propose_version(
        db, SLUG, eid, question="被害の補償は？", answer="B の回答", actor="bob", base_version=v2
    )
    assert v3 == v2 + 1


def test_parallel_saves_of_one_entry_never_fail_with_a_database_error(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    outcomes: list[object] = []

    def save(n: int, base: int | None) -> None:
        try:
            outcomes.append(
                editing.propose_version(
                    db,
                    SLUG,
                    eid,
                    question="被害の補償は？",
                    answer=f"回答 {n}",
                    actor=f"e{n}",
                    base_version=base,
                )
            )
        except Exception as exc:  # collected, so the assertion shows what went wrong
            outcomes.append(exc)

    for check in (False, True):
        base = editing.newest_version(db, SLUG, eid) if check else None
        outcomes.clear()
        threads = [threading.Thread(target=save, args=(n, base)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        saved = [o for o in outcomes if isinstance(o, int)]
        refused = [o for o in outcomes if not isinstance(o, int)]
        assert len(outcomes) == 6
        assert all(isinstance(o, ConflictError) for o in refused), refused
        assert len(set(saved)) == len(saved)  # no version number given twice
        if base is None:
            assert len(saved) + len(refused) == 6 and saved
        else:
            assert len(saved) == 1  # the first wins; the others were built on a stale version
            assert all(isinstance(o, StaleEditError) for o in refused)


CALLER_NOTE = (
    "お客様（ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ、090.8765.4321）のご指摘: "
    "カード 5555\u00a05555\u00a05555\u00a04444 の件"
)


def test_an_editors_note_is_stored_redacted_like_a_public_question(imported: Database) -> None:
    db = imported
    eid = entry_about(db, "補償")
    number = editing.propose_version(
        db, SLUG, eid, question="補償は？", answer="補償します。", actor="eri", note=CALLER_NOTE
    )
    stored = editing.entry_detail(db, SLUG, eid).versions[-1]
    assert stored.version == number
    for secret in ("ｈａｎａｋｏ", "8765", "5555"):
        assert secret not in stored.note
    assert "[カード番号]" in stored.note and "[電話番号]" in stored.note
    corrected = editing.propose_intents(db, SLUG, eid, [], actor="eri", note=CALLER_NOTE)
    assert "8765" not in editing.entry_detail(db, SLUG, eid).versions[-1].note
    assert corrected == number + 1


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.lists(st.integers(0, 9), min_size=15, max_size=15),
    separator=st.sampled_from([" ", "\u00a0", "-", " - ", ".", "\u3000", "ー", ""]),
    wide=st.booleans(),
)
def test_no_card_number_survives_in_a_stored_note(
    imported: Database, body: list[int], separator: str, wide: bool
) -> None:
    digits = "4" + "".join(map(str, body))[:14]
    card = next(digits + str(c) for c in range(10) if luhn_valid(digits + str(c)))
    groups = separator.join(card[i : i + 4] for i in range(0, 16, 4))
    if wide:
        groups = groups.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    eid = entry_about(imported, "補償")
    editing.propose_version(
        imported,
        SLUG,
        eid,
        question="補償は？",
        answer="補償します。",
        actor="eri",
        note=f"電話のお客様のカード {groups} について",
    )
    note = editing.entry_detail(imported, SLUG, eid).versions[-1].note
    kept = "".join(ch for ch in normalise(note)[0] if ch.isdigit())
    assert card not in kept
