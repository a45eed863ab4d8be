"""Importers, one group per source shape, on small documents about a fictional web-shop leak."""

from __future__ import annotations

import codecs
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook
from pypdf import PdfWriter

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.importers import FORMATS, detect_format, parse_document
from breachdesk.kb.importers.pdf import restore_breaks
from breachdesk.kb.parsed import ParsedDocument, ParsedEntry, Source

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, data: bytes | None = None, *, format: str = "auto") -> ParsedDocument:
    return parse_document(name, fixture(name) if data is None else data, format=format)


def by_question(document: ParsedDocument) -> dict[str, ParsedEntry]:
    return {entry.question: entry for entry in document.entries}


def kinds(document: ParsedDocument) -> list[str]:
    return [entry.kind for entry in document.entries]


# --- registry -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("table_faq.tsv", "table"),
        ("table_faq.csv", "table"),
        ("dashlist_faq.txt", "dashlist"),
        ("bullet_faq.txt", "bullet"),
        ("qa_faq.txt", "qa"),
        ("notice_report.txt", "notice"),
        ("faq.md", "markdown"),
        ("faq.html", "html"),
    ],
)
def test_auto_detection_picks_the_importer_of_each_shape(name: str, expected: str) -> None:
    assert parse(name).format == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("table_faq.tsv", "table"),
        ("dashlist_faq.txt", "dashlist"),
        ("bullet_faq.txt", "bullet"),
        ("qa_faq.txt", "qa"),
        ("notice_report.txt", "notice"),
        ("faq.md", "markdown"),
        ("faq.html", "html"),
    ],
)
def test_detection_sniffs_text_without_a_telling_extension(name: str, expected: str) -> None:
    text = fixture(name).decode()
    assert detect_format(Source("upload.txt", text.encode(), text, "utf-8")) == expected


def test_detection_reads_numbered_topic_headings_as_a_notice() -> None:
    text = "お知らせ\n1. 概要について\n不正アクセスがありました。\n2. 今後の対応について\n調査を続けます。\n"
    document = parse_document("notice.txt", text.encode())
    assert document.format == "notice"
    assert [entry.question for entry in document.entries] == [
        "1. 概要について",
        "2. 今後の対応について",
    ]


def test_detection_uses_magic_bytes_for_binary_documents() -> None:
    assert detect_format(Source("upload", b"%PDF-1.4\n")) == "pdf"
    assert detect_format(Source("upload", b"PK\x03\x04rest")) == "xlsx"


VERBATIM_FIXTURES = [
    "table_faq.tsv",
    "table_faq.csv",
    "dashlist_faq.txt",
    "bullet_faq.txt",
    "qa_faq.txt",
    "notice_report.txt",
    "faq.md",
]


@pytest.mark.parametrize("name", VERBATIM_FIXTURES)
def test_every_answer_is_a_verbatim_slice_of_the_source(name: str) -> None:
    text = fixture(name).decode().replace("\r\n", "\n")
    document = parse(name)
    assert document.entries
    for entry in document.entries:
        assert entry.answer in text
        assert entry.answer == entry.answer.strip("\n")
        assert 1 <= entry.line_start <= entry.line_end


def test_import_reads_cp932_document_like_its_utf8_original() -> None:
    original = parse("bullet_faq.txt")
    cp932 = parse("bullet_faq.txt", fixture("bullet_faq.txt").decode().encode("cp932"))
    assert cp932.encoding == "cp932"
    assert cp932.entries == original.entries


def test_import_reads_utf8_bom_crlf_document_like_its_original() -> None:
    original = parse("dashlist_faq.txt")
    crlf = fixture("dashlist_faq.txt").replace(b"\n", b"\r\n")
    converted = parse("dashlist_faq.txt", codecs.BOM_UTF8 + crlf)
    assert converted.encoding == "utf-8-sig"
    assert converted.entries == original.entries


def test_import_honours_an_explicit_format() -> None:
    document = parse("qa_faq.txt", format="notice")
    assert document.format == "notice"
    assert set(kinds(document)) == {"passage"}


def test_import_rejects_unknown_format_listing_the_valid_names() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        parse("qa_faq.txt", format="docx")
    assert caught.value.path == "qa_faq.txt"
    for name in ["auto", *FORMATS]:
        assert name in caught.value.reason


def test_import_rejects_document_without_entries() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("title-only.txt", "ミドリ雑貨オンラインからのお知らせ\n".encode())
    assert caught.value.path == "title-only.txt"
    assert "no entries found" in caught.value.reason


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"", None, "empty"),
        (b"\n \n", None, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 3, "binary"),
        ("一行目\n二行目".encode("cp932") + b"\x81\n", 2, "neither UTF-8 nor CP932"),
    ],
)
def test_import_rejects_bad_bytes_naming_path_line_and_reason(
    data: bytes, line: int | None, words: str
) -> None:
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("bad.txt", data)
    assert (caught.value.path, caught.value.line) == ("bad.txt", line)
    assert words in caught.value.reason


def test_import_rejects_oversize_file_before_reading_it() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("big.pdf", b"%PDF-" + b"0" * 100, max_bytes=50)
    assert caught.value.line is None
    assert "over the limit" in caught.value.reason


# --- table (TSV/CSV) ----------------------------------------------------------------------


def test_table_keeps_the_inner_space_of_an_answer() -> None:
    first = parse("table_faq.tsv").entries[0]
    assert first.question == "自分の情報が漏えいしたか知りたいです。"
    assert first.answer == "専用窓口までお電話ください。 お名前とご住所で確認いたします。"
    assert (first.line_start, first.line_end) == (4, 4)


def test_table_appends_an_answer_running_onto_the_next_line() -> None:
    second = parse("table_faq.tsv").entries[1]
    assert second.answer == (
        "氏名、住所、電話番号、メールアドレスです。\n"
        "パスワードとクレジットカード番号は含まれていません。"
    )
    assert (second.line_start, second.line_end) == (5, 6)


def test_table_keeps_a_blank_line_inside_a_row_when_its_text_continues() -> None:
    data = "番号\t質問\t回答\n1\t補償は？\t一行目\n\n続きの段落\n2\t返金は？\tします。\n"
    entries = parse_document("faq.tsv", data.encode()).entries
    assert [entry.answer for entry in entries] == ["一行目\n\n続きの段落", "します。"]


def test_table_turns_a_trailing_note_into_a_note_entry() -> None:
    document = parse("table_faq.tsv")
    assert kinds(document) == ["qa", "qa", "qa", "qa", "note"]
    note = document.entries[-1]
    assert note.question == "2024年5月20日時点の情報です。"
    assert note.answer.startswith("※ 2024年5月20日")
    assert note.line_start == 11


def test_table_reads_csv_with_quoted_newlines_and_commas() -> None:
    entries = parse("table_faq.csv").entries
    assert [entry.question for entry in entries] == [
        "ポイントは使えますか？",
        "返品はできますか, 今も？",
    ]
    assert entries[0].answer == "サイト再開後にお使いいただけます。\n有効期限は3か月延長します。"
    assert (entries[0].line_start, entries[0].line_end) == (2, 3)


def test_table_refuses_a_csv_whose_quote_is_never_closed() -> None:
    # Read leniently, the quote made every later line one answer: 1 entry instead of 3.
    data = (
        'No,問合せ,回答\n1,カードは使えますか,"はい\n2,住所は,いいえ\n3,返品は,できます\n'.encode()
    )
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("faq.csv", data)
    assert "line 2 is never closed" in caught.value.reason


def test_import_rejects_cp932_file_with_broken_table() -> None:
    data = "ミドリ雑貨 問合せ集計\n日付\t件数\t担当\n5月20日\t120\t窓口\n".encode("cp932")
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("counts.tsv", data)
    assert (caught.value.path, caught.value.line) == ("counts.tsv", 1)
    assert "no question/answer columns" in caught.value.reason


# --- dashlist -----------------------------------------------------------------------------


def test_dashlist_reads_questions_with_bare_dash_and_two_line_forms() -> None:
    document = parse("dashlist_faq.txt")
    assert kinds(document) == ["qa", "qa", "qa", "qa", "contact"]
    assert document.title == "ミドリ雑貨オンライン"
    assert by_question(document)["漏えいした件数は何件ですか。"].answer == "3,210件です。"


def test_dashlist_keeps_step_list_and_square_heading_inside_the_answer() -> None:
    answer = by_question(parse("dashlist_faq.txt"))["パスワードの変更方法を教えてください。"]
    assert answer.answer.splitlines() == [
        "■ パソコンの場合",
        "- マイページにログイン",
        "- [ 会員情報 ] を選択",
        "- [ パスワード変更 ]",
        "上記の順に進むと変更画面が表示されます。",
        "※ログインが必要です。",
    ]


def test_dashlist_turns_the_closing_contact_block_into_a_contact_entry() -> None:
    contact = parse("dashlist_faq.txt").entries[-1]
    assert contact.kind == "contact"
    assert contact.question == "本件に関するお問い合わせ先"
    assert "0120-000-111" in contact.answer
    assert (
        "お問い合わせ先"
        not in by_question(parse("dashlist_faq.txt"))[
            "不審なメールが届いたらどうすればよいですか。"
        ].answer
    )


# --- bullet -------------------------------------------------------------------------------


def test_bullet_files_questions_under_their_sections() -> None:
    entries = [entry for entry in parse("bullet_faq.txt").entries if entry.kind == "qa"]
    assert [(entry.section, entry.question) for entry in entries] == [
        (("漏えいの概要",), "何が起きたのですか?"),
        (("漏えいの概要",), "犯人は捕まったのですか"),
        (("ご確認のお願い",), "カードの明細に身に覚えのない請求がありました"),
        (("ご確認のお願い",), "当店で同じ期間に購入したか覚えていません"),
    ]


def test_bullet_keeps_paragraphs_and_inline_bullets_of_an_answer() -> None:
    answer = by_question(parse("bullet_faq.txt"))["カードの明細に身に覚えのない請求がありました"]
    assert answer.answer == (
        "お手数ですが、カード裏面のカード会社へご連絡ください。\n\n"
        "再発行の手数料は当店が負担いたします。\n"
        "・電話・メール・FAXでのご注文も対象です"
    )


def test_bullet_reads_contact_lines_as_a_contact_not_as_questions() -> None:
    document = parse("bullet_faq.txt")
    contact = by_question(document)["ミドリ雑貨オンライン お客様相談窓口"]
    assert contact.kind == "contact"
    assert contact.answer.splitlines()[0] == "・受付時間:10:00~17:00(年末年始を除く)"
    assert not any(entry.question.startswith("受付時間") for entry in document.entries)


def test_bullet_files_closing_apology_and_signature_as_a_note() -> None:
    note = parse("bullet_faq.txt").entries[-1]
    assert note.kind == "note"
    assert note.answer.endswith("代表取締役 緑川一郎")


# --- qa -----------------------------------------------------------------------------------


def test_qa_reads_q_and_a_markers_and_question_on_the_next_line() -> None:
    document = parse("qa_faq.txt")
    assert [entry.question for entry in document.entries if entry.kind == "qa"] == [
        "漏えいした情報は何ですか？",
        "被害の補償はありますか？",
        "カードは再発行したほうがよいですか？",
    ]
    entry = by_question(document)["カードは再発行したほうがよいですか？"]
    assert entry.answer == "念のため再発行をお勧めします。\n手数料は当店が負担します。"
    assert entry.section == ("漏えいについて",)


def test_qa_keeps_square_headings_inside_marked_answers() -> None:
    entry = by_question(parse("qa_faq.txt"))["漏えいした情報は何ですか？"]
    assert (
        entry.answer
        == "氏名、住所、電話番号です。\n■ 含まれない情報\nパスワードは含まれていません。"
    )


def test_qa_turns_closing_desk_into_a_contact() -> None:
    contact = parse("qa_faq.txt").entries[-1]
    assert (contact.kind, contact.question) == ("contact", "お問い合わせ窓口")


def test_qa_reads_square_question_headings() -> None:
    text = "■ 漏えいしたのはいつですか\n5月10日です。\n\n■ 補償について\n500円分を付与します。\n続報はメールでお知らせします。\n"
    document = parse_document("faq.txt", text.encode())
    assert document.format == "qa"
    assert [(entry.question, entry.answer) for entry in document.entries] == [
        ("漏えいしたのはいつですか", "5月10日です。"),
        ("補償について", "500円分を付与します。\n続報はメールでお知らせします。"),
    ]


def test_qa_reads_numbered_question_headings() -> None:
    text = "１．パスワードは漏れましたか？\n漏れていません。\n2. 再発行は必要ですか？\n不要です。\n"
    entries = parse_document("faq.txt", text.encode(), format="qa").entries
    assert [(entry.question, entry.answer) for entry in entries] == [
        ("パスワードは漏れましたか？", "漏れていません。"),
        ("再発行は必要ですか？", "不要です。"),
    ]


# --- notice -------------------------------------------------------------------------------


def test_notice_files_the_preamble_under_the_title() -> None:
    document = parse("notice_report.txt")
    assert document.title == "ミドリ雑貨オンラインにおける不正アクセス事案への対応について"
    first = document.entries[0]
    assert first.question == document.title
    assert first.section == ()
    assert first.answer.endswith(" 深くお詫び申し上げます。")


def test_notice_turns_sentence_headings_into_their_own_passages() -> None:
    entries = by_question(parse("notice_report.txt"))
    entry = entries["2 対応状況 > (1) 全会員にメールでお知らせしました。（5 月 20 日）"]
    assert entry.answer == "(1) 全会員にメールでお知らせしました。（5 月 20 日）"
    assert entry.section == ("2 対応状況", "(1) 全会員にメールでお知らせしました。（5 月 20 日）")


def test_notice_keeps_a_run_of_short_items_in_the_paragraph_they_continue() -> None:
    entries = parse("notice_report.txt").entries
    parent = [entry.answer for entry in entries if entry.question == "1 経緯"]
    assert parent == [
        "2024年5月10日、サーバーの監視で不審な通信を検知しました。\n"
        "① 会員情報データベース\n② 注文情報データベース",
        "いずれのデータベースも現在は安全に運用しております。",
    ]
    assert not [entry for entry in entries if entry.question.endswith("データベース")]


def test_notice_item_that_only_heads_others_opens_their_first_passage() -> None:
    entries = by_question(parse("notice_report.txt"))
    first = entries[
        "2 対応状況 > (3) 監督官庁への報告 > ① 個人情報保護委員会へ速報を提出しました。"
    ]
    assert first.answer == "(3) 監督官庁への報告\n - ① 個人情報保護委員会へ速報を提出しました。"
    assert "2 対応状況 > (3) 監督官庁への報告" not in entries


@pytest.mark.parametrize("name", ["notice_report.txt", "press_release.txt", "report_with_faq.txt"])
def test_notice_never_makes_a_passage_of_a_bare_heading(name: str) -> None:
    # A heading that is a sentence (「(1) 全会員にメールでお知らせしました。」) is content.
    for entry in parse(name).entries:
        if entry.kind != "qa" and entry.section and "。" not in entry.section[-1]:
            assert entry.answer.strip() != entry.section[-1], entry


def test_notice_nests_angle_subheadings_under_the_item_above() -> None:
    entry = by_question(parse("notice_report.txt"))
    nested = [key for key in entry if key.endswith("> <報告内容>")]
    assert nested == [
        "2 対応状況 > (3) 監督官庁への報告 > ① 個人情報保護委員会へ速報を提出しました。 > <報告内容>"
    ]


def test_notice_keeps_each_table_block_verbatim_under_its_caption() -> None:
    text = fixture("notice_report.txt").decode()
    tables = [entry for entry in parse("notice_report.txt").entries if "\t" in entry.answer]
    assert [entry.answer for entry in tables] == [
        "5月\t5月20日\t5月21日\t5月22日\n\t月\t火\t水\n入電件数\t120\t95\t60\n応答件数\t80\t90\t60",
        "\t5月23日\t5月24日\n\t木\t金\n入電件数\t40\t-",
    ]
    assert all(entry.answer in text for entry in tables)
    assert {entry.question for entry in tables} == {"専用窓口の入電状況"}


def test_notice_files_event_notes_between_tables_under_the_table_heading() -> None:
    entries = [
        e for e in parse("notice_report.txt").entries if e.section == ("専用窓口の入電状況",)
    ]
    notes = [entry.answer for entry in entries if "\t" not in entry.answer]
    assert notes == ["5月20日\nお知らせメール配信", "※応答できなかった電話は話し中によるものです。"]


NOTES_NOTICE = """ミドリ雑貨オンラインからのお知らせ

1 概要
不正アクセスにより会員情報が漏えいした可能性があります。

2 お問い合わせ
ご不明な点がございましたら、下記窓口までお問い合わせください。
※詳しくは以下の窓口までご連絡ください。

専用ダイヤル 0120-000-555 までお電話ください。

改めまして、多大なるご迷惑をおかけしましたことを深くお詫び申し上げます。
"""


def test_notice_marks_desk_pointers_and_the_closing_apology_as_notes() -> None:
    entries = parse_document("notice.txt", NOTES_NOTICE.encode()).entries
    assert [(e.kind, e.answer[:8]) for e in entries] == [
        ("passage", "不正アクセスによ"),
        ("note", "ご不明な点がござ"),
        ("passage", "専用ダイヤル 0"),
        ("note", "改めまして、多大"),
    ]
    # A pointer that gives the number itself answers "where do I call?": not a note.
    joined = NOTES_NOTICE.replace("ご連絡ください。\n\n専用", "ご連絡ください。\n専用")
    kinds = [e.kind for e in parse_document("notice.txt", joined.encode()).entries]
    assert kinds == ["passage", "passage", "note"]


def test_notice_drops_the_closing_ijo() -> None:
    assert all(entry.answer != "以上" for entry in parse("notice_report.txt").entries)


# --- markdown -----------------------------------------------------------------------------


def test_markdown_reads_question_headings_with_their_lists_verbatim() -> None:
    document = parse("faq.md")
    entry = by_question(document)["漏えいした項目は何ですか？"]
    assert entry.kind == "qa"
    assert entry.section == ("よくあるご質問",)
    assert entry.answer == "- 氏名\n- 住所\n- 電話番号\n\nパスワードは含まれていません。"


def test_markdown_reads_bold_q_and_a_lists() -> None:
    entries = by_question(parse("faq.md"))
    assert entries["ポイントはもらえますか？"].answer == "500円分を付与します。"
    assert entries["付与はいつですか？"].answer == "6月1日に付与します。"
    assert entries["付与はいつですか？"].section == ("よくあるご質問", "補償について")


def test_markdown_files_other_sections_as_passages_under_the_title() -> None:
    document = parse("faq.md")
    assert document.title == "ミドリ雑貨オンライン 不正アクセスのお知らせ"
    assert document.entries[0].question == document.title
    assert by_question(document)["概要"].kind == "passage"


# --- html ---------------------------------------------------------------------------------


def test_html_reads_definition_lists_as_qa_without_tags() -> None:
    document = parse("faq.html")
    assert document.title == "ミドリ雑貨オンライン よくあるご質問"
    entry = by_question(document)["どの情報が漏えいしましたか？"]
    assert entry.answer == "氏名、住所、電話番号です。\nパスワードは含まれていません。"
    assert entry.section == ("よくあるご質問", "漏えいについて")
    assert entry.line_start == 10


def test_html_reads_details_summary_with_list_items_on_their_own_lines() -> None:
    entry = by_question(parse("faq.html"))["カードは使えなくなりますか？"]
    assert (
        entry.answer
        == "そのままお使いいただけます。\n明細をご確認ください\n不審な請求はカード会社へ"
    )


def test_html_reads_question_answer_tables_and_keeps_other_tables_tab_joined() -> None:
    document = parse("faq.html")
    assert by_question(document)["補償はありますか？"].answer == "500円分のポイントを付与します。"
    table = document.entries[-1]
    assert table.kind == "passage"
    assert table.answer == "日付\t入電\t応答\n5月20日\t120\t80"


def test_html_ignores_scripts_and_styles() -> None:
    answers = "\n".join(entry.answer for entry in parse("faq.html").entries)
    assert "dataLayer" not in answers
    assert "font-weight" not in answers


# --- xlsx ---------------------------------------------------------------------------------


def workbook_bytes(*sheets: tuple[str, Sequence[Sequence[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets:
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FAQ_ROWS: Sequence[Sequence[object]] = [
    ["ミドリ雑貨オンライン FAQ", None, None],
    ["No.", "質問", "回答"],
    [1, "漏えいした項目は？", "氏名と住所です。\nパスワードは含まれません。"],
    [None, None, "続報はメールでお知らせします。"],
    [2, "補償はありますか？", "500円分のポイントを付与します。"],
    [None, None, None],
    ["※ 5月20日時点の情報です。", None, None],
]


def test_xlsx_reads_question_answer_rows_with_row_numbers() -> None:
    document = parse_document("faq.xlsx", workbook_bytes(("FAQ", FAQ_ROWS)))
    assert document.format == "xlsx"
    assert kinds(document) == ["qa", "qa", "note"]
    first = document.entries[0]
    assert (
        first.answer
        == "氏名と住所です。\nパスワードは含まれません。\n続報はメールでお知らせします。"
    )
    assert (first.line_start, first.line_end, first.section) == (3, 4, ())


def test_xlsx_files_entries_under_sheet_names_when_there_are_several() -> None:
    other = [["Q", "A"], ["退会できますか？", "できます。"]]
    data = workbook_bytes(("FAQ", FAQ_ROWS), ("会員", other))
    sections = {entry.section for entry in parse_document("faq.xlsx", data).entries}
    assert sections == {("FAQ",), ("会員",)}


def test_xlsx_rejects_a_sheet_without_question_and_answer_columns() -> None:
    counts: list[list[object]] = [[None], ["日付", "入電", "応答"], ["5月20日", 120, 80]]
    data = workbook_bytes(("FAQ", FAQ_ROWS), ("集計", counts))
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("faq.xlsx", data)
    assert (caught.value.path, caught.value.line) == ("faq.xlsx", 2)
    assert "'集計'" in caught.value.reason


def test_xlsx_rejects_bytes_that_are_not_a_workbook() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("faq.xlsx", b"not a zip file")
    assert "XLSX" in caught.value.reason


# --- pdf ----------------------------------------------------------------------------------

PDF_LINES = [
    "Q. Was my card number leaked?",
    "A. No. Card numbers are not stored by the shop.",
    "Q. How do I change my password?",
    "A. Log in and open the account page.",
    "Then choose (Password).",
]


def pdf_bytes(lines: list[str], *, one_line: bool = False) -> bytes:
    """A one-page PDF with Helvetica text: one text line per item, or all on a single line."""

    def literal(text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})"

    if one_line:
        operators = f"BT /F1 10 Tf 40 800 Td {literal(' '.join(lines))} Tj ET"
    else:
        shown = " ".join(f"{literal(line)} Tj T*" for line in lines)
        operators = f"BT /F1 10 Tf 14 TL 40 800 Td {shown} ET"
    stream = operators.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_reads_the_text_layer_with_its_line_breaks() -> None:
    document = parse_document("faq.pdf", pdf_bytes(PDF_LINES))
    assert document.format == "pdf"
    assert [(entry.question, entry.answer) for entry in document.entries] == [
        ("Was my card number leaked?", "No. Card numbers are not stored by the shop."),
        (
            "How do I change my password?",
            "Log in and open the account page.\nThen choose (Password).",
        ),
    ]


def test_pdf_splits_text_extracted_without_line_breaks() -> None:
    document = parse_document("faq.pdf", pdf_bytes(PDF_LINES, one_line=True))
    assert [entry.question for entry in document.entries] == [
        "Was my card number leaked?",
        "How do I change my password?",
    ]
    assert document.entries[1].answer == "Log in and open the account page. Then choose (Password)."


def test_pdf_restores_breaks_before_japanese_markers_only() -> None:
    text = "よくある質問 Q．漏えいはいつですか？A．5月です。・電話・メールの方 ①会員 ②注文"
    assert restore_breaks(text).split("\n") == [
        "よくある質問",
        "Q．漏えいはいつですか？",
        "A．5月です。",
        "・電話・メールの方",
        "①会員",
        "②注文",
    ]


def test_pdf_rejects_an_image_only_document() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentFormatError) as caught:
        parse_document("scan.pdf", buffer.getvalue())
    assert (caught.value.path, caught.value.line) == ("scan.pdf", None)
    assert "no text layer" in caught.value.reason
