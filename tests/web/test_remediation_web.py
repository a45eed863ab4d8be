"""補償・再発行 through its faces: the console page (figures for everyone signed in, uploads and
the reissue form for editors, refusals flashed with their lines and nothing stored) and the API
(`/api/v1/incidents/{slug}/remediation…`), on SQLite and PostgreSQL. No page or response ever
shows a code."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, select

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import Incident, RegisterPerson, ReissueReport, RemediationCode
from breachdesk.desk import Desk
from breachdesk.notify.codes import assign_codes
from breachdesk.notify.remediation import stats
from breachdesk.register.crypto import new_master_key
from breachdesk.register.importer import import_register
from breachdesk.register.sample import people, write_csv
from breachdesk.web.app import create_app

SLUG = "shop"
PAGE = f"/console/i/{SLUG}/remediation"
API = f"/api/v1/incidents/{SLUG}/remediation"
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def gift_codes(count: int, *, start: int = 0) -> list[str]:
    """Made-up codes in two shapes: a 16-character code and a gift URL."""
    return [
        f"QC{n:014d}" if n % 2 else f"https://gift.example.jp/r/{n:08x}Zq{n * 7919 % 10007:05d}"
        for n in range(start, start + count)
    ]


def code_file(codes: list[str], header: str | None = None) -> bytes:
    return "".join(f"{c}\r\n" for c in ([header] if header else []) + codes).encode()


def make_desk(db: Database, folder: Path, *, register: bool = True) -> Desk:
    settings = Settings(
        db=str(folder / "unused.db"),
        dense_model="none",
        cache_dir=folder / "c",
        master_key=SecretStr(new_master_key()),
        rate_limit_per_minute=0,
    )
    desk = Desk(settings, db=db)
    with db.transaction() as s:
        s.add(Incident(slug=SLUG, name="さくら書房の漏えい"))
    if register:
        path = folder / "register.csv"
        path.write_bytes(write_csv(list(people(12, seed=5))))
        import_register(db, desk.register.keyring, SLUG, path)
    for name, role in (("vic", "viewer"), ("eri", "editor")):
        auth.create_user(db, name, PASSWORD, role)
    return desk


@pytest.fixture
def desk(db: Database, tmp_path: Path) -> Desk:
    return make_desk(db, tmp_path)


@pytest.fixture
def editor(desk: Desk) -> Iterator[tuple[TestClient, str]]:
    client, csrf = signed_in(desk, "eri")
    with client:
        yield client, csrf


def robot(desk: Desk, role: str) -> TestClient:
    token = auth.create_token(desk.db, f"{role}-bot", role)
    return TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )


def tree(response: Any) -> HTMLParser:
    return HTMLParser(response.text)


def figures(page: HTMLParser) -> dict[str, str]:
    """The page's figures: each stat's label and its value as shown."""
    shown = {}
    for stat in page.css("dl.stats .stat"):
        dt, dd = stat.css_first("dt"), stat.css_first("dd")
        assert dt is not None and dd is not None
        shown[dt.text(strip=True)] = dd.text(separator=" ", strip=True)
    return shown


def flash(page: HTMLParser) -> tuple[str, str, list[str]]:
    """The flash message: its kind, its text and its lines."""
    box = page.css_first("div.flash")
    assert box is not None, "no flash message"
    kind = next(c for c in str(box.attributes["class"]).split() if c.startswith("flash-"))
    text = box.css_first("p")
    assert text is not None
    return kind, text.text(strip=True), [li.text(strip=True) for li in box.css("li")]


def table(page: HTMLParser, table_id: str) -> list[list[str]]:
    found = page.css_first(f"table#{table_id}")
    assert found is not None, table_id
    return [[c.text(strip=True) for c in row.css("th, td")] for row in found.css("tbody tr")]


def upload(
    client: TestClient, csrf: str, kind: str, body: bytes, name: str = "codes.csv"
) -> HTMLParser:
    response = client.post(
        f"{PAGE}/{kind}",
        data={"csrf_token": csrf},
        files={"file": (name, body, "text/csv")},
    )
    assert response.status_code == 200, response.text  # the redirect, followed to the page
    assert str(response.url).endswith(PAGE)
    return tree(response)


def stored_codes(desk: Desk) -> int:
    with desk.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RemediationCode)) or 0)


def assign(desk: Desk, how_many: int) -> list[int]:
    with desk.db.transaction() as s:
        incident = s.scalar(select(Incident.id).where(Incident.slug == SLUG))
        assert incident is not None
        ids = sorted(s.scalars(select(RegisterPerson.id)))[:how_many]
        assign_codes(s, incident, ids, None, NOW)
    return ids


# --- the console page -------------------------------------------------------------------------


def test_an_editor_loads_codes_and_a_redemption_report_and_sees_counts_never_a_code(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    codes = gift_codes(10)
    page = upload(client, csrf, "codes", code_file(codes, header="ギフトURL"), "vendor.csv")
    assert flash(page) == (
        "flash-ok",
        "vendor.csv：補償コードを 10 件読み込みました（この事故のコードは計 10 件）。",
        [],
    )
    assert figures(page)["補償コード 読込"] == "10"
    assign(desk, 8)
    report = code_file([*codes[:3], "QC99999999999999"], header="code")
    page = upload(client, csrf, "redeemed", report, "redeemed.csv")
    kind, text, lines = flash(page)
    assert kind == "flash-ok" and "利用済み 3 件を記録しました" in text
    assert lines == ["この事故に読み込まれていないコードが 1 件ありました（5 行目）。"]
    shown = figures(page)
    assert (shown["割当済み"], shown["利用済み"], shown["利用率"], shown["未利用"]) == (
        "8",
        "3",
        "37.5%",
        "5",
    )
    html = page.html or ""
    assert not any(code in html for code in [*codes, "QC99999999999999"])
    # The core audited both actions as the signed-in editor.
    rows, _ = auth.list_audit(desk.db, target=SLUG)
    assert {(r.action, r.actor) for r in rows} >= {
        ("remediation.codes", "eri"),
        ("remediation.redeemed", "eri"),
    }


def test_a_bad_code_file_flashes_each_bad_line_and_stores_nothing(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    codes = gift_codes(4)
    body = code_file(["code", codes[0], "", codes[1], "QC" + "9" * 1200, "\u200bQC1", codes[2]])
    # A blank row is skipped by the reader; a blank code cell in a CSV row is a problem.
    body = body.replace(b"\r\n\r\n", b"\r\n ,x\r\n")
    page = upload(client, csrf, "codes", body, "bad.csv")
    kind, text, lines = flash(page)
    assert kind == "flash-error"
    assert text == "bad.csv は取り込みませんでした（3 行に問題があります）。"
    assert lines == [
        "3 行目: コードが空です",
        "5 行目: コードが長すぎます（1000 文字まで）",
        "6 行目: コードに制御文字が含まれています",
    ]
    assert stored_codes(desk) == 0
    assert figures(page)["補償コード 読込"] == "0"


def test_a_code_twice_or_already_loaded_is_refused_whole_naming_lines_not_codes(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    codes = gift_codes(5)
    page = upload(client, csrf, "codes", code_file([*codes, codes[2]]), "twice.txt")
    kind, text, _ = flash(page)
    assert kind == "flash-error" and "6 行目（3 行目と同じ）" in text
    assert stored_codes(desk) == 0
    upload(client, csrf, "codes", code_file(codes[:2]), "first.txt")
    page = upload(client, csrf, "codes", code_file(codes), "all.txt")
    kind, text, _ = flash(page)
    assert kind == "flash-error" and "1 行目、2 行目" in text
    assert not any(code in text for code in codes)
    assert stored_codes(desk) == 2


def test_an_upload_to_an_incident_without_a_register_is_refused_in_japanese(
    db: Database, tmp_path: Path
) -> None:
    desk = make_desk(db, tmp_path, register=False)
    client, csrf = signed_in(desk, "eri")
    page = tree(client.get(PAGE))
    assert page.css_first('form[action$="/remediation/codes"]') is None  # offered once it can work
    link = page.css_first('main a[href$="/register"]')
    assert link is not None and link.text(strip=True) == "対象者名簿"
    page = upload(client, csrf, "codes", code_file(gift_codes(3)))
    kind, text, _ = flash(page)
    assert kind == "flash-error" and "対象者名簿がありません" in text
    assert stored_codes(desk) == 0


def test_a_viewer_reads_the_figures_but_is_offered_no_form_and_cannot_upload(
    desk: Desk,
) -> None:
    record = robot(desk, "editor").post(
        f"{API}/reissue",
        json={"company": "さくらカード", "as_of": "2026-07-10", "cards": 200, "reissued": 50},
    )
    assert record.status_code == 200, record.text
    viewer, csrf = signed_in(desk, "vic")
    page = tree(viewer.get(PAGE))
    assert figures(page)["カード再発行率"] == "25.0%"
    assert page.css("main form") == []
    tab = page.css_first('nav.tabs a[aria-current="page"]')
    assert tab is not None and tab.text(strip=True) == "補償・再発行"
    for kind in ("codes", "redeemed"):
        refused = viewer.post(
            f"{PAGE}/{kind}",
            data={"csrf_token": csrf},
            files={"file": ("codes.txt", code_file(gift_codes(2)), "text/plain")},
            follow_redirects=False,
        )
        assert refused.status_code == 403, kind
    refused = viewer.post(
        f"{PAGE}/reissue",
        data={"csrf_token": csrf, "company": "X", "as_of": "2026-07-10", "cards": "1"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert stored_codes(desk) == 0
    assert len(stats(desk.db, SLUG).companies) == 1


def test_reissue_reports_show_each_companys_latest_the_total_and_the_rate_over_time(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    for company, day, cards, reissued in (
        ("さくらカード", "2026-07-01", 1000, 200),
        ("もみじカード", "2026/7/3", "２，０００", "500"),  # as people type them
        ("さくらカード", "2026年7月8日", 1000, 600),
    ):
        response = client.post(
            f"{PAGE}/reissue",
            data={
                "csrf_token": csrf,
                "company": company,
                "as_of": day,
                "cards": str(cards),
                "reissued": str(reissued),
            },
        )
        assert response.status_code == 200
    page = tree(response)
    assert flash(page)[1] == (
        "さくらカード（7月8日時点）の再発行報告を記録しました：600 / 1,000 枚（60.0%）。"
    )
    assert table(page, "companies") == [
        ["さくらカード", "60.0%", "600 / 1,000", "2026/7/8"],
        ["もみじカード", "25.0%", "500 / 2,000", "2026/7/3"],
    ]
    total = page.css_first("table#companies tfoot tr")
    assert total is not None
    assert [c.text(strip=True) for c in total.css("th, td")] == [
        "合計（2社）",
        "36.7%",
        "1,100 / 3,000",
        "",
    ]
    assert table(page, "history") == [
        ["2026/7/8", "36.7%", "1,100 / 3,000", "2社"],
        ["2026/7/3", "23.3%", "700 / 3,000", "2社"],
        ["2026/7/1", "20.0%", "200 / 1,000", "1社"],
    ]
    assert figures(page)["カード再発行率"] == "36.7%"


def test_a_refused_reissue_report_keeps_what_was_typed_and_says_why_beside_the_field(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    client, csrf = editor
    typed = {"company": "さくらカード", "as_of": "2026-07-01", "cards": "100", "reissued": "101"}
    for field, value, reason in (
        ("reissued", "101", "再発行数は 0 以上、対象カード数（100）以下で指定してください"),
        ("cards", "百", "対象カード数は 0 以上の整数で入力してください"),
        ("as_of", "来週", "「来週」は日付として読めません"),
        ("company", "  ", "カード会社名が空です"),
    ):
        response = client.post(f"{PAGE}/reissue", data={"csrf_token": csrf, **typed, field: value})
        assert response.status_code == 422, field
        page = tree(response)
        error = page.css_first(f"#{field}-error")
        assert error is not None and error.text(strip=True).startswith(reason), field
        box = page.css_first(f"input#{field}")
        assert box is not None and box.attributes.get("aria-invalid") == "true"
        assert f"{field}-error" in str(box.attributes.get("aria-describedby"))
        for name, kept in typed.items():
            shown = page.css_first(f"input#{name}")
            assert shown is not None
            assert shown.attributes["value"] == (value if name == field else kept)
    assert stats(desk.db, SLUG).companies == ()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cards=st.integers(min_value=0, max_value=10**9),
    share=st.floats(min_value=0, max_value=1.2),
    wide=st.booleans(),
    commas=st.booleans(),
)
def test_card_counts_as_typed_are_stored_as_numbers_or_refused_when_reissued_exceeds_cards(
    desk: Desk, editor: tuple[TestClient, str], cards: int, share: float, wide: bool, commas: bool
) -> None:
    client, csrf = editor
    reissued = int(cards * share)

    def typed(n: int) -> str:
        text = f"{n:,}" if commas else str(n)
        return (
            text.translate(str.maketrans("0123456789,", "０１２３４５６７８９，")) if wide else text
        )

    response = client.post(
        f"{PAGE}/reissue",
        data={
            "csrf_token": csrf,
            "company": "さくらカード",
            "as_of": "2026-07-01",
            "cards": typed(cards),
            "reissued": typed(reissued),
        },
    )
    with desk.db.read() as s:
        row = s.execute(select(ReissueReport.cards, ReissueReport.reissued)).one_or_none()
    if reissued <= cards:
        assert response.status_code == 200
        assert row is not None and tuple(row) == (cards, reissued)
    else:
        assert response.status_code == 422
        assert row is None or tuple(row) != (cards, reissued)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_loads_marks_and_reports_as_the_cli_counts(desk: Desk) -> None:
    api = robot(desk, "editor")
    codes = gift_codes(6)
    loaded = api.post(f"{API}/codes", files={"file": ("codes.txt", code_file(codes), "text/plain")})
    assert loaded.status_code == 201, loaded.text
    assert loaded.json() == {"loaded": 6, "total": 6}
    assign(desk, 5)
    report = "code,状態\r\n" + f"{codes[0]},利用済\r\n{codes[1]},未使用\r\n{codes[3]},利用済\r\n"
    marked = api.post(
        f"{API}/redeemed", files={"file": ("r.csv", report.encode("cp932"), "text/csv")}
    )
    assert marked.status_code == 200, marked.text
    assert marked.json() == {
        "rows": 2,
        "redeemed": 2,
        "already": 0,
        "unknown": 0,
        "unknown_lines": [],
        "not_redeemed": 1,
    }
    again = api.post(f"{API}/redeemed", files={"file": ("r.csv", report.encode("cp932"))})
    assert again.json()["redeemed"] == 0 and again.json()["already"] == 2
    for day, reissued in (("2026-07-01", 10), ("2026-07-05", 30)):
        recorded = api.post(
            f"{API}/reissue",
            json={"company": "さくらカード", "as_of": day, "cards": 40, "reissued": reissued},
        )
        assert recorded.status_code == 200, recorded.text
    assert recorded.json() == {
        "company": "さくらカード",
        "as_of": "2026-07-05",
        "cards": 40,
        "reissued": 30,
        "rate": 0.75,
    }
    got = robot(desk, "viewer").get(API)
    assert got.status_code == 200
    body = got.json()
    # The CLI's `remediation stats --json`, key for key, then the parts of the rate.
    assert {k: body[k] for k in ("codes", "reissue")} == stats(desk.db, SLUG).as_json()
    assert body["codes"] == {"loaded": 6, "assigned": 5, "redeemed": 2}
    assert body["reissue"] == {"cards": 40, "reissued": 30, "rate": 0.75}
    assert [(p["day"], p["reissued"]) for p in body["history"]] == [
        ("2026-07-01", 10),
        ("2026-07-05", 30),
    ]
    assert not any(code in got.text + marked.text for code in codes)


def test_the_api_refuses_a_viewer_and_a_bad_file_names_lines_not_codes(desk: Desk) -> None:
    viewer = robot(desk, "viewer")
    codes = gift_codes(3)
    for kind in ("codes", "redeemed"):
        response = viewer.post(f"{API}/{kind}", files={"file": ("c.txt", code_file(codes))})
        assert response.status_code == 403, kind
    response = viewer.post(
        f"{API}/reissue", json={"company": "X", "as_of": "2026-07-01", "cards": 1, "reissued": 0}
    )
    assert response.status_code == 403
    editor = robot(desk, "editor")
    response = editor.post(
        f"{API}/codes", files={"file": ("dup.txt", code_file([*codes, codes[0]]))}
    )
    assert response.status_code == 422
    assert "4 行目（1 行目と同じ）" in response.json()["error"]
    assert not any(code in response.text for code in codes)
    response = editor.post(
        f"{API}/reissue",
        json={"company": "さくらカード", "as_of": "2026-07-01", "cards": 5, "reissued": 6},
    )
    assert response.status_code == 422
    assert "再発行数" in response.json()["error"]
    assert stored_codes(desk) == 0 and stats(desk.db, SLUG).companies == ()
    assert editor.get("/api/v1/incidents/nowhere/remediation").status_code == 404


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each one's result."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_the_same_code_list_uploaded_twice_at_once_is_loaded_once(desk: Desk) -> None:
    body = code_file(gift_codes(300))
    clients = [robot(desk, "editor") for _ in range(3)]
    responses = at_once(
        *(lambda c=c: c.post(f"{API}/codes", files={"file": ("c.txt", body)}) for c in clients)
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 201 and statuses.count(201) == 1, [r.text for r in responses]
    assert set(statuses[1:]) <= {409, 422}
    assert stored_codes(desk) == 300


def test_one_company_reported_at_once_for_one_day_is_one_report(desk: Desk) -> None:
    clients = [robot(desk, "editor") for _ in range(4)]
    responses = at_once(
        *(
            lambda c=c, n=n: c.post(
                f"{API}/reissue",
                json={
                    "company": "さくらカード",
                    "as_of": "2026-07-01",
                    "cards": 100,
                    "reissued": n,
                },
            )
            for n, c in enumerate(clients)
        )
    )
    assert [r.status_code for r in responses] == [200] * 4
    figures_now = stats(desk.db, SLUG)
    assert len(figures_now.companies) == 1 and figures_now.reissue.cards == 100
    assert figures_now.reissue.reissued in range(4)
    assert date(2026, 7, 1) == figures_now.companies[0].as_of


def test_a_vendors_list_of_a_few_hundred_kilobytes_loads_on_the_console_and_the_api(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    """Over the 64 KiB request limit, under the table-upload limit (a list for 63,337 card
    holders runs to megabytes)."""
    first, second = gift_codes(3000), gift_codes(3000, start=3000)
    body = code_file(first, header="code")
    assert len(body) > 65_536
    client, csrf = editor
    page = upload(client, csrf, "codes", body, "first.csv")
    assert flash(page)[0] == "flash-ok"
    response = robot(desk, "editor").post(
        f"{API}/codes", files={"file": ("b.txt", code_file(second))}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"loaded": 3000, "total": 6000}


def test_the_overview_panel_leads_to_the_page_once_there_is_something_to_show(
    desk: Desk, editor: tuple[TestClient, str]
) -> None:
    client, _ = editor
    overview = f"/console/i/{SLUG}"
    assert tree(client.get(overview)).css_first(f'main a[href="{PAGE}"]') is None
    robot(desk, "editor").post(
        f"{API}/reissue",
        json={"company": "さくらカード", "as_of": "2026-07-01", "cards": 10, "reissued": 1},
    )
    link = tree(client.get(overview)).css_first(f'main a[href="{PAGE}"]')
    assert link is not None and link.text(strip=True) == "補償・再発行の詳細と記録"
    assert client.get(PAGE).status_code == 200
