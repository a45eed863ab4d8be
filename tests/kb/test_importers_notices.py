"""Notices as organisations publish them, read into answerable units.

The twelve fictional notices of `fixtures/notices/` take the shapes real ones take (a card-leak
report with `記` … `以上`, `【…】` sections without blank lines, `Ⅰ` headings in CP932, an e-mail
with `■`/`●` and `敬具`, no headings at all, PDF text with hard breaks, HTML with `<strong>` or
`<dt>` headings, Markdown); the tests below check that each is cut so that "when", "what
leaked", "what should I do" and "whom do I call" are answered by different units, and the
HTML, Markdown, PDF and sniffing rules that bring a page's structure to the notice reader.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from breachdesk.kb.importers import parse_document
from breachdesk.kb.importers.pdf import join_wrapped_lines
from breachdesk.kb.parsed import ParsedDocument, ParsedEntry

NOTICES = Path(__file__).parent / "fixtures" / "notices"
FORMATS = {
    "brackets_mixed.txt": "notice",
    "card_forensic.txt": "notice",
    "city_roman_cp932.txt": "notice",
    "dl_sections.html": "html",
    "hard_breaks.txt": "notice",
    "no_blank_lines.txt": "notice",
    "no_headings.txt": "notice",
    "notice.md": "markdown",
    "ransomware_clinic.txt": "notice",
    "school_usb.pdf": "pdf",
    "square_mail.txt": "notice",
    "strong_headings.html": "html",
}
MIN_UNITS, MAX_UNITS = 6, 25
"""A notice of one to six kilobytes gives this many passages."""
MAX_ANSWER_CHARS = 600


def parse(name: str) -> ParsedDocument:
    return parse_document(name, (NOTICES / name).read_bytes())


def passages(document: ParsedDocument) -> list[ParsedEntry]:
    return [entry for entry in document.entries if entry.kind == "passage"]


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_every_notice_fixture_has_its_expected_format() -> None:
    documents = {p.name for p in NOTICES.iterdir() if p.suffix in (".txt", ".html", ".md", ".pdf")}
    assert documents == set(FORMATS)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_notice_is_read_in_its_shape_into_answerable_units(name: str) -> None:
    document = parse(name)
    assert document.format == FORMATS[name]
    found = passages(document)
    assert MIN_UNITS <= len(found) <= MAX_UNITS
    assert max(len(entry.answer) for entry in found) <= MAX_ANSWER_CHARS
    labels = {entry.question for entry in found}
    labels |= {label for entry in found for label in entry.section if "。" not in label}
    assert not [entry.answer for entry in found if entry.answer.strip() in labels]


@pytest.mark.parametrize("name", [n for n in sorted(FORMATS) if n.endswith((".txt", ".md"))])
def test_every_notice_answer_is_a_verbatim_slice_of_its_lines(name: str) -> None:
    document = parse(name)
    text = (NOTICES / name).read_bytes().decode(document.encoding or "utf-8")
    lines = text.replace("\r\n", "\n").split("\n")
    for entry in document.entries:
        span = "\n".join(lines[entry.line_start - 1 : entry.line_end])
        assert entry.answer in span, entry


# Strings read off each notice: when it happened, what leaked, what to do, whom to call.
QUESTIONS = {
    "brackets_mixed.txt": (
        "2026年3月2日夜",
        "【項目】氏名、住所",
        "不審な電話や訪問",
        "0120-402-815",
    ),
    "card_forensic.txt": (
        "2026年7月14日、一部のクレジットカード会社",
        "・セキュリティコード",
        "今一度ご確認をお願いいたします",
        "0120-555-0184",
    ),
    "city_roman_cp932.txt": (
        "令和8年9月18日、市民課の窓口",
        "申請者の氏名、住所、生年月日",
        "不審な電話や訪問にご注意ください",
        "0297-55-0110",
    ),
    "dl_sections.html": ("2026年4月15日", "お客様の氏名、住所、電話番号", None, "045-555-0199"),
    "hard_breaks.txt": ("5月28日午前", "給与振込口座", "添付ファイルを開いたり", "0265-55-0137"),
    "no_blank_lines.txt": (
        "2026年5月9日から6月2日までの間",
        "ニックネーム、登録したメールアドレス",
        None,
        "support@tochinoki.example.jp",
    ),
    "no_headings.txt": (
        "2026年8月18日午後3時ごろ",
        "表示されたのはメールアドレスのみ",
        "誤って受信したメールを削除してください",
        "011-555-0248",
    ),
    "notice.md": (
        "2026年9月17日、会員の方から",
        "- 購入履歴（書名と購入日）",
        "ストアのパスワードを変更してください",
        "0120-310-562",
    ),
    "ransomware_clinic.txt": (
        "2026年10月12日未明",
        "・保険者番号",
        "郵便物にご注意ください",
        "03-5555-0172",
    ),
    "school_usb.pdf": ("7月6日の放課後", "出席番号", None, "0299-55-0163"),
    "square_mail.txt": (
        "2026年11月21日から11月24日にかけて",
        "●保有ポイント数",
        "新しいパスワードを設定してください",
        "0120-700-318",
    ),
    "strong_headings.html": (
        "2026年8月30日、予約システムの保守",
        "予約日時と来院する院の名前",
        "SMSにご注意ください",
        "0120-880-271",
    ),
}


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_each_notice_answers_when_what_what_to_do_and_whom_to_call_with_different_units(
    name: str,
) -> None:
    found = passages(parse(name))
    units = []
    for text in (text for text in QUESTIONS[name] if text is not None):
        (unit,) = [entry for entry in found if norm(text) in norm(entry.answer)]
        units.append(unit)
    assert len({(unit.line_start, unit.answer) for unit in units}) == len(units)


def test_the_notes_of_an_e_mail_notice_are_its_letterhead_greeting_courtesy_and_signature() -> None:
    notes = [e.answer for e in parse("square_mail.txt").entries if e.kind == "note"]
    openings = ("2026年12月2日\n", "拝啓\u3000", "今後とも変わらぬ", "ルリカケ観光株式会社\nhttps:")
    assert len(notes) == len(openings)
    assert all(note.startswith(opening) for note, opening in zip(notes, openings, strict=True))


def test_a_cp932_notice_reads_its_roman_numbered_sections() -> None:
    document = parse("city_roman_cp932.txt")
    assert document.encoding == "cp932"
    tops = {entry.section[0].split("\u3000")[0] for entry in passages(document)}
    assert {"Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ"} <= tops


def test_a_timeline_of_dated_lines_is_one_unit() -> None:
    document = parse("ransomware_clinic.txt")
    (timeline,) = [e for e in document.entries if e.section == ("【これまでの経過】",)]
    assert len(timeline.answer.split("\n")) == 4


# --- HTML -----------------------------------------------------------------------------------


def test_html_bold_paragraphs_head_the_text_below_and_the_single_h1_titles_the_rest() -> None:
    document = parse("strong_headings.html")
    h1 = "オンライン予約システムへの不正アクセスに関するお詫びとお知らせ"
    sections = [entry.section for entry in passages(document)]
    assert sections[0] == ()
    assert passages(document)[0].question == h1
    assert {section[0] for section in sections if section} == {
        "1. 経緯",
        "2. 流出した可能性のある情報",
        "3. 患者様へのお願い",
        "4. 当グループの対応",
        "5. お問い合わせ窓口",
    }
    assert not any("トップ" in entry.answer for entry in document.entries)  # the <nav> crumbs


def test_html_bold_run_before_a_line_break_heads_the_rest_of_its_paragraph() -> None:
    found = [
        e for e in parse("strong_headings.html").entries if e.section == ("3. 患者様へのお願い",)
    ]
    assert [entry.answer[:8] for entry in found] == ["当グループを装っ", "当グループから、"]


def test_html_list_items_stay_with_their_lead_in() -> None:
    (listed,) = [e for e in parse("strong_headings.html").entries if "電話番号\n" in e.answer]
    assert listed.answer.split("\n")[0].endswith("以下の情報です。")
    assert listed.answer.split("\n")[-1] == "予約日時と来院する院の名前"


def test_html_terms_that_ask_nothing_head_their_descriptions() -> None:
    document = parse("dl_sections.html")
    found = {entry.section: entry for entry in document.entries}
    when = found[("紛失した書類の概要", "紛失が判明した日")]
    assert (when.kind, when.answer) == ("passage", "2026年4月15日")
    assert document.entries[0].kind == "note"  # the page's date under its title


@pytest.mark.parametrize("wrapper", ["div", "p"])
def test_html_text_between_line_breaks_reads_as_paragraphs_under_bold_lines(wrapper: str) -> None:
    page = (
        f"<html><body><h1>会員情報の流出に関するお詫び</h1><{wrapper}>2026年5月1日<br><br>"
        "当店の<a href='/shop'>通販サイト</a>で会員情報が流出した可能性があります。<br><br>"
        "<strong>流出した情報</strong><br>氏名、住所、電話番号<br><br>"
        f"<b>お問い合わせ</b><br>お客様窓口　0120-000-111（平日10時～17時）</{wrapper}></body></html>"
    )
    found = parse_document("news.html", page.encode()).entries
    assert [(e.kind, e.section, e.answer) for e in found] == [
        ("note", (), "2026年5月1日"),
        ("passage", (), "当店の通販サイトで会員情報が流出した可能性があります。"),
        ("passage", ("流出した情報",), "氏名、住所、電話番号"),
        ("passage", ("お問い合わせ",), "お客様窓口\u30000120-000-111（平日10時～17時）"),
    ]


def test_html_reads_the_page_main_content_without_its_site_header_sidebar_and_footer() -> None:
    page = (
        "<html><body><header><p class='logo'>ミドリ雑貨</p><p>暮らしの道具の店</p></header>"
        "<div class='breadcrumb'>トップ &gt; お知らせ</div><main><article>"
        "<h1>会員情報の流出に関するお詫び</h1><p>当店の通販サイトで会員情報が流出しました。</p>"
        "</article><aside><h2>最近の投稿</h2><p>夏のセールのお知らせ</p></aside></main>"
        "<footer><p>〒000-0000 みどり市1-2-3 代表電話 03-0000-0000</p></footer></body></html>"
    )
    found = parse_document("news.html", page.encode()).entries
    assert [entry.answer for entry in found] == ["当店の通販サイトで会員情報が流出しました。"]


def _row(label: str) -> str:
    value = f"{label}については、外部の調査会社による調査の結果をもとに確認しております。" * 3
    return f"<tr><th>{label}</th><td>{value}</td></tr>"


def test_html_long_table_of_labelled_rows_gives_one_unit_per_row() -> None:
    labels = ("発生日", "漏えいのおそれがある情報", "対象者数", "お問い合わせ")
    page = (
        "<html><body><h2>概要</h2><table>" + "".join(map(_row, labels)) + "</table></body></html>"
    )
    found = parse_document("summary.html", page.encode()).entries
    assert [entry.section for entry in found] == [("概要", label) for label in labels]
    short = "<html><body><h2>概要</h2><table><tr><th>発生日</th><td>5月1日</td></tr>"
    short += "<tr><th>件数</th><td>120件</td></tr></table></body></html>"
    (table,) = parse_document("summary.html", short.encode()).entries
    assert table.answer == "発生日\t5月1日\n件数\t120件"


# --- Markdown and PDF -----------------------------------------------------------------------


def test_markdown_notice_sections_are_cut_into_units_and_a_desk_keeps_its_fields() -> None:
    document = parse("notice.md")
    leaked = [e for e in document.entries if e.section == ("2. 漏えいした情報",)]
    assert [e.answer.split("\n")[0] for e in leaked] == [
        "漏えいした情報は、次のとおりです。",
        "パスワードはハッシュ化して保存しており、元のパスワードが漏えいした事実は確認されて"
        "おりません。クレジットカード情報は決済代行会社が管理しており、当社のシステムには保存"
        "されていないため、漏えいしておりません。",
    ]
    (desk,) = [e for e in document.entries if e.section == ("5. お問い合わせ窓口",)]
    assert desk.answer.startswith("ミモザ書房ストア 個人情報お問い合わせ窓口\n\n- 電話")
    (table,) = [e for e in document.entries if e.section == ("3. 対象となる会員数",)]
    assert table.answer.count("\n") == 3


def test_pdf_lines_broken_by_the_page_width_are_joined_and_its_title_is_read() -> None:
    document = parse("school_usb.pdf")
    assert document.title == "生徒の個人情報を記録したUSBメモリの紛失について（お詫び）"
    (lost,) = [e for e in document.entries if e.section == ("1 紛失した物",)]
    assert lost.answer == "学校で管理している暗号化機能付きのUSBメモリ1個（パスワードを設定済み）"
    assert all("\n" not in entry.answer for entry in passages(document))


def test_pdf_a_full_line_ending_mid_sentence_runs_on_unless_a_gap_follows() -> None:
    full = "当店の通販サイトで会員情報が漏えいした可能性があることが判明いたし"
    lines = [
        full,
        "ました。",
        "お知らせ(お詫び)について漏えいした会員情報の件数な",
        "拝啓　本文です。",
    ]
    text = "\n".join(lines)
    assert join_wrapped_lines(text).split("\n") == [full + "ました。", lines[2] + lines[3]]
    gaps = [None, None, True, True]
    assert join_wrapped_lines(text, gaps).split("\n")[1:] == ["", lines[2], "", lines[3]]


# --- sniffing -------------------------------------------------------------------------------


def test_a_notice_whose_square_headings_tell_is_not_read_as_a_faq() -> None:
    assert parse("square_mail.txt").format == "notice"
    faq = "■ 漏えいしたのはいつですか\n5月10日です。\n\n■ 不審なメールにご注意ください\n開かないでください。\n"
    assert parse_document("faq.txt", faq.encode()).format == "qa"
