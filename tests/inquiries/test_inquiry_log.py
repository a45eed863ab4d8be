"""Logging inquiries: validation, redaction on save, categories by entry, note or default."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from breachdesk.db import Database
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.inquiries.service import (
    InquiryInput,
    entry_categories,
    list_inquiries,
    log_inquiry,
    set_entry_category,
    suggest_category,
)
from breachdesk.kb.service import import_documents, list_entries

FIXTURES = Path(__file__).parents[1] / "kb" / "fixtures"
SLUG = "midori"


@pytest.fixture
def desk_db(db: Database) -> Database:
    import_documents(db, SLUG, [FIXTURES / "qa_faq.txt"])
    return db


def test_a_note_is_redacted_before_it_is_stored(desk_db: Database) -> None:
    view = log_inquiry(
        desk_db,
        SLUG,
        InquiryInput(
            channel="phone",
            outcome="answered",
            note="4111 1111 1111 1111 の件、折返しは090-1234-5678、aki@example.jp",
        ),
    )
    stored, _ = list_inquiries(desk_db, SLUG)
    for text in (view.note, stored[0].note):
        assert "4111" not in text and "090-1234" not in text and "aki@" not in text
        assert "[カード番号]" in text and "[電話番号]" in text and "[メールアドレス]" in text


def test_the_jst_day_is_stored_for_reports(desk_db: Database) -> None:
    # 2022-07-28 16:30 UTC is 2022-07-29 01:30 in Japan.
    view = log_inquiry(
        desk_db,
        SLUG,
        InquiryInput(
            channel="phone", outcome="busy", received_at=datetime(2022, 7, 28, 16, 30, tzinfo=UTC)
        ),
    )
    assert view.day == date(2022, 7, 29)
    naive = log_inquiry(
        desk_db,
        SLUG,
        InquiryInput(channel="phone", outcome="busy", received_at=datetime(2022, 7, 29, 23, 59)),
    )
    assert naive.day == date(2022, 7, 29)
    assert list_inquiries(desk_db, SLUG, day=date(2022, 7, 29))[1] == 2


def test_the_category_comes_from_the_entry_then_the_note_then_other(desk_db: Database) -> None:
    entry = next(e.id for e in list_entries(desk_db, SLUG) if "再発行" in e.question)
    set_entry_category(desk_db, SLUG, entry, "カード再発行・手数料")
    assert entry_categories(desk_db, SLUG) == {entry: "カード再発行・手数料"}
    by_entry = log_inquiry(
        desk_db, SLUG, InquiryInput(channel="phone", outcome="answered", entry=entry)
    )
    assert by_entry.category == "カード再発行・手数料"
    assert by_entry.entry_version == 1
    by_note = log_inquiry(
        desk_db,
        SLUG,
        InquiryInput(channel="mail", outcome="answered", note="身に覚えのない請求がありました"),
    )
    assert by_note.category == "不正利用"
    given = log_inquiry(
        desk_db,
        SLUG,
        InquiryInput(channel="phone", outcome="answered", category="パスワード", note="請求"),
    )
    assert given.category == "パスワード"
    plain = log_inquiry(desk_db, SLUG, InquiryInput(channel="phone", outcome="answered"))
    assert plain.category == "その他"


@pytest.mark.parametrize(
    ("note", "category"),
    [
        ("QUOカードPayはいつ届きますか", "補償・QUOカードPay"),
        ("カードの再発行手数料はかかりますか", "カード再発行・手数料"),
        ("不審なSMSが届いた", "不審な連絡"),
        ("セキュリティコードも漏れたのか", "漏えい項目"),
        ("私のカードは対象ですか", "対象確認"),
        ("退会したい", "退会・削除"),
        ("天気の話", None),
    ],
)
def test_suggested_categories(note: str, category: str | None) -> None:
    assert suggest_category(note) == category


def test_bad_input_names_the_field(desk_db: Database) -> None:
    with pytest.raises(InvalidInputError) as err:
        log_inquiry(desk_db, SLUG, InquiryInput(channel="fax", outcome="answered"))
    assert err.value.where == "channel"
    with pytest.raises(InvalidInputError) as err:
        log_inquiry(desk_db, SLUG, InquiryInput(channel="phone", outcome="lost"))
    assert err.value.where == "outcome"
    with pytest.raises(NotFoundError):
        log_inquiry(desk_db, SLUG, InquiryInput(channel="phone", outcome="answered", category="x"))
    with pytest.raises(NotFoundError):
        log_inquiry(desk_db, SLUG, InquiryInput(channel="phone", outcome="answered", entry="nope"))
    assert list_inquiries(desk_db, SLUG)[1] == 0


def test_a_busy_call_without_a_category_has_none(desk_db: Database) -> None:
    busy = log_inquiry(desk_db, SLUG, InquiryInput(channel="phone", outcome="busy"))
    assert busy.category is None


def test_new_entries_get_the_category_their_question_suggests(desk_db: Database) -> None:
    from breachdesk.inquiries.service import map_new_entries

    entries = {e.id: e.question for e in list_entries(desk_db, SLUG)}
    reissue = next(eid for eid, q in entries.items() if "再発行" in q)
    set_entry_category(desk_db, SLUG, reissue, "その他")  # an editor's choice is kept
    assert map_new_entries(desk_db, SLUG) >= 1
    mapped = entry_categories(desk_db, SLUG)
    assert mapped[reissue] == "その他"
    compensation = next(eid for eid, q in entries.items() if "補償" in q)
    assert mapped[compensation] == "補償・QUOカードPay"
    assert map_new_entries(desk_db, SLUG) == 0


def test_the_demo_desk_is_loaded_once(db: Database) -> None:
    from breachdesk.demo import DEMO_SLUG, demo_files
    from breachdesk.demo.desk import seed_demo_desk
    from breachdesk.inquiries.campaigns import list_campaigns

    import_documents(db, DEMO_SLUG, demo_files())
    from breachdesk.kb.contacts import JST

    now = datetime(2026, 10, 15, 16, 0, tzinfo=JST)
    calls = seed_demo_desk(db, DEMO_SLUG, now=now)
    assert calls > 1000
    assert seed_demo_desk(db, DEMO_SLUG, now=now) == 0
    assert list_inquiries(db, DEMO_SLUG)[1] == calls
    # Two campaigns sent, and the next one planned.
    assert [c.channel for c in list_campaigns(db, DEMO_SLUG)] == ["mail", "sms", "letter"]
