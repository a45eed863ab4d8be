"""Importing into the knowledge base and reading it back, on SQLite and on PostgreSQL.

The documents are small and fictional (a leak at "ミドリ雑貨オンライン"); each test writes the files
it needs into `tmp_path`, or reads the shared ones in `fixtures/`.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import event, select

from breachdesk.answer.engine import AnswerEngine
from breachdesk.db import Database
from breachdesk.db.tables import Document
from breachdesk.errors import DocumentFormatError, InvalidInputError, NotFoundError
from breachdesk.kb import service
from breachdesk.kb.service import EntryView
from breachdesk.text.tokens import default_tokenizer

FIXTURES = Path(__file__).parent / "fixtures"

HEADER = "No\t質問\t回答"
POINTS = ("ポイントはいつ付与されますか？", "6月末までにお一人様500円分を付与します。")
ITEMS = ("漏えいした項目は何ですか？", "氏名と住所です。")
ITEMS_CORRECTED = "氏名、住所と電話番号です。\n決済情報は含まれていません。"
STORE = ("店舗での購入も対象ですか？", "店舗でのお買い物は対象外です。")
DESK = (
    "問い合わせ先を教えてください。",
    "専用ダイヤル 0120-000-222(10:00~17:00)までお電話ください。",
)
REFUND = ("返金はしてもらえますか？", "ご希望のお客様には全額を返金いたします。")


def table(*rows: tuple[str, str]) -> str:
    lines = [HEADER] + [f"{n}\t{q}\t{a}" for n, (q, a) in enumerate(rows, 1)]
    return "\n".join(lines) + "\n"


def write(folder: Path, name: str, data: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def by_question(db: Database, slug: str) -> dict[str, EntryView]:
    return {e.question: e for e in service.list_entries(db, slug)}


class StoredDocument(NamedTuple):
    version: int
    is_current: bool
    format: str
    encoding: str | None
    sha256: str
    size: int


def documents(db: Database, slug: str, file_name: str) -> list[StoredDocument]:
    """Every stored version of one of the incident's files, oldest first."""
    with db.read() as s:
        incident = service.get_incident(s, slug)
        rows = s.scalars(
            select(Document)
            .where(Document.incident_id == incident.id, Document.file_name == file_name)
            .order_by(Document.version)
        )
        return [
            StoredDocument(d.version, d.is_current, d.format, d.encoding, d.sha256, d.size)
            for d in rows
        ]


@pytest.fixture
def first_version(tmp_path: Path) -> Path:
    """The FAQ as first published: points, items, store, desk."""
    return write(tmp_path / "v1", "faq.tsv", table(POINTS, ITEMS, STORE, DESK))


@pytest.fixture
def second_version(tmp_path: Path) -> Path:
    """The same file re-published: items corrected, store dropped, refund added."""
    corrected = (ITEMS[0], ITEMS_CORRECTED)  # its second line runs onto the next source line
    return write(tmp_path / "v2", "faq.tsv", table(POINTS, corrected, DESK, REFUND))


# --- a first import -----------------------------------------------------------------------


def test_import_creates_the_incident_with_entries_documents_and_contacts(db: Database) -> None:
    paths = [FIXTURES / "qa_faq.txt", FIXTURES / "table_faq.tsv"]
    results = service.import_documents(
        db, "midori", paths, name="ミドリ雑貨の漏えい", organisation="ミドリ雑貨"
    )

    assert [(r.file_name, r.format, r.encoding, r.version, r.unchanged) for r in results] == [
        ("qa_faq.txt", "qa", "utf-8", 1, False),
        ("table_faq.tsv", "table", "utf-8", 1, False),
    ]
    view = service.describe_incident(db, "midori")
    assert (view.name, view.organisation, view.kb_version) == (
        "ミドリ雑貨の漏えい",
        "ミドリ雑貨",
        1,
    )
    assert view.documents == 2
    entries = service.list_entries(db, "midori")
    assert view.entries == len(entries) == sum(r.added for r in results)
    assert {e.file_name for e in entries} == {"qa_faq.txt", "table_faq.tsv"}
    assert all(e.version == 1 and e.incident == "midori" for e in entries)
    published = by_question(db, "midori")["漏えいした項目は何ですか？"]
    assert published.answer == (
        "氏名、住所、電話番号、メールアドレスです。\n"
        "パスワードとクレジットカード番号は含まれていません。"
    )
    assert (published.kind, published.line_start, published.line_end) == ("qa", 5, 6)
    for path in paths:
        (document,) = documents(db, "midori", path.name)
        assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (document.version, document.is_current) == (1, True)
        assert document.format == ("qa" if path.suffix == ".txt" else "table")
        assert document.size == path.stat().st_size
    (desk,) = view.contacts
    assert desk["phone"] == "0120-000-111"
    assert (desk["open_time"], desk["close_time"]) == ("10:00:00", "17:00:00")


def test_a_new_incident_is_named_after_its_slug_when_nothing_names_it(
    db: Database, first_version: Path
) -> None:
    service.import_documents(db, "midori", [first_version])
    assert service.describe_incident(db, "midori").name == "midori"


def test_entries_carry_the_facts_of_their_text(db: Database, first_version: Path) -> None:
    service.import_documents(db, "midori", [first_version])
    points = by_question(db, "midori")[POINTS[0]]
    assert [(c["value"], c["unit"]) for c in points.facts["counts"]] == [(500, "円")]


def test_list_incidents_lists_every_incident_by_slug(db: Database, first_version: Path) -> None:
    service.import_documents(db, "sakura", [FIXTURES / "qa_faq.txt"])
    service.import_documents(db, "midori", [first_version])
    assert [i.slug for i in service.list_incidents(db)] == ["midori", "sakura"]


def test_listing_incidents_does_not_read_their_facts(db: Database, first_version: Path) -> None:
    # An incident's facts are megabytes of JSON for a 5,000-entry FAQ; GET /api/v1/incidents
    # read and decoded them on every call (50 ms each).
    service.import_documents(db, "midori", [first_version])
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        [listed] = service.list_incidents(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements and not [q for q in statements if "incidents.facts" in q]
    assert listed.entries > 0
    assert service.describe_incident(db, "midori").facts["counts"]


# --- re-imports ---------------------------------------------------------------------------


def test_reimporting_an_unchanged_file_is_a_no_op(db: Database, first_version: Path) -> None:
    service.import_documents(db, "midori", [first_version])
    before = service.list_entries(db, "midori")

    (result,) = service.import_documents(db, "midori", [first_version])

    assert result.unchanged and result.version == 1
    assert service.kb_version(db, "midori") == 1
    assert [d.version for d in documents(db, "midori", "faq.tsv")] == [1]
    assert service.list_entries(db, "midori") == before


def test_a_changed_file_becomes_version_2_keeping_ids_of_unchanged_questions(
    db: Database, first_version: Path, second_version: Path
) -> None:
    service.import_documents(db, "midori", [first_version])
    old = by_question(db, "midori")

    (result,) = service.import_documents(db, "midori", [second_version])

    assert (result.version, result.unchanged) == (2, False)
    assert (result.added, result.changed, result.retired, result.kept) == (1, 1, 1, 2)
    assert service.kb_version(db, "midori") == 2
    new = by_question(db, "midori")
    assert set(new) == {POINTS[0], ITEMS[0], DESK[0], REFUND[0]}
    for question in (POINTS[0], DESK[0]):
        assert new[question].id == old[question].id
        assert new[question].version == 1
    assert new[ITEMS[0]].id == old[ITEMS[0]].id
    assert (new[ITEMS[0]].version, new[ITEMS[0]].answer) == (2, ITEMS_CORRECTED)
    assert new[REFUND[0]].id not in {e.id for e in old.values()}
    assert new[REFUND[0]].version == 1
    versions = documents(db, "midori", "faq.tsv")
    assert [(d.version, d.is_current) for d in versions] == [(1, False), (2, True)]
    assert versions[1].sha256 == hashlib.sha256(second_version.read_bytes()).hexdigest()
    assert service.describe_incident(db, "midori").documents == 1


def test_a_removed_question_is_retired_and_no_longer_listed(
    db: Database, first_version: Path, second_version: Path
) -> None:
    service.import_documents(db, "midori", [first_version])
    service.import_documents(db, "midori", [second_version])
    assert STORE[0] not in by_question(db, "midori")
    assert service.describe_incident(db, "midori").entries == 4


def test_a_question_published_again_returns_under_its_old_id(
    db: Database, first_version: Path, second_version: Path
) -> None:
    service.import_documents(db, "midori", [first_version])
    store_id = by_question(db, "midori")[STORE[0]].id
    service.import_documents(db, "midori", [second_version])

    (result,) = service.import_documents(db, "midori", [first_version])

    assert result.version == 3
    back = by_question(db, "midori")
    assert back[STORE[0]].id == store_id
    assert back[STORE[0]].answer == STORE[1]
    assert REFUND[0] not in back
    assert service.kb_version(db, "midori") == 3


def test_a_question_edited_only_in_width_or_spacing_keeps_its_entry(
    db: Database, tmp_path: Path, first_version: Path
) -> None:
    service.import_documents(db, "midori", [first_version])
    old_id = by_question(db, "midori")[POINTS[0]].id
    respaced = ("ポイントは いつ 付与されますか?", POINTS[1])
    edited = write(tmp_path / "v2", "faq.tsv", table(respaced, ITEMS, STORE, DESK))

    service.import_documents(db, "midori", [edited])

    entry = by_question(db, "midori")[respaced[0]]
    assert (entry.id, entry.version) == (old_id, 2)


def test_the_answer_engine_serves_the_new_answer_after_a_reimport(
    db: Database, first_version: Path, second_version: Path
) -> None:
    engine = AnswerEngine(db, tokenizer=default_tokenizer(), encoder=None, threshold=0.0)
    service.import_documents(db, "midori", [first_version])
    assert engine.ask("midori", ITEMS[0]).answer == ITEMS[1]

    service.import_documents(db, "midori", [second_version])

    answer = engine.ask("midori", ITEMS[0])
    assert (answer.answer, answer.entry_version) == (ITEMS_CORRECTED, 2)


def test_an_import_updates_the_desk_when_its_number_changes(
    db: Database, tmp_path: Path, first_version: Path
) -> None:
    service.import_documents(db, "midori", [first_version])
    moved = (DESK[0], DESK[1].replace("0120-000-222", "0120-000-333"))
    service.import_documents(
        db, "midori", [write(tmp_path / "v2", "faq.tsv", table(POINTS, ITEMS, STORE, moved))]
    )
    assert [c["phone"] for c in service.describe_incident(db, "midori").contacts] == [
        "0120-000-333"
    ]


# --- bad files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BadFile:
    name: str
    data: bytes
    line: int | None
    reason: str
    max_bytes: int = 20_000_000


BAD_FILES = {
    "empty": BadFile("empty.txt", b"", None, "empty"),
    "binary": BadFile("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "binary"),
    "undecodable": BadFile(
        "faq.txt",
        "ミドリ雑貨 よくあるご質問\nQ1. 補償は？\n".encode("cp932") + b"A1. \x81\n",
        3,
        "neither UTF-8 nor CP932",
    ),
    "over-size": BadFile(
        "huge.txt", ("Q. 質問？\nA. 回答です。\n" * 400).encode(), None, "limit", 5_000
    ),
    "no-qa-columns": BadFile(
        "counts.tsv",
        "日付\t件数\t担当\n5月20日\t120\t窓口\n".encode(),
        1,
        "no question/answer columns",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_bad_file_among_several_fails_naming_it_and_creates_nothing(
    db: Database, tmp_path: Path, first_version: Path, case: BadFile
) -> None:
    bad = write(tmp_path / "bad", case.name, case.data)

    with pytest.raises(DocumentFormatError) as caught:
        service.import_documents(db, "midori", [first_version, bad], max_bytes=case.max_bytes)

    assert (caught.value.path, caught.value.line) == (str(bad), case.line)
    assert case.reason in caught.value.reason
    assert str(caught.value).startswith(f"{bad}:{case.line}:" if case.line else f"{bad}:")
    assert service.list_incidents(db) == []
    with pytest.raises(NotFoundError):
        service.describe_incident(db, "midori")


@pytest.mark.parametrize("case", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_bad_file_leaves_an_existing_incident_exactly_as_it_was(
    db: Database, first_version: Path, second_version: Path, tmp_path: Path, case: BadFile
) -> None:
    service.import_documents(db, "midori", [first_version])
    before = (service.describe_incident(db, "midori"), service.list_entries(db, "midori"))
    bad = write(tmp_path / "bad", case.name, case.data)

    with pytest.raises(DocumentFormatError):
        service.import_documents(db, "midori", [second_version, bad], max_bytes=case.max_bytes)

    after = (service.describe_incident(db, "midori"), service.list_entries(db, "midori"))
    assert after == before
    assert [d.version for d in documents(db, "midori", "faq.tsv")] == [1]


def test_a_missing_file_is_a_document_format_error(db: Database, tmp_path: Path) -> None:
    missing = tmp_path / "gone.txt"
    with pytest.raises(DocumentFormatError) as caught:
        service.import_documents(db, "midori", [missing])
    assert caught.value.path == str(missing)
    assert "cannot read" in caught.value.reason
    assert service.list_incidents(db) == []


def test_two_different_files_with_one_name_in_one_import_are_rejected(
    db: Database, tmp_path: Path, first_version: Path
) -> None:
    other = write(tmp_path / "elsewhere", first_version.name, table(REFUND))
    with pytest.raises(DocumentFormatError) as caught:
        service.import_documents(db, "midori", [first_version, other])
    assert caught.value.path == str(other)
    assert str(first_version) in caught.value.reason
    assert service.list_incidents(db) == []


def test_the_same_file_given_twice_is_imported_once(db: Database, first_version: Path) -> None:
    first, again = service.import_documents(db, "midori", [first_version, first_version])
    assert (first.unchanged, again.unchanged) == (False, True)
    assert [d.version for d in documents(db, "midori", "faq.tsv")] == [1]


# --- encodings ----------------------------------------------------------------------------

JAPANESE_FAQ = (
    "ミドリ雑貨オンライン よくあるご質問\n"
    "\n"
    "Q1. 漏えいした情報は何ですか？\n"
    "A1. 氏名、住所、電話番号です。\n"
    "\n"
    "Q2. 問い合わせの受付時間は？\n"
    "A2. 平日10:00～17:00に受け付けております。\n"
    "土日祝日は休業です。\n"
)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (JAPANESE_FAQ.encode("cp932"), "cp932"),
        (codecs.BOM_UTF8 + JAPANESE_FAQ.encode("utf-8"), "utf-8-sig"),
        (JAPANESE_FAQ.replace("\n", "\r\n").encode("cp932"), "cp932"),
    ],
    ids=["cp932", "utf-8-bom", "cp932-crlf"],
)
def test_japanese_encodings_import_with_the_answer_exactly_as_published(
    db: Database, tmp_path: Path, encoded: bytes, encoding: str
) -> None:
    path = write(tmp_path, "faq.txt", encoded)

    (result,) = service.import_documents(db, "midori", [path])

    assert result.encoding == encoding
    (document,) = documents(db, "midori", "faq.txt")
    assert document.encoding == encoding
    assert document.sha256 == hashlib.sha256(encoded).hexdigest()
    entries = by_question(db, "midori")
    assert entries["漏えいした情報は何ですか？"].answer == "氏名、住所、電話番号です。"
    assert entries["問い合わせの受付時間は？"].answer == (
        "平日10:00～17:00に受け付けております。\n土日祝日は休業です。"
    )


# --- names and look-ups -------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["", "Midori", "midori shop", "-midori", "midori_2024", "ミドリ", "m" * 64, "midori\n"]
)
def test_an_import_rejects_a_bad_slug_before_writing(
    db: Database, first_version: Path, slug: str
) -> None:
    with pytest.raises(InvalidInputError):
        service.import_documents(db, slug, [first_version])
    assert service.list_incidents(db) == []


@pytest.mark.parametrize("slug", ["m", "midori", "midori-2024", "2024-leak", "m" * 63])
def test_check_slug_accepts_lower_case_letters_digits_and_hyphens(slug: str) -> None:
    assert service.check_slug(slug) == slug


@pytest.mark.parametrize(
    "lookup", [service.list_entries, service.kb_version, service.describe_incident]
)
def test_looking_up_an_unknown_incident_is_not_found(
    db: Database, lookup: Callable[[Database, str], object]
) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup(db, "nobody")
    assert (caught.value.kind, caught.value.key) == ("incident", "nobody")
