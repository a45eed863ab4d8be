"""notify/remediation.py: loading codes, importing redemption reports, card reissue reports and
the figures, on both stores; and `breachdesk remediation …` through CliRunner."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from remediation_support import Shop, add_incident, at_once, gift_codes, make_shop
from sqlalchemy import func, select
from typer.testing import CliRunner

from breachdesk.auth import service as auth
from breachdesk.auth.service import Actor
from breachdesk.cli import app
from breachdesk.db import Database, open_database
from breachdesk.db.tables import ReissueReport, RemediationCode
from breachdesk.errors import ConflictError, DocumentFormatError, InvalidInputError
from breachdesk.notify.codes import assign_codes, codes_of, open_code
from breachdesk.notify.remediation import (
    import_redeemed,
    load_codes,
    record_reissue,
    stats,
    unredeemed_person_ids,
)
from breachdesk.reports.remediation import CompanyReissue, latest_by_company, reissue_history

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
BY = Actor("tester")


@pytest.fixture
def shop(db: Database, tmp_path: Path) -> Shop:
    return make_shop(db, tmp_path, count=20)


def lines(
    path: Path, codes: list[str], *, header: str | None = None, encoding: str = "utf-8"
) -> Path:
    text = "".join(f"{c}\r\n" for c in ([header] if header else []) + codes)
    path.write_bytes(text.encode(encoding))
    return path


def load(shop: Shop, path: Path) -> int:
    return load_codes(shop.db, shop.keyring, shop.slug, path, by=BY, now=NOW).loaded


def count(shop: Shop, *where: object) -> int:
    with shop.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RemediationCode).where(*where)) or 0)  # type: ignore[arg-type]


# --- loading ----------------------------------------------------------------------------------


def test_codes_load_one_a_line_sealed_and_audited_by_count_only(shop: Shop, tmp_path: Path) -> None:
    codes = gift_codes(12)
    assert load(shop, lines(tmp_path / "codes.txt", codes)) == 12
    with shop.db.read() as s:
        rows = list(s.execute(select(RemediationCode.code_ix, RemediationCode.code)))
    assert len(rows) == 12
    for _, sealed in rows:
        assert not any(c.encode() in sealed for c in codes)
    assert {open_code(shop.key, shop.register_id, ix, sealed) for ix, sealed in rows} == set(codes)
    [audit], _ = auth.list_audit(shop.db, action="remediation.codes")
    assert audit.detail == {"count": 12} and audit.actor == "tester"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_a_vendor_csv_with_a_japanese_code_column_and_other_columns(
    shop: Shop, tmp_path: Path, encoding: str
) -> None:
    codes = gift_codes(6)
    rows = ["No,額面,ギフトURL,有効期限"] + [
        f"{n},500円,{c},2027/06/30" for n, c in enumerate(codes, 1)
    ]
    path = lines(tmp_path / "vendor.csv", rows, encoding=encoding)
    assert load(shop, path) == 6
    with shop.db.transaction() as s:
        assign_codes(s, shop.incident_id, shop.people[:6], None, NOW)
        got = codes_of(s, shop.key, shop.register_id, shop.incident_id, shop.people[:6])
    assert set(got.values()) == set(codes)


def test_duplicates_in_the_file_are_named_by_line_and_nothing_is_loaded(
    shop: Shop, tmp_path: Path
) -> None:
    codes = gift_codes(5)
    path = lines(tmp_path / "dup.csv", [*codes, "ＱＣ" + codes[1][2:]], header="code")
    with pytest.raises(DocumentFormatError) as caught:
        load(shop, path)
    message = str(caught.value)
    assert "7 行目（3 行目と同じ）" in message
    assert not any(c in message for c in codes)
    assert count(shop) == 0


def test_codes_already_loaded_are_refused_whole_with_their_lines(
    shop: Shop, tmp_path: Path
) -> None:
    load(shop, lines(tmp_path / "a.txt", gift_codes(5)))
    again = lines(tmp_path / "b.txt", gift_codes(5, start=3))  # two known, three new
    with pytest.raises(DocumentFormatError) as caught:
        load(shop, again)
    assert "2 件" in str(caught.value) and "1 行目、2 行目" in str(caught.value)
    assert count(shop) == 5


def test_a_csv_without_a_code_column_is_refused(shop: Shop, tmp_path: Path) -> None:
    path = lines(tmp_path / "x.csv", ["番号,金額", "1,500"])
    with pytest.raises(DocumentFormatError, match="コードの列が見つかりません"):
        load(shop, path)


def test_codes_need_the_register(db: Database, tmp_path: Path) -> None:
    add_incident(db, "bare")
    shop = make_shop(db, tmp_path)
    with pytest.raises(InvalidInputError, match="対象者名簿がありません"):
        load_codes(db, shop.keyring, "bare", lines(tmp_path / "c.txt", gift_codes(2)))


def test_two_loads_of_one_file_at_once_load_it_once(shop: Shop, tmp_path: Path) -> None:
    path = lines(tmp_path / "c.txt", gift_codes(200))
    results = at_once(lambda: load(shop, path), lambda: load(shop, path))
    assert sorted(r for r in results if isinstance(r, int)) == [200]
    assert [type(r) for r in results if not isinstance(r, int)] in (
        [DocumentFormatError],
        [ConflictError],
    )
    assert count(shop) == 200


def test_a_hundred_thousand_codes_load_in_seconds(db: Database, tmp_path: Path) -> None:
    shop = make_shop(db, tmp_path, count=2)
    path = lines(tmp_path / "big.txt", gift_codes(100_000))
    started = time.perf_counter()
    assert load(shop, path) == 100_000
    assert time.perf_counter() - started < 30  # about 3 s here; generous for a loaded machine


# --- redemption -------------------------------------------------------------------------------


def test_redemption_moves_the_counts_once_and_unredeemed_are_the_rest(
    shop: Shop, tmp_path: Path
) -> None:
    codes = gift_codes(20)
    load(shop, lines(tmp_path / "c.txt", codes))
    with shop.db.transaction() as s:
        assign_codes(s, shop.incident_id, shop.people, None, NOW)
        held = codes_of(s, shop.key, shop.register_id, shop.incident_id, shop.people)
    redeemers = shop.people[:7]
    report = lines(
        tmp_path / "used.csv",
        [f"{held[p]},利用済,2026/07/10 12:00" for p in redeemers],
        header="コード,状態,利用日時",
    )
    first = import_redeemed(shop.db, shop.keyring, shop.slug, report, by=BY, now=NOW)
    assert (first.redeemed, first.already, first.unknown) == (7, 0, 0)
    again = import_redeemed(shop.db, shop.keyring, shop.slug, report, by=BY, now=NOW)
    assert (again.redeemed, again.already) == (0, 7)
    figures = stats(shop.db, shop.slug)
    assert figures.as_json()["codes"] == {"loaded": 20, "assigned": 20, "redeemed": 7}
    with shop.db.read() as s:
        left = set(s.scalars(unredeemed_person_ids(s, shop.incident_id)))
        when = s.scalar(select(func.min(RemediationCode.redeemed_at)))
    assert left == set(shop.people[7:])
    assert when is not None and when.replace(tzinfo=when.tzinfo or UTC) == datetime(
        2026, 7, 10, 3, tzinfo=UTC
    )  # 12:00 JST
    audits, _ = auth.list_audit(shop.db, action="remediation.redeemed")
    assert [a.detail["redeemed"] for a in audits] in ([0, 7], [7, 0])


def test_rows_marked_unused_are_skipped(shop: Shop, tmp_path: Path) -> None:
    codes = gift_codes(4)
    load(shop, lines(tmp_path / "c.txt", codes))
    report = lines(
        tmp_path / "r.csv",
        [f"{codes[0]},利用済", f"{codes[1]},未使用", f"{codes[2]},未利用"],
        header="code,status",
    )
    done = import_redeemed(shop.db, shop.keyring, shop.slug, report, now=NOW)
    assert (done.redeemed, done.not_redeemed) == (1, 2)


def test_a_few_unknown_codes_are_counted_many_refuse_the_report(shop: Shop, tmp_path: Path) -> None:
    codes = gift_codes(10)
    load(shop, lines(tmp_path / "c.txt", codes))
    few = lines(tmp_path / "few.txt", [*codes[:4], *gift_codes(2, start=500)])
    done = import_redeemed(shop.db, shop.keyring, shop.slug, few, now=NOW)
    assert (done.redeemed, done.unknown, done.unknown_lines) == (4, 2, (5, 6))
    other = gift_codes(8, start=900)
    many = lines(tmp_path / "many.txt", [codes[5], *other])
    with pytest.raises(DocumentFormatError) as caught:
        import_redeemed(shop.db, shop.keyring, shop.slug, many, now=NOW)
    assert "8 件" in str(caught.value) and "2 行目" in str(caught.value)
    assert not any(c in str(caught.value) for c in other)
    assert count(shop, RemediationCode.redeemed_at.is_not(None)) == 4  # codes[5] not marked


def test_one_report_imported_twice_at_once_counts_each_code_once(
    shop: Shop, tmp_path: Path
) -> None:
    codes = gift_codes(50)
    load(shop, lines(tmp_path / "c.txt", codes))
    report = lines(tmp_path / "r.txt", codes[:30])
    results = at_once(
        lambda: import_redeemed(shop.db, shop.keyring, shop.slug, report, now=NOW),
        lambda: import_redeemed(shop.db, shop.keyring, shop.slug, report, now=NOW),
    )
    assert sum(r.redeemed for r in results) == 30, results
    assert count(shop, RemediationCode.redeemed_at.is_not(None)) == 30


# --- card reissue -----------------------------------------------------------------------------


def reissue(shop: Shop, company: str, day: date, cards: int, reissued: int) -> None:
    record_reissue(
        shop.db,
        shop.slug,
        company=company,
        as_of=day,
        cards=cards,
        reissued=reissued,
        by=BY,
        today=TODAY,
    )


def test_reissue_rate_takes_each_companys_latest_report_and_keeps_its_history(
    shop: Shop,
) -> None:
    reissue(shop, "A カード", date(2026, 7, 10), 20_000, 6_000)
    reissue(shop, "B カード", date(2026, 7, 10), 10_000, 2_000)
    reissue(shop, "A カード", date(2026, 7, 24), 20_000, 12_000)
    reissue(shop, "C カード", date(2026, 7, 31), 5_000, 3_500)
    reissue(shop, "Ａ　カード", date(2026, 7, 24), 20_000, 12_500)  # the same company, corrected
    figures = stats(shop.db, shop.slug)
    assert figures.as_json()["reissue"] == {
        "cards": 35_000,
        "reissued": 18_000,
        "rate": pytest.approx(18_000 / 35_000),
    }
    assert [(p.day, p.cards, p.reissued, p.companies) for p in figures.history] == [
        (date(2026, 7, 10), 30_000, 8_000, 2),
        (date(2026, 7, 24), 30_000, 14_500, 2),
        (date(2026, 7, 31), 35_000, 18_000, 3),
    ]
    past = stats(shop.db, shop.slug, through=date(2026, 7, 20))
    assert (past.reissue.cards, past.reissue.reissued) == (30_000, 8_000)
    with shop.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ReissueReport)) == 4
    audits, _ = auth.list_audit(shop.db, action="remediation.reissue")
    assert len(audits) == 5


@pytest.mark.parametrize(
    ("company", "cards", "reissued", "where"),
    [
        ("A", 100, 101, "--reissued"),
        ("A", 100, -1, "--reissued"),
        ("A", -5, 0, "--cards"),
        ("  ", 100, 10, "--company"),
        ("社" * 201, 100, 10, "--company"),
    ],
)
def test_reissue_reports_are_validated(
    shop: Shop, company: str, cards: int, reissued: int, where: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        reissue(shop, company, date(2026, 7, 10), cards, reissued)
    assert caught.value.where == where
    assert stats(shop.db, shop.slug).companies == ()


def test_the_same_company_and_day_reported_at_once_is_one_row(shop: Shop) -> None:
    results = at_once(
        *[(lambda n=n: reissue(shop, "A", date(2026, 7, 10), 1_000, n * 100)) for n in range(1, 5)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    with shop.db.read() as s:
        rows = list(s.scalars(select(ReissueReport.reissued)))
    assert len(rows) == 1 and rows[0] in (100, 200, 300, 400)


reports = st.lists(
    st.builds(
        lambda company, day, cards, share: CompanyReissue(
            cards=cards, reissued=cards * share // 100, company=company, as_of=day
        ),
        st.sampled_from(["A", "B", "C", "D", "E"]),
        st.dates(date(2026, 7, 1), date(2026, 9, 30)),
        st.integers(0, 100_000),
        st.integers(0, 100),
    ),
    max_size=30,
)


@given(reports)
def test_history_ends_at_the_latest_reports_and_counts_reported_companies(
    rows: list[CompanyReissue],
) -> None:
    unique = {(r.company, r.as_of): r for r in rows}  # the store keeps one per company and day
    history = reissue_history(list(unique.values()))
    assert [p.day for p in history] == sorted({d for _, d in unique})
    latest = latest_by_company(unique.values())
    if history:
        last = history[-1]
        assert (last.cards, last.reissued) == (
            sum(r.cards for r in latest),
            sum(r.reissued for r in latest),
        )
    for point in history:
        assert point.companies == len({c for c, d in unique if d <= point.day})
        assert point.rate is None or 0 <= point.rate <= 1


# --- the command ------------------------------------------------------------------------------


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "desk.db"
        self.key = tmp_path / "master.key"
        self.runner = CliRunner()
        assert self.runner.invoke(app, ["keys", "new", "--out", str(self.key)]).exit_code == 0
        add_incident(open_database(str(self.db)), "shop")
        people = tmp_path / "people.csv"
        from breachdesk.register.sample import people as generate
        from breachdesk.register.sample import write_csv

        people.write_bytes(write_csv(list(generate(10, seed=5))))
        self("register", "import", str(people), "--incident", "shop")

    def __call__(self, *args: str, code: int = 0) -> tuple[str, str]:
        env = {"BREACHDESK_MASTER_KEY_FILE": str(self.key), "BREACHDESK_MASTER_KEY": ""}
        result = self.runner.invoke(app, ["--db", str(self.db), *args], env=env)
        assert result.exit_code == code, (result.stdout, result.stderr)
        return result.stdout, result.stderr


def test_the_remediation_commands(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    codes = gift_codes(10)
    out, _ = cli(
        "remediation", "codes", str(lines(tmp_path / "c.txt", codes)), "--incident", "shop"
    )
    assert "10 件読み込みました" in out
    _, err = cli(
        "remediation",
        "codes",
        str(lines(tmp_path / "d.txt", codes[:2])),
        "--incident",
        "shop",
        code=2,
    )
    assert "すでに読み込まれている" in err and not any(c in err for c in codes)
    out, err = cli(
        "remediation",
        "redeemed",
        str(lines(tmp_path / "r.txt", [*codes[:3], gift_codes(1, start=77)[0]])),
        "--incident",
        "shop",
    )
    assert "利用済み 3 件" in out and "読み込まれていないコードが 1 件" in err
    cli(
        "remediation", "reissue", "--incident", "shop", "--company", "A カード",
        "--as-of", "2026-07-10", "--cards", "1000", "--reissued", "600",
    )  # fmt: skip
    _, err = cli(
        "remediation", "reissue", "--incident", "shop", "--company", "B",
        "--as-of", "2026-07-10", "--cards", "10", "--reissued", "11", code=2,
    )  # fmt: skip
    assert "--reissued" in err and "以下" in err
    out, _ = cli("remediation", "stats", "--incident", "shop", "--json")
    assert json.loads(out) == {
        "codes": {"loaded": 10, "assigned": 0, "redeemed": 3},
        "reissue": {"cards": 1000, "reissued": 600, "rate": 0.6},
    }
    out, _ = cli("remediation", "stats", "--incident", "shop")
    assert "60.0%" in out and "A カード" in out
    _, err = cli("remediation", "stats", "--incident", "nowhere", "--json", code=3)
    assert "nowhere" in err


# --- where the figures show -------------------------------------------------------------------


def test_the_council_workbook_carries_codes_and_reissue_by_company_and_day(shop: Shop) -> None:
    import io

    from openpyxl import load_workbook

    from breachdesk.reports.model import DailyTable
    from breachdesk.reports.xlsx import council_workbook

    table = DailyTable(incident=shop.slug, incident_name="テスト", categories=[], rows=[])
    assert (
        "補償・カード再発行"
        not in load_workbook(
            io.BytesIO(council_workbook(table, stats(shop.db, shop.slug)))
        ).sheetnames
    )  # nothing to show: no sheet
    reissue(shop, "A カード", date(2026, 7, 10), 40_000, 20_000)
    reissue(shop, "B カード", date(2026, 7, 17), 23_337, 18_000)
    with shop.db.transaction() as s:
        s.add_all(
            RemediationCode(incident_id=shop.incident_id, code_ix=bytes([n]) * 16, code=b"x")
            for n in range(3)
        )
    book = load_workbook(io.BytesIO(council_workbook(table, stats(shop.db, shop.slug))))
    rows = [[c for c in row if c is not None] for row in book["補償・カード再発行"].values]
    assert ["読込", 3] in rows and ["利用済み", 0] in rows
    assert rows[rows.index(["カード会社", "時点", "対象カード数", "再発行数", "再発行率"]) + 1][
        :4
    ] == ["A カード", datetime(2026, 7, 10), 40_000, 20_000]
    assert ["合計", 63_337, 38_000, pytest.approx(38_000 / 63_337)] in rows
    history = rows[rows.index(["時点", "報告社数", "対象カード数", "再発行数", "再発行率"]) + 1 :]
    assert [r[1:4] for r in history] == [[1, 40_000, 20_000], [2, 63_337, 38_000]]


def test_the_daily_report_shows_the_figures_under_its_table_and_in_its_workbook(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    cli = Cli(tmp_path)
    cli(
        "inquiry", "log", "--incident", "shop", "--channel", "phone", "--outcome", "answered",
        "--at", "2026-07-10 10:00",
    )  # fmt: skip
    plain, _ = cli("report", "daily", "--incident", "shop")
    assert "補償コード" not in plain  # nothing loaded, nothing reported: no block
    cli(
        "remediation", "reissue", "--incident", "shop", "--company", "A カード",
        "--as-of", "2026-07-10", "--cards", "1000", "--reissued", "600",
    )  # fmt: skip
    cli(
        "remediation", "reissue", "--incident", "shop", "--company", "A カード",
        "--as-of", "2026-07-20", "--cards", "1000", "--reissued", "700",
    )  # fmt: skip
    out, _ = cli("report", "daily", "--incident", "shop", "--xlsx", str(tmp_path / "c.xlsx"))
    assert "再発行 700 枚（再発行率 70.0%）" in out
    csv_out, _ = cli("report", "daily", "--incident", "shop", "--csv")
    assert "補償コード" not in csv_out and "再発行率" not in csv_out  # its columns are a contract
    past, _ = cli("report", "daily", "--incident", "shop", "--to", "2026-07-15")
    assert "再発行 600 枚" in past
    sheet = load_workbook(tmp_path / "c.xlsx")["補償・カード再発行"]
    assert ["合計", None, 1000, 700, 0.7] in [list(r) for r in sheet.values]


def test_the_incident_overview_shows_a_remediation_panel_once_there_is_something(
    tmp_path: Path,
) -> None:
    import sys

    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from breachdesk.auth import service as auth_service
    from breachdesk.config import Settings
    from breachdesk.desk import Desk

    sys.path.append(str(Path(__file__).parents[1] / "web"))
    from console_session import PASSWORD, signed_in

    desk = Desk(Settings(db=str(tmp_path / "c.db"), dense_model="none", cache_dir=tmp_path / "c"))
    add_incident(desk.db, "shop")
    auth_service.create_user(desk.db, "vic", PASSWORD, "viewer")
    client, _ = signed_in(desk, "vic")

    def panel() -> object:
        page = client.get("/console/i/shop")
        assert page.status_code == 200
        return HTMLParser(page.text).css_first('section[aria-labelledby="remediation-title"]')

    assert panel() is None
    record_reissue(
        desk.db, "shop", company="A カード", as_of=date(2026, 7, 10), cards=2000, reissued=1200
    )
    found = panel()
    assert found is not None
    text = " ".join(found.text().split())  # type: ignore[attr-defined]
    assert "60.0%" in text and "1,200 / 2,000" in text and "A カード" in text
