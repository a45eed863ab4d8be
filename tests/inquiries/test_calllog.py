"""Call-log import: flexible headers, CSV/CP932/XLSX, every bad row reported, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.errors import ConflictError, DocumentFormatError
from breachdesk.inquiries.calllog import CallLogError, import_call_log, parse_duration
from breachdesk.inquiries.service import list_inquiries
from breachdesk.kb import editing

SLUG = "aozora"
GOOD = """着信日時,結果,通話時間,担当,分類,不正利用,メモ
2022/7/29 9:01,応答,0:03:10,佐藤,不正利用,○,カード4111111111111111に身に覚えのない請求
2022/7/29 9:02,話中,,,,,
2022-07-29 09:05,放棄,0,,,,
2022/7/30 10:00,折返し,125,鈴木,,,090-1234-5678へ折返し
"""


@pytest.fixture
def incident(db: Database) -> Database:
    editing.create_incident(db, SLUG, "青空書店")
    return db


def test_a_good_log_is_imported_with_notes_redacted(incident: Database, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    result = import_call_log(incident, SLUG, path)
    assert (result.calls, result.answered, result.busy, result.other) == (4, 1, 2, 1)
    rows, total = list_inquiries(incident, SLUG, limit=10)
    assert total == 4
    first = next(r for r in rows if r.handled_by == "佐藤")
    assert first.duration_seconds == 190 and first.fraud_report and first.category == "不正利用"
    assert "4111" not in first.note and "[カード番号]" in first.note
    assert all("090-1234" not in r.note for r in rows)


def test_the_same_file_twice_is_refused(incident: Database, tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(GOOD, encoding="utf-8")
    import_call_log(incident, SLUG, path)
    with pytest.raises(ConflictError):
        import_call_log(incident, SLUG, path)
    assert list_inquiries(incident, SLUG)[1] == 4


def test_cp932_and_english_headers(incident: Database, tmp_path: Path) -> None:
    path = tmp_path / "calls-sjis.csv"
    text = "received_at,outcome,duration,note\n2022-07-29 09:00,answered,60,再発行の問い合わせ\n"
    path.write_bytes(text.encode("cp932"))
    assert import_call_log(incident, SLUG, path).calls == 1
    assert list_inquiries(incident, SLUG)[0][0].category == "カード再発行・手数料"


def test_xlsx(incident: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["日時", "結果", "通話時間"])
    sheet.append(["2022-07-29 09:00", "応答", 30])
    sheet.append(["2022-07-29 09:10", "話中", None])
    path = tmp_path / "calls.xlsx"
    book.save(path)
    assert import_call_log(incident, SLUG, path).calls == 2


def test_every_bad_row_is_reported_and_nothing_is_imported(
    incident: Database, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "日時,結果,通話時間,分類\n"
        "2022/7/29 9:00,応答,10,\n"
        "昨日,応答,10,\n"
        "2022/7/29 9:02,謎,10,\n"
        "2022/7/29 9:03,応答,abc,\n"
        "2022/7/29 9:04,応答,10,存在しない分類\n",
        encoding="utf-8",
    )
    with pytest.raises(CallLogError) as err:
        import_call_log(incident, SLUG, path)
    assert [line for line, _ in err.value.problems] == [3, 4, 5, 6]
    message = str(err.value)
    assert "bad.csv" in message and "line 3" in message and "謎" in message
    assert list_inquiries(incident, SLUG)[1] == 0


def test_a_log_without_the_needed_columns_says_which(incident: Database, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("時刻,担当\n9:00,佐藤\n", encoding="utf-8")
    with pytest.raises(DocumentFormatError, match="日時の列がありません"):
        import_call_log(incident, SLUG, path)


def test_durations() -> None:
    assert parse_duration("75") == 75
    assert parse_duration("1:15") == 75
    assert parse_duration("1:00:05") == 3605
    assert parse_duration("") is None
    with pytest.raises(ValueError):
        parse_duration("1分")


def test_carriage_returns_end_rows_and_a_quoted_note_keeps_its_line(
    incident: Database, tmp_path: Path
) -> None:
    path = tmp_path / "calls-cr.csv"
    text = '着信日時,結果,メモ\r2022/7/29 9:01,応答,"二行の\rメモ"\r2022/7/29 9:02,謎,\r'
    path.write_bytes(text.encode("cp932"))
    with pytest.raises(CallLogError) as err:
        import_call_log(incident, SLUG, path)
    assert err.value.problems == [(4, err.value.problems[0][1])]  # the row after a 2-line note
    path.write_bytes(text.replace("謎", "話中").encode("cp932"))
    assert import_call_log(incident, SLUG, path).calls == 2


def test_text_that_is_not_csv_is_a_format_error_with_its_line(
    incident: Database, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    # A field over the csv module's limit (128 kB), as a binary file renamed .csv can give.
    path.write_bytes("着信日時,結果\n".encode() + b'"' + b"x" * 200_000 + b'",1\n')
    with pytest.raises(DocumentFormatError) as err:
        import_call_log(incident, SLUG, path)
    assert err.value.line == 2 and "CSV" in err.value.reason
    assert list_inquiries(incident, SLUG)[1] == 0


def test_the_audit_row_is_written_in_the_import_transaction(
    incident: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed audit write leaves no calls; a re-import then works and is recorded."""
    path = tmp_path / "calls.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    real = auth.record

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(auth, "record", crash)
    with pytest.raises(RuntimeError):
        import_call_log(incident, SLUG, path, by=auth.Actor("eri"))
    assert list_inquiries(incident, SLUG, limit=1)[1] == 0
    monkeypatch.setattr(auth, "record", real)
    result = import_call_log(incident, SLUG, path, by=auth.Actor("eri"))
    assert list_inquiries(incident, SLUG, limit=1)[1] == result.calls == 4
    rows, _ = auth.list_audit(incident, action="calls.import")
    assert [(r.actor, r.target, r.detail) for r in rows] == [
        ("eri", SLUG, {"file": "calls.csv", "calls": 4})
    ]


def test_an_unclosed_quote_is_refused_with_the_line_it_opened_on(
    incident: Database, tmp_path: Path
) -> None:
    # The csv module's lenient reading made every line after the quote one note: the import
    # "succeeded" with 1 call instead of 4.
    lines = GOOD.splitlines()
    lines[2] = lines[2].replace("話中,", '話中,"', 1)
    path = tmp_path / "calls-quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DocumentFormatError) as err:
        import_call_log(incident, SLUG, path)
    assert err.value.line == 3 and "閉じられていません" in err.value.reason
    assert list_inquiries(incident, SLUG)[1] == 0
