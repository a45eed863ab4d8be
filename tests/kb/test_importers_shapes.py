"""The shapes real notices take, each in a fixture about a fictional organisation.

- `pdf_text_one_line.txt`: a PDF's text saved as `.txt`, every line break lost (株式会社ミナモ電機);
- `press_release.txt`: unnumbered headings and `- 項目:値` lists (株式会社アオバ旅行);
- `municipal_warning.txt`: a city's bullet points, then its own desk and the desks of other bodies
  for scam calls (みなと市 上下水道局);
- `report_with_faq.txt`: a numbered report followed by よくあるご質問 with `Q:`/`Ａ：` lines
  (株式会社カワセミ保険サービス).

Each is checked for what an incident's desk is built from: entries and their sections, the
desk, and the facts (periods, items leaked and not leaked, counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from breachdesk.db import Database
from breachdesk.kb import service
from breachdesk.kb.contacts import find_contacts
from breachdesk.kb.facts import Facts, extract_facts
from breachdesk.kb.importers import parse_document
from breachdesk.kb.importers.breaks import needs_breaks, restore_breaks
from breachdesk.kb.parsed import ParsedDocument, ParsedEntry

FIXTURES = Path(__file__).parent / "fixtures"
SHAPES = (
    "pdf_text_one_line.txt",
    "press_release.txt",
    "municipal_warning.txt",
    "report_with_faq.txt",
)
PERSONAL = {"name", "address", "phone", "email"}


def parse(name: str) -> ParsedDocument:
    return parse_document(name, (FIXTURES / name).read_bytes())


def entry(document: ParsedDocument, question: str) -> ParsedEntry:
    (found,) = [e for e in document.entries if e.question == question]
    return found


def facts(found: ParsedEntry) -> Facts:
    """The facts the import stores for an entry: read from its question and answer."""
    return extract_facts(found.question + "\n" + found.answer)


def period(found: ParsedEntry) -> tuple[dt.date | None, dt.date | None]:
    (span,) = facts(found).ranges
    assert span.first is not None and span.last is not None
    return span.first.first_day, span.last.last_day


def maximum(found: ParsedEntry) -> tuple[int | float, str, bool]:
    (count,) = facts(found).counts
    return count.value, count.unit, count.maximum


# --- every shape ----------------------------------------------------------------------------


DOCUMENTS = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix != ".py")
"""Every fixture document, the notices of `fixtures/notices/` included."""


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_no_passage_of_any_fixture_is_a_bare_heading(path: Path) -> None:
    for found in parse_document(path.name, path.read_bytes()).entries:
        if found.kind == "qa":
            continue  # a published answer may be short; it is still the organisation's answer
        labels = {found.question, *(label for label in found.section if "。" not in label)}
        assert found.answer.strip() not in labels, found


@pytest.mark.parametrize("name", SHAPES)
def test_each_shape_yields_one_desk_of_its_own_organisation(name: str) -> None:
    (desk,) = find_contacts(parse(name).entries)
    assert desk.open_time is not None and desk.close_time is not None
    assert not desk.days.weekends_open


# --- (a) PDF text with its line breaks lost -------------------------------------------------


def test_one_line_pdf_text_gets_its_breaks_back_and_reads_as_a_numbered_notice() -> None:
    original = (FIXTURES / "pdf_text_one_line.txt").read_text()
    document = parse("pdf_text_one_line.txt")
    assert "\n" not in original.strip()
    assert document.format == "notice"
    assert document.title == "株式会社ミナモ電機 不正アクセスによる個人情報漏えいに関するお知らせ"
    assert [e.question for e in document.entries if e.section] == [
        "1. 概要",
        "2. 漏えいした可能性のある情報 > (1) 漏えいした可能性のある項目",
        "2. 漏えいした可能性のある情報 > (2) 漏えいしていない項目",
        "3. 対象となるお客様",
        "4. お客様へのお願い",
        "5. お問い合わせ窓口",
    ]
    # Only line breaks were put back: every answer is the published text, spaces where they were.
    for found in document.entries:
        assert " ".join(found.answer.split("\n")) in original, found.answer


def test_one_line_pdf_text_keeps_its_facts_and_desk() -> None:
    document = parse("pdf_text_one_line.txt")
    leaked = entry(document, "2. 漏えいした可能性のある情報 > (1) 漏えいした可能性のある項目")
    kept = entry(document, "2. 漏えいした可能性のある情報 > (2) 漏えいしていない項目")
    assert facts(leaked).leaked_keys() == PERSONAL
    assert facts(kept).denied_keys() == {"card_number", "password"}
    assert facts(kept).leaked_keys() == frozenset()
    who = entry(document, "3. 対象となるお客様")
    assert period(who) == (dt.date(2026, 8, 1), dt.date(2026, 9, 12))
    assert maximum(who) == (12345, "件", True)
    (desk,) = find_contacts(document.entries)
    assert desk.phone == "0120-111-222"
    assert (desk.open_time, desk.close_time) == (dt.time(10), dt.time(17))
    assert not desk.days.holidays_open


def test_one_line_text_that_lost_its_spaces_too_still_splits_by_section_and_item() -> None:
    glued = (FIXTURES / "pdf_text_one_line.txt").read_text().replace(" ", "")
    document = parse_document("notice.txt", glued.encode())
    tops = [e.section[0][:2] for e in document.entries if e.section]
    assert tops == ["1.", "2.", "2.", "3.", "4.", "5."]
    leaked, kept = (e for e in document.entries if len(e.section) == 2)
    assert facts(leaked).leaked_keys() == PERSONAL
    assert facts(kept).denied_keys() == {"card_number", "password"}
    assert find_contacts(document.entries)[0].phone == "0120-111-222"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_texts_with_their_line_breaks_are_left_exactly_as_they_are(path: Path) -> None:
    if path.name == "pdf_text_one_line.txt" or path.suffix not in (".txt", ".md", ".csv", ".tsv"):
        return
    text = parse_document(path.name, path.read_bytes()).entries  # decodes CP932 too
    assert text
    assert not needs_breaks(path.read_bytes().decode("utf-8-sig", errors="replace"))


def test_restored_breaks_split_labels_sentences_and_a_lone_date() -> None:
    text = "お知らせ 2026年1月5日 本文です。 続きです。 1. 概要 不正アクセスがありました。"
    assert restore_breaks(text).split("\n") == [
        "お知らせ",
        "2026年1月5日",
        "本文です。",
        "続きです。",
        "1. 概要",
        "不正アクセスがありました。",
    ]


# --- (b) press release: unnumbered headings, `- 項目:値` lists ------------------------------


def test_press_release_headings_are_plain_lines_and_the_letterhead_is_no_title() -> None:
    document = parse("press_release.txt")
    assert document.format == "notice"
    assert document.title == "不正アクセスによるお客様情報流出に関するお知らせ"
    assert [(e.kind, e.question) for e in document.entries] == [
        ("note", "不正アクセスによるお客様情報流出に関するお知らせ"),  # the letterhead above it
        ("passage", "不正アクセスによるお客様情報流出に関するお知らせ"),
        ("passage", "概要"),
        ("passage", "流出した可能性のある情報"),
        ("passage", "お客様へのお願い"),
        ("passage", "今後の対応"),
        ("passage", "本件に関するお問い合わせ先"),
    ]
    summary = entry(document, "概要")
    assert summary.section == ("概要",)
    assert summary.answer.split("\n")[1:] == [
        "- 発覚日:2026年10月5日",
        "- 対象期間:2026年8月1日~2026年10月5日",
        "- 対象件数:最大8,210件",
    ]


def test_press_release_facts_read_the_item_lists_and_the_key_value_bullets() -> None:
    document = parse("press_release.txt")
    summary = entry(document, "概要")
    assert period(summary) == (dt.date(2026, 8, 1), dt.date(2026, 10, 5))
    assert maximum(summary) == (8210, "件", True)
    items = facts(entry(document, "流出した可能性のある情報"))
    assert items.leaked_keys() == PERSONAL
    assert items.denied_keys() == {"card_info", "password"}
    (desk,) = find_contacts(document.entries)
    assert (desk.phone, desk.mail) == ("0120-345-678", "info@aoba-travel.example.jp")
    assert desk.label == "アオバ旅行 お客様情報お問い合わせ窓口"
    assert (desk.open_time, desk.close_time) == (dt.time(9), dt.time(18))


# --- (c) municipal warning: bullets, and other bodies' desks -------------------------------


def test_municipal_warning_keeps_its_bullets_together_and_files_the_letterhead_as_a_note() -> None:
    document = parse("municipal_warning.txt")
    title = "市を名乗る不審な電話にご注意ください(水道料金システムの個人情報漏えい)"
    assert document.title == title
    assert [(e.kind, e.question) for e in document.entries] == [
        ("note", title),
        ("passage", title),
        ("passage", "本件に関するお問い合わせ"),
        ("passage", "不審な電話・詐欺に関するご相談"),
    ]
    bullets = document.entries[1].answer.split("\n")
    assert len(bullets) == 5 and all(line.startswith("・") for line in bullets)


def test_municipal_warning_desk_is_the_citys_own_and_scam_desks_stay_a_passage() -> None:
    document = parse("municipal_warning.txt")
    (desk,) = find_contacts(document.entries)
    assert (desk.phone, desk.label) == ("045-555-0123", "みなと市 上下水道局 お客様センター")
    assert (desk.open_time, desk.close_time) == (dt.time(8, 30), dt.time(17, 15))
    assert not desk.days.holidays_open and desk.days.year_end_closed
    others = entry(document, "不審な電話・詐欺に関するご相談")
    assert all(number in others.answer for number in ("045-555-0188", "#9110", "188(局番なし)"))
    # Read on its own, the passage still gives the other body's desk.
    (elsewhere,) = find_contacts([others])
    assert (elsewhere.phone, elsewhere.label) == ("045-555-0188", "みなと市消費生活センター")


def test_municipal_warning_facts_read_leaked_denied_period_and_count() -> None:
    document = parse("municipal_warning.txt")
    bullets = facts(document.entries[1])
    assert bullets.leaked_keys() == {"name", "address", "phone"}
    assert bullets.denied_keys() == {"bank_account", "card_info"}
    assert period(document.entries[1]) == (dt.date(2026, 4, 1), dt.date(2026, 10, 20))
    assert maximum(document.entries[1]) == (3412, "件", True)


def _spaced(text: str) -> str:
    return text.replace("。\n・", "。\n\n・")


def _black_dots(text: str) -> str:
    return "\n".join(
        "● " + line[1:] if line.startswith("・") else line for line in text.split("\n")
    )


@pytest.mark.parametrize("variant", [_spaced, _black_dots], ids=["blank-lines", "black-dots"])
def test_municipal_warning_bullets_are_never_read_as_questions(
    variant: Callable[[str], str],
) -> None:
    text = variant((FIXTURES / "municipal_warning.txt").read_text())
    document = parse_document("warning.txt", text.encode())
    assert document.format == "notice"
    assert {e.kind for e in document.entries} == {"note", "passage"}
    bullets = [line[2:] for line in text.split("\n") if line.startswith(("・", "● "))]
    answers = "\n".join(e.answer for e in document.entries)
    assert len(bullets) == 5 and all(bullet in answers for bullet in bullets)
    assert entry(document, "不審な電話・詐欺に関するご相談").section == (
        "不審な電話・詐欺に関するご相談",
    )
    (desk,) = find_contacts(document.entries)
    assert desk.phone == "045-555-0123"
    whole = extract_facts(answers)
    assert whole.leaked_keys() == {"name", "address", "phone"}
    assert whole.denied_keys() == {"bank_account", "card_info"}


# --- (d) numbered report followed by よくあるご質問 -----------------------------------------


def test_report_part_becomes_passages_and_the_faq_real_questions() -> None:
    document = parse("report_with_faq.txt")
    assert document.format == "qa"
    assert document.title == "お客様情報の漏えいに関するご報告(第2報)"
    passages = [e.question for e in document.entries if e.kind == "passage"]
    assert passages == [
        "1. 経緯",
        "2. 漏えいした情報 > (1) 漏えいした項目",
        "2. 漏えいした情報 > (2) 漏えいしていない項目",
        "3. 対象となるお客様",
        "4. お問い合わせ窓口",
    ]
    qa = [e for e in document.entries if e.kind == "qa"]
    assert [(e.question, e.answer) for e in qa] == [
        (
            "自分が対象かどうか知りたい。",
            "対象のお客様には2026年10月10日までに書面でお知らせします。",
        ),
        ("口座番号は漏えいしましたか。", "口座番号は漏えいしておりません。"),
        ("保険契約に影響はありますか？", "ご契約内容への影響はありません。"),
    ]
    assert {e.section for e in qa} == {("よくあるご質問",)}
    assert "よくあるご質問" not in "\n".join(e.answer for e in document.entries)


def test_report_with_faq_facts_and_desk() -> None:
    document = parse("report_with_faq.txt")
    assert facts(entry(document, "2. 漏えいした情報 > (1) 漏えいした項目")).leaked_keys() == {
        "name",
        "birth_date",
        "phone",
    }
    denied = facts(entry(document, "2. 漏えいした情報 > (2) 漏えいしていない項目"))
    assert denied.denied_keys() == {"bank_account", "card_number"}
    who = entry(document, "3. 対象となるお客様")
    assert period(who) == (dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    assert maximum(who) == (4501, "名", True)
    assert facts(entry(document, "口座番号は漏えいしましたか。")).denied_keys() == {"bank_account"}
    (desk,) = find_contacts(document.entries)
    assert (desk.phone, desk.label) == (
        "0120-777-888",
        "カワセミ保険サービス 情報漏えい専用ダイヤル",
    )


@pytest.mark.parametrize(
    ("marks", "heading"),
    [
        (("Q:", "A:"), "よくあるご質問"),
        (("Q．", "Ａ："), "【よくあるご質問】"),
        (("Ｑ：", "Ａ．"), "■よくあるご質問"),
    ],
)
def test_faq_after_a_report_takes_half_and_full_width_marks(
    marks: tuple[str, str], heading: str
) -> None:
    q, a = marks
    text = (
        "漏えいに関するご報告\n\n1. 経緯\n不正アクセスを確認しました。\n2. 対象\n会員の方です。\n\n"
        f"{heading}\n{q}費用はかかりますか？\n{a}かかりません。\n"
        f"{q}いつ届きますか？\n{a}10月中にお送りします。\n"
    )
    document = parse_document("report.txt", text.encode())
    assert [(e.kind, e.question, e.answer, e.section) for e in document.entries][-2:] == [
        ("qa", "費用はかかりますか？", "かかりません。", ("よくあるご質問",)),
        ("qa", "いつ届きますか？", "10月中にお送りします。", ("よくあるご質問",)),
    ]
    assert [e.question for e in document.entries if e.kind == "passage"] == ["1. 経緯", "2. 対象"]


def test_report_with_plain_headings_before_its_faq_is_read_too() -> None:
    text = (
        "お客様情報の漏えいに関するご報告\n\n概要\n2026年9月30日、不正アクセスを確認しました。\n\n"
        "漏えいした情報\n氏名と電話番号が漏えいしました。口座番号は含まれておりません。\n\n"
        "よくあるご質問\nQ:費用はかかりますか？\nA:かかりません。\nQ:届きますか？\nA:届きます。\n"
    )
    document = parse_document("report.txt", text.encode())
    assert [(e.kind, e.question) for e in document.entries] == [
        ("passage", "概要"),
        ("passage", "漏えいした情報"),
        ("qa", "費用はかかりますか？"),
        ("qa", "届きますか？"),
    ]


def test_a_faq_with_only_a_title_and_sections_before_its_questions_has_no_report() -> None:
    text = "よくあるご質問\n\n【漏えいについて】\nQ. いつですか？\nA. 5月です。\nQ. 何件ですか？\nA. 10件です。\n"
    document = parse_document("faq.txt", text.encode())
    assert document.title is None
    assert [(e.kind, e.section) for e in document.entries] == [("qa", ("漏えいについて",))] * 2


# --- through the import ---------------------------------------------------------------------


def test_importing_every_shape_gives_each_incident_its_own_desk_and_facts(db: Database) -> None:
    for index, name in enumerate(SHAPES):
        slug = f"shape-{index}"
        service.import_documents(db, slug, [FIXTURES / name])
        view = service.describe_incident(db, slug)
        assert len(view.contacts) == 1, (name, view.contacts)
        assert view.facts["ranges"] and view.facts["counts"] and view.facts["items"]
    city = service.describe_incident(db, "shape-2")
    assert city.contacts[0]["phone"] == "045-555-0123"
    kinds = {e.kind for e in service.list_entries(db, "shape-3")}
    assert kinds == {"note", "passage", "qa"}
