"""The inquiry desk in the console: the call form, the report with its chart, staffing, draft."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.desk import Desk


@pytest.fixture
def desk(tmp_path: Path, seeds: dict[str, Path]) -> Desk:
    settings = Settings(db=str(tmp_path / "d.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents("kokocoupon", [seeds["kokocoupon"]])
    auth.create_user(the_desk.db, "ola", PASSWORD, "operator")
    auth.create_user(the_desk.db, "vic", PASSWORD, "viewer")
    return the_desk


@pytest.mark.seeds
def test_an_operator_logs_a_call_and_sees_it_redacted(desk: Desk) -> None:
    operator, csrf = signed_in(desk, "ola")
    form = operator.get("/console/i/kokocoupon/desk")
    tree = HTMLParser(form.text)
    assert len(tree.css('input[name="category"]')) == 10  # nine defaults + "from the note"
    response = operator.post(
        "/console/i/kokocoupon/desk",
        data={
            "csrf_token": csrf,
            "outcome": "answered",
            "channel": "phone",
            "category": "",
            "note": "4111 1111 1111 1111 に身に覚えのない請求",
            "fraud": "1",
        },
    )
    page = HTMLParser(response.text)
    flash = page.css_first(".flash")
    assert flash is not None and "不正利用" in flash.text()
    rows = page.css('table[aria-label="最近の受付記録"] tbody tr')
    assert len(rows) == 1
    text = rows[0].text()
    assert "4111" not in text and "[カード番号]" in text and "○" in text


@pytest.mark.seeds
def test_the_report_page_shows_the_days_the_chart_and_staffing(desk: Desk) -> None:
    viewer, _ = signed_in(desk, "vic")
    page = viewer.get("/console/i/kokocoupon/report")
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    assert len(tree.css("#daily tbody tr")) == 42
    assert tree.css_first("figure.chart svg") is not None
    assert not tree.css("figure.chart script")
    peak = tree.css_first('table[aria-label="人員計画"] tr.peak')
    assert peak is not None
    cells = [c.text().strip() for c in peak.css("td")]
    assert cells[0].startswith("7/29") and cells[1:3] == ["140", "58"]
    assert int(cells[5]) >= 2
    csv_file = viewer.get("/console/i/kokocoupon/report/download/daily.csv")
    # The download is for people: Japanese column names (the CLI's --csv keeps the codes).
    assert csv_file.text.lstrip("\ufeff").splitlines()[0].startswith("日付,入電,応答,応答率")
    book = viewer.get("/console/i/kokocoupon/report/download/daily.xlsx")
    assert "日別推移" in load_workbook(io.BytesIO(book.content)).sheetnames
    png = viewer.get("/console/i/kokocoupon/report/download/chart.png")
    assert png.content.startswith(b"\x89PNG")


@pytest.mark.seeds
def test_the_regulator_draft_shows_due_dates_and_blanks(desk: Desk) -> None:
    viewer, _ = signed_in(desk, "vic")
    page = viewer.get(
        "/console/i/kokocoupon/regulator",
        params={"discovered": "2022-06-14", "unauthorised": "true"},
    )
    tree = HTMLParser(page.text)
    assert not tree.css("pre")  # a document, not Markdown in a monospace block
    fields = {
        row.css_first("th").text(strip=True): row.css_first("td").text(strip=True)
        for row in tree.css(".doc-fields tr")
    }
    assert fields["確報（期限）"].startswith("2022年8月13日")
    assert fields["発覚日"].startswith("2022年6月14日")
    assert "未記入" in fields["報告日"]
    titles = [h.text(strip=True).lstrip("0123456789") for h in tree.css(".report-doc h3")]
    assert titles == [
        "概要",
        "漏えい等が発生し、又は発生したおそれがある個人データの項目",
        "本人の数",
        "原因",
        "二次被害又はそのおそれの有無及びその内容",
        "本人への対応の実施状況",
        "公表の実施状況",
        "再発防止のための措置",
        "その他参考事項",
    ]
    blanks = [b.text(strip=True) for b in tree.css(".report-doc .blank")]
    assert "（未記入：原因を記入してください）" in blanks
    refused = viewer.post("/console/i/kokocoupon/desk", data={"outcome": "answered"})
    assert refused.status_code == 403
