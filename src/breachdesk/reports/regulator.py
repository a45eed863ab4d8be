"""A draft of the 個人情報保護委員会 漏えい等報告, filled from what breachdesk knows.

The items follow the report form (個人情報保護法 第26条, 施行規則 第8条), in its order and with
its names: 概要 (発生日, 発覚日, 報告日 and the account), 漏えい等が発生し、又は発生したおそれが
ある個人データの項目, 本人の数, 原因, 二次被害又はそのおそれの有無及びその内容, 本人への対応の
実施状況, 公表の実施状況, 再発防止のための措置, その他参考事項. 発覚日, 発生日 and 原因 are read
from the notice's own sentences (`notice_facts`). Due dates: the 速報 "promptly" after discovery —
in practice within about 3 to 5 days — and the 確報 within 30 days, or 60 days when the leak came
from unauthorised access (不正の目的をもって行われたおそれがある事態, 施行規則 第7条第3号 and
第8条第2項). Whether it did is read from the notice (`notice_facts`: 不正アクセス, 不正な手段,
サイバー攻撃, ランサムウェア…) unless a person says otherwise; the draft names its basis either
way. A deadline already past on the day the draft is made is a warning on every face (the console
page, the CLI, the Markdown and the workbook). The 報告者 is the organisation as entered, else the
name the notice gives itself.

Nothing is composed: each item quotes the organisation's own published passages (chosen by
their headings) or lists facts extracted from them; figures computed by breachdesk are labelled
as such; what the data cannot fill stays visibly blank for a person to write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from breachdesk.reports.model import Event
from breachdesk.reports.notice_facts import NoticeFacts, Quote
from breachdesk.spreadsheet import workbook_bytes

BLANK = "（未記入：{what}を記入してください）"


@dataclass(frozen=True)
class DeskTotals:
    days: int
    offered: int | None
    answered: int | None
    fraud_reports: int | None


@dataclass(frozen=True)
class RegulatorInputs:
    incident_name: str
    organisation: str | None
    discovered_on: date | None
    unauthorised_access: bool | None
    """True or False as a person said; None: as the notice states (`NoticeFacts.unauthorised`)."""
    facts: dict[str, Any]
    passages: list[tuple[str, str]]
    totals: DeskTotals | None = None
    campaigns: list[Event] = field(default_factory=list)
    notice: NoticeFacts = field(default_factory=NoticeFacts)
    today: date | None = None
    """The day the draft is made: deadlines before it are warned about (None: no warnings)."""


@dataclass(frozen=True)
class Item:
    title: str
    text: str
    source: str  # 公表文 / システム集計 / 未記入
    blank: bool


ITEMS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("概要", ("経緯", "概要", "発生", "事案"), "事案の概要（発覚の経緯・日時）"),
    (
        "漏えい等が発生し、又は発生したおそれがある個人データの項目",
        ("項目", "流出した", "漏えいした", "情報"),
        "漏えいした項目",
    ),
    ("本人の数", ("件数", "人数", "影響範囲"), "本人の数"),
    ("原因", ("原因",), "原因"),
    ("二次被害又はそのおそれの有無及びその内容", ("二次被害", "不正利用"), "二次被害の有無と内容"),
    (
        "本人への対応の実施状況",
        ("本人への対応", "お客様への対応", "お問い合わせ", "窓口"),
        "本人への対応",
    ),
    ("公表の実施状況", ("公表", "お知らせ"), "公表の日と方法"),
    ("再発防止のための措置", ("再発防止", "対策"), "再発防止策"),
    ("その他参考事項", ("その他", "参考"), "その他参考となる事項"),
)


@dataclass(frozen=True)
class Field:
    """One dated line of the form's 概要 (発生日, 発覚日, 報告日) or a deadline."""

    label: str
    value: str
    source: str  # 入力 / 公表文 / システム計算 / 未記入
    blank: bool = False
    quote: str | None = None


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def discovered_on(inputs: RegulatorInputs) -> date | None:
    """The discovery day: as entered, else as the notice states it."""
    found = inputs.notice.discovered
    return inputs.discovered_on or (found.day if found else None)


@dataclass(frozen=True)
class AccessBasis:
    """Whether the leak came from unauthorised access (the 確報 in 60 days, not 30), and why."""

    unauthorised: bool
    source: str  # 入力 / 公表文 / システム判定
    quote: str | None = None

    @property
    def days(self) -> int:
        return 60 if self.unauthorised else 30


def access_basis(inputs: RegulatorInputs) -> AccessBasis:
    """As a person said, else as the notice states; a notice that states no attack gives 30."""
    if inputs.unauthorised_access is not None:
        return AccessBasis(inputs.unauthorised_access, "入力")
    stated = inputs.notice.unauthorised
    if stated is not None:
        return AccessBasis(True, "公表文", stated.sentence)
    return AccessBasis(False, "システム判定")


def reporter(inputs: RegulatorInputs) -> Field:
    """報告者: the organisation as entered, else the name the notice gives itself."""
    if inputs.organisation:
        return Field("報告者", inputs.organisation, "入力")
    named = inputs.notice.organisation
    if named is not None:
        return Field("報告者", named.name, "公表文", quote=named.sentence)
    return Field("報告者", BLANK.format(what="事業者名"), "未記入", blank=True)


def overview(inputs: RegulatorInputs) -> list[Field]:
    """The form's dated lines: 発生日, 発覚日, 報告日, then the 速報/確報 deadlines and the
    basis of the 確報's (30 or 60 days)."""

    def quoted(label: str, quote: Quote | None, what: str) -> Field:
        if quote is None or quote.day is None:
            return Field(label, BLANK.format(what=what), "未記入", blank=True)
        return Field(label, quote.day_text(), "公表文", quote=quote.sentence)

    fields = [quoted("発生日", inputs.notice.occurred, "発生日（漏えい等が発生した日・期間）")]
    if inputs.discovered_on is not None:
        fields.append(Field("発覚日", _day(inputs.discovered_on), "入力"))
    else:
        fields.append(quoted("発覚日", inputs.notice.discovered, "発覚日"))
    fields.append(Field("報告日", BLANK.format(what="報告日（提出する日）"), "未記入", blank=True))
    basis = access_basis(inputs)
    day = discovered_on(inputs)
    if day is not None:
        for label, due in due_dates(day, basis.unauthorised).items():
            fields.append(Field(label, _day(due), "システム計算"))
    else:
        fields.append(
            Field(
                "確報（期限）",
                f"発覚日から{basis.days}日（発覚日を記入すると日付を計算します）",
                "未記入",
                blank=True,
            )
        )
    fields.append(Field("確報の期限の根拠", basis_text(basis), basis.source, quote=basis.quote))
    return fields


def basis_text(basis: AccessBasis) -> str:
    """Why the 確報 is due in 30 or 60 days, with the article."""
    if basis.unauthorised:
        return (
            "不正アクセス等（不正の目的をもって行われたおそれがある漏えい等、個人情報保護法施行規則"
            " 第7条第3号）のため、発覚日から60日（同 第8条第2項）"
        )
    tail = (
        "公表文に不正アクセス等の記載がありません。該当する場合は60日です"
        if basis.source == "システム判定"
        else "不正アクセス等によらないため"
    )
    return f"発覚日から30日（個人情報保護法施行規則 第8条第2項）。{tail}"


def due_dates(discovered_on: date, unauthorised_access: bool) -> dict[str, date]:
    """速報 window (3–5 days) and 確報 deadline (30, or 60 days for unauthorised access)."""
    return {
        "速報（目安・最短）": discovered_on + timedelta(days=3),
        "速報（目安・最長）": discovered_on + timedelta(days=5),
        "確報（期限）": discovered_on + timedelta(days=60 if unauthorised_access else 30),
    }


def deadline_warnings(inputs: RegulatorInputs) -> list[str]:
    """The deadlines already past on `inputs.today`, each as a sentence to show a person."""
    day = discovered_on(inputs)
    if day is None or inputs.today is None:
        return []
    due = due_dates(day, access_basis(inputs).unauthorised)
    out = []
    first_report = due["速報（目安・最長）"]
    if inputs.today > first_report:
        late = (inputs.today - first_report).days
        out.append(
            f"速報の目安（発覚日から3〜5日、{_day(first_report)}まで）を{late}日過ぎています。"
            "まだ提出していない場合は、直ちに速報を提出してください。"
        )
    final = due["確報（期限）"]
    if inputs.today > final:
        late = (inputs.today - final).days
        out.append(
            f"確報の期限（{_day(final)}）を{late}日過ぎています。"
            "まだ提出していない場合は、直ちに確報を提出してください。"
        )
    return out


def _passage(inputs: RegulatorInputs, keywords: tuple[str, ...]) -> str | None:
    """The first passage under a heading with one of the keywords (a real, short heading)."""
    for heading, text in inputs.passages:
        if len(heading) > 40 or heading.strip() == text.strip():
            continue
        if any(k in heading for k in keywords) and text.strip():
            return f"「{heading}」より：\n{text.strip()}"
    return None


def _leaked_items(facts: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for item in facts.get("items", []):
        if item.get("negated") or item.get("in_question") or not item.get("leak_context", True):
            continue
        raw = str(item.get("raw", "")).strip()
        if raw and raw not in seen:
            seen.append(raw)
    return seen


def _counts(facts: dict[str, Any]) -> list[str]:
    return [str(c.get("raw", "")).strip() for c in facts.get("counts", []) if c.get("raw")]


def build_items(inputs: RegulatorInputs) -> list[Item]:
    """Every report item, quoted, listed, computed or left blank."""
    out: list[Item] = []
    for title, keywords, what in ITEMS:
        quoted = _passage(inputs, keywords)
        extra: list[str] = []
        if title == "原因" and not quoted and inputs.notice.cause is not None:
            quoted = f"公表文より：\n{inputs.notice.cause.sentence}"
        if title.startswith("漏えい等") and (items := _leaked_items(inputs.facts)):
            extra.append("公表文から抽出した項目：" + "、".join(items))
        if title == "本人の数" and (counts := _counts(inputs.facts)):
            extra.append("公表文から抽出した件数：" + "、".join(counts))
        if title.startswith("二次被害") and inputs.totals and inputs.totals.fraud_reports:
            extra.append(f"〔システム集計〕窓口への不正利用の申告：{inputs.totals.fraud_reports}件")
        if title.startswith("本人への対応"):
            if inputs.totals and inputs.totals.offered is not None:
                t = inputs.totals
                rate = (
                    f"（応答率 {t.answered / t.offered:.1%}）"
                    if t.answered is not None and t.offered
                    else ""
                )
                extra.append(
                    f"〔システム集計〕問い合わせ窓口：{t.days}日間で入電{t.offered}件、"
                    f"応答{t.answered if t.answered is not None else '-'}件{rate}"
                )
            for e in inputs.campaigns:
                extra.append(f"〔breachdesk記録〕{e.day:%Y年%-m月%-d日} {e.note}")
        parts = [p for p in (quoted, *extra) if p]
        if parts:
            source = "公表文" if quoted else "システム集計"
            out.append(Item(title, "\n".join(parts), source, False))
        else:
            out.append(Item(title, BLANK.format(what=what), "未記入", True))
    return out


def blocks(item: Item) -> list[tuple[str, str]]:
    """An item's text as a document shows it: ("cite", where it is quoted from), ("quote", the
    organisation's consecutive lines, kept together) and ("derived", what breachdesk adds)."""
    out: list[tuple[str, str]] = []
    for line in item.text.splitlines():
        text = line.strip()
        if not text:
            continue
        if text.startswith(("〔", "公表文から抽出")):
            out.append(("derived", text))
        elif text.endswith("より："):
            out.append(("cite", text))
        elif out and out[-1][0] == "quote":
            out[-1] = ("quote", out[-1][1] + "\n" + text)
        else:
            out.append(("quote", text))
    return out


def draft_markdown(inputs: RegulatorInputs) -> str:
    """The draft as Markdown, in the form's order; past deadlines are warned about first."""
    lines = [f"# 漏えい等報告（案）— {inputs.incident_name}", ""]
    for warning in deadline_warnings(inputs):
        lines.append(f"> **警告**：{warning}")
    if lines[-1]:
        lines.append("")
    for f in [reporter(inputs), *overview(inputs)]:
        lines.append(f"- {f.label}：{f.value}" + (f"（{f.source}）" if not f.blank else ""))
        if f.quote and f.label in ("報告者", "確報の期限の根拠"):
            lines.append(f"  > {f.quote}")
    lines += [
        "",
        "> 公表文の引用と breachdesk の集計から作成した下書きです。提出前に確認・加筆してください。",
        "",
    ]
    for item in build_items(inputs):
        lines += [f"## {item.title}", "", f"*出典：{item.source}*", ""]
        lines += [
            f"> {t}" if item.source == "公表文" and not t.startswith("〔") else t
            for t in item.text.splitlines()
        ]
        lines.append("")
    return "\n".join(lines)


def draft_workbook(inputs: RegulatorInputs) -> bytes:
    """The draft as an XLSX workbook: one row per item (項目 / 内容 / 出典)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "漏えい等報告（案）"
    sheet.append([f"漏えい等報告（案）— {inputs.incident_name}"])
    sheet["A1"].font = Font(bold=True, size=13)
    late = PatternFill("solid", fgColor="F8D7DA")
    for warning in deadline_warnings(inputs):
        sheet.append(["警告", warning])
        for cell in sheet[sheet.max_row]:
            cell.fill = late
            cell.font = Font(bold=True, color="842029")
    for f in [reporter(inputs), *overview(inputs)]:
        sheet.append([f.label, f.value, f.source, *([f.quote] if f.quote else [])])
    sheet.append([])
    sheet.append(["項目", "内容", "出典"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    blank = PatternFill("solid", fgColor="FFF2CC")
    for item in build_items(inputs):
        sheet.append([item.title, item.text, item.source])
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if item.blank:
                cell.fill = blank
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 90
    sheet.column_dimensions["C"].width = 16
    return workbook_bytes(book)  # every text cell neutralised (no formulas from our data)
