"""The regulator draft's deadlines: the 確報 in 60 days when the notice states unauthorised
access (30 otherwise, or as a person says), 報告者 from the organisation, and a warning on every
face (CLI, Markdown, workbook, console page) once a deadline has passed.

The texts below are fictional; the seed checks read cellcellar and jrc from ../shared/seeds.
"""

from __future__ import annotations

import io
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from typer.testing import CliRunner

from breachdesk.auth import service as auth
from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.reports.notice_facts import notice_facts
from breachdesk.reports.regulator import (
    RegulatorInputs,
    access_basis,
    deadline_warnings,
    draft_markdown,
    draft_workbook,
    overview,
    reporter,
)
from breachdesk.reports.service import regulator_inputs

sys.path.append(str(Path(__file__).parents[1] / "web"))
from console_session import PASSWORD, signed_in

runner = CliRunner()
ATTACKED = "当社サイトが第三者による不正アクセスを受け、カード情報が流出した可能性があります。"
MISSENT = "従業員がお客様のメールアドレスを宛先に入れたまま一斉送信しました。"


def inputs(text: str, **given: object) -> RegulatorInputs:
    """A draft's inputs over one fictional notice text, discovered on 2026-09-03."""
    values: dict[str, object] = {
        "incident_name": "架空の事例",
        "organisation": None,
        "discovered_on": date(2026, 9, 3),
        "unauthorised_access": None,
        "facts": {},
        "passages": [],
        "notice": notice_facts([text]),
    } | given
    return RegulatorInputs(**values)  # type: ignore[arg-type]


def fields(draft: RegulatorInputs) -> dict[str, str]:
    return {f.label: f.value for f in [reporter(draft), *overview(draft)]}


# --- what the notice states -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        ATTACKED,
        "外部からの不正な手段により、会員情報が閲覧された可能性があります。",
        "当社サーバーがランサムウェアに感染し、ファイルが暗号化されました。",
        "2026年9月1日、サイバー攻撃により顧客データベースの情報が窃取されました。",
    ],
)
def test_a_stated_attack_is_unauthorised_access(sentence: str) -> None:
    stated = notice_facts(["お詫びとお知らせ\n" + sentence]).unauthorised
    assert stated is not None and stated.sentence == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "不正アクセスの事実は確認されておりません。",  # denied
        "これは不正アクセスによるものですか？",  # asked
        "不正アクセス防止のため、パスワードの変更をお願いいたします。",  # advice
        "不正ログインにご注意ください。",  # a warning to the reader
        "監査報告書の改ざんが行われていました。",  # 改ざん alone is no attack
        "カードの紛失・盗難の際はカード会社へご連絡ください。",  # the person's card
        "カードの不正利用が確認された場合はご連絡ください。",  # card fraud is not the access
        MISSENT,
    ],
)
def test_denials_questions_and_advice_are_not_an_attack(sentence: str) -> None:
    assert notice_facts([sentence]).unauthorised is None


def test_the_demo_notice_states_unauthorised_access() -> None:
    facts = notice_facts([p.read_text(encoding="utf-8") for p in reversed(demo_files())])
    assert facts.unauthorised is not None and "不正アクセス" in facts.unauthorised.sentence


def test_the_organisation_is_the_name_the_text_gives_itself_not_another_company() -> None:
    text = (
        "この度、架空こども財団(以下「当法人」)への寄付の決済に利用している決済代行会社、"
        "株式会社架空ペイ(以下「架空ペイ社」)において、不正アクセスが発生しました。"
    )
    named = notice_facts([text]).organisation
    assert named is not None and named.name == "架空こども財団"


def test_the_organisation_is_else_the_last_signature_line() -> None:
    text = (
        "株式会社架空ペイの調査結果をお知らせします。\n"
        "ご迷惑をおかけしましたことをお詫び申し上げます。\n\n"
        "株式会社 青空書店 代表取締役 山田太郎\n"
    )
    named = notice_facts([text]).organisation
    assert named is not None and named.name == "株式会社 青空書店"
    assert notice_facts(["ご不明な点は窓口までお問い合わせください。"]).organisation is None


# --- the draft ------------------------------------------------------------------------------


def test_the_final_report_is_due_in_60_days_when_the_notice_states_an_attack() -> None:
    draft = inputs(ATTACKED)
    assert fields(draft)["確報（期限）"] == "2026年11月2日"
    basis = access_basis(draft)
    assert (basis.unauthorised, basis.source, basis.quote) == (True, "公表文", ATTACKED)
    assert "第7条第3号" in fields(draft)["確報の期限の根拠"]


def test_without_a_stated_attack_it_is_30_days_and_the_draft_says_why() -> None:
    draft = inputs(MISSENT)
    assert fields(draft)["確報（期限）"] == "2026年10月3日"
    assert "公表文に不正アクセス等の記載がありません" in fields(draft)["確報の期限の根拠"]


def test_a_person_s_answer_outweighs_the_notice_both_ways() -> None:
    assert fields(inputs(MISSENT, unauthorised_access=True))["確報（期限）"] == "2026年11月2日"
    overruled = inputs(ATTACKED, unauthorised_access=False)
    assert fields(overruled)["確報（期限）"] == "2026年10月3日"
    assert access_basis(overruled).source == "入力"


def test_without_a_discovery_day_the_draft_still_says_how_many_days() -> None:
    draft = inputs(ATTACKED, discovered_on=None)
    assert fields(draft)["確報（期限）"].startswith("発覚日から60日")
    assert deadline_warnings(draft) == []


def test_the_reporter_is_the_organisation_as_entered_else_as_the_notice_names_it() -> None:
    signed = ATTACKED + "\n株式会社 青空書店\n"
    assert fields(inputs(signed))["報告者"] == "株式会社 青空書店"
    assert fields(inputs(signed, organisation="青空書店株式会社"))["報告者"] == "青空書店株式会社"
    unnamed = reporter(inputs(ATTACKED))
    assert unnamed.blank and "事業者名" in unnamed.value


def test_deadlines_past_on_the_day_are_warned_about_and_none_before() -> None:
    draft = inputs(ATTACKED)  # 速報 by 9/8, 確報 by 11/2
    assert deadline_warnings(replace(draft, today=date(2026, 9, 8))) == []
    after_first = deadline_warnings(replace(draft, today=date(2026, 9, 9)))
    assert len(after_first) == 1 and after_first[0].startswith("速報の目安")
    late = deadline_warnings(replace(draft, today=date(2026, 11, 12)))
    assert [w[:2] for w in late] == ["速報", "確報"]
    assert "2026年11月2日" in late[1] and "10日過ぎています" in late[1]


def test_the_markdown_and_the_workbook_carry_the_warnings() -> None:
    draft = replace(inputs(ATTACKED), today=date(2026, 12, 1))
    warnings = deadline_warnings(draft)
    text = draft_markdown(draft)
    assert [f"> **警告**：{w}" for w in warnings] == [
        line for line in text.splitlines() if line.startswith("> **警告**")
    ]
    sheet = load_workbook(io.BytesIO(draft_workbook(draft))).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [row[1] for row in rows if row[0] == "警告"] == warnings


# --- the faces, on the demo incident (discovered 2026-09-03, unauthorised access) --------------


@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    db = tmp_path_factory.mktemp("regulator") / "r.db"
    desk = Desk(Settings(db=str(db), dense_model="none", cookie_secure=False))
    desk.import_documents(DEMO_SLUG, demo_files())
    return desk


def test_the_cli_derives_60_days_and_warns_on_stderr(demo_desk: Desk) -> None:
    result = runner.invoke(
        app, ["--db", demo_desk.settings.db, "report", "regulator", "--incident", DEMO_SLUG]
    )
    assert result.exit_code == 0, result.output
    assert "- 確報（期限）：2026年11月2日（システム計算）" in result.stdout
    expected = deadline_warnings(regulator_inputs(demo_desk.db, DEMO_SLUG, discovered_on=None))
    assert [line.removeprefix("warning: ") for line in result.stderr.splitlines()] == expected
    flagged = runner.invoke(
        app,
        [
            "--db",
            demo_desk.settings.db,
            "report",
            "regulator",
            "--incident",
            DEMO_SLUG,
            "--no-unauthorised-access",
        ],
    )
    assert "- 確報（期限）：2026年10月3日（システム計算）" in flagged.stdout


def test_the_console_page_derives_60_days_and_shows_past_deadlines(demo_desk: Desk) -> None:
    auth.create_user(demo_desk.db, "rita", PASSWORD, "viewer")
    client, _ = signed_in(demo_desk, "rita")
    url = f"/console/i/{DEMO_SLUG}/regulator"
    page = HTMLParser(client.get(url).text)
    shown = {
        row.css_first("th").text(strip=True): row.css_first("td").text(strip=True)
        for row in page.css(".doc-fields tr")
    }
    assert shown["確報（期限）"].startswith("2026年11月2日")
    assert shown["確報の期限の根拠"].startswith("不正アクセス等")
    expected = deadline_warnings(regulator_inputs(demo_desk.db, DEMO_SLUG, discovered_on=None))
    assert expected  # the demo's deadlines (2026-09-08, 2026-11-02) are behind us
    box = page.css_first("#deadline-warnings")
    assert box is not None and box.attributes.get("role") == "alert"
    assert all(w in box.text() for w in expected)
    selected = page.css_first("#unauthorised option[selected]")
    assert selected is not None and selected.attributes["value"] == ""
    overruled = HTMLParser(client.get(url, params={"unauthorised": "false"}).text)
    rows = {r.css_first("th").text(strip=True): r for r in overruled.css(".doc-fields tr")}
    assert rows["確報（期限）"].css_first("td").text(strip=True).startswith("2026年10月3日")
    xlsx = client.get(url, params={"download": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = {row[0].value: row[1].value for row in sheet.iter_rows()}
    assert cells["確報（期限）"] == "2026年11月2日"


# --- the seeds ------------------------------------------------------------------------------


@pytest.mark.seeds
@pytest.mark.parametrize(
    ("slug", "discovered", "due", "organisation"),
    [
        ("cellcellar", None, "2020年6月6日", "スカイトップトレーディング"),  # 2020-04-07 + 60
        ("jrc", "2022-02-10", "2022年4月11日", "日本赤十字社"),  # the notice names no day
    ],
)
def test_the_seeds_final_report_is_due_in_60_days_without_a_flag(
    seeds: dict[str, Path],
    tmp_path: Path,
    slug: str,
    discovered: str | None,
    due: str,
    organisation: str,
) -> None:
    db = str(tmp_path / "s.db")
    imported = runner.invoke(app, ["--db", db, "import", str(seeds[slug]), "--incident", slug])
    assert imported.exit_code == 0, imported.output
    command = ["--db", db, "report", "regulator", "--incident", slug]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    final = next(line for line in lines if line.startswith("- 確報（期限）："))
    reporter_line = next(line for line in lines if line.startswith("- 報告者："))
    assert organisation in reporter_line and "（公表文）" in reporter_line
    if discovered is None:
        assert final == f"- 確報（期限）：{due}（システム計算）"
    else:
        assert final.startswith("- 確報（期限）：発覚日から60日")
        dated = runner.invoke(app, [*command, "--discovered", discovered])
        assert f"- 確報（期限）：{due}（システム計算）" in dated.stdout.splitlines()
    basis = next(line for line in lines if line.startswith("- 確報の期限の根拠："))
    assert "60日" in basis and basis.endswith("（公表文）")
