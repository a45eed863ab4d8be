"""Console: the inquiry desk — the one-screen call form and call-log import, the daily report
with its chart, staffing and the regulator draft (the campaigns tab is `console/campaigns.py`)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import BeforeValidator

from breachdesk import labels
from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import (
    BreachdeskError,
    InvalidInputError,
    NotFoundError,
)
from breachdesk.inquiries import service as inquiries
from breachdesk.inquiries.calllog import import_call_log
from breachdesk.inquiries.day_input import parse_moment
from breachdesk.inquiries.desk_days import desk_days, staffing_hours
from breachdesk.notify.remediation import stats as remediation_stats
from breachdesk.reports import daily
from breachdesk.reports.chart import daily_chart
from breachdesk.reports.model import DailyTable
from breachdesk.reports.regulator import (
    blocks,
    build_items,
    deadline_warnings,
    draft_markdown,
    draft_workbook,
    overview,
    reporter,
)
from breachdesk.reports.service import (
    ForecastRow,
    StaffingRow,
    forecast_table,
    regulator_inputs,
    staffing_csv,
    staffing_rows,
)
from breachdesk.reports.staffing import Assumptions
from breachdesk.reports.xlsx import council_workbook
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import (
    Editor,
    Reader,
    Reviewer,
    Slug,
    TypedDay,
    incident_context,
    redirect,
    render,
    slug_url,
    upload_failed,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.uploads import saved_upload

router = APIRouter()

OUTCOMES = tuple((code, labels.OUTCOMES[code]) for code in inquiries.OUTCOMES)
CHANNELS = tuple((code, labels.CHANNELS[code]) for code in inquiries.CHANNELS)


# A number field left empty in a GET form arrives as `agents=`: no value, not an error page.
BlankIsNone = BeforeValidator(lambda v: None if isinstance(v, str) and not v.strip() else v)
Day = Annotated[date | None, Query(), TypedDay]
RECENT_FILTERS: dict[str, dict[str, Any]] = {
    "calls": {"exclude_channels": ("web",)},
    "web": {"channels": ("web",)},
    "all": {},
}
_SCRIPT = re.compile(r"<script.*?</script>", re.S | re.I)


EMPTY_FORM = {
    "category": "",
    "outcome": "answered",
    "channel": "phone",
    "fraud": "",
    "note": "",
    "entry": "",
    "received_at": "",
}


def _desk_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    *,
    find: str = "",
    show: str = "calls",
    form: dict[str, str] | None = None,
    error: BreachdeskError | None = None,
) -> Response:
    """The desk form (with what was typed and why it was refused, after a refusal)."""
    context = incident_context(desk, slug, "desk")
    words = find.strip()
    entries = desk.entries(slug)
    matches = [e for e in entries if words and (words in e.question or words in e.answer)][:8]
    # Refused web questions are logged as inquiries too; on this page they would push the calls
    # off the list, so the calls come first and the web questions have their own tab.
    shown = RECENT_FILTERS[show]
    recent, _ = inquiries.list_inquiries(desk.db, slug, limit=15, **shown)
    context |= {
        "categories": inquiries.category_names(desk.db, slug),
        "outcomes": OUTCOMES,
        "channels": CHANNELS,
        "find": words,
        "matches": matches,
        "recent": recent,
        "show": show,
        "shows": (
            ("calls", "電話・メールなど"),
            ("web", "公開ページからの質問"),
            ("all", "すべて"),
        ),
        "counts": {
            name: inquiries.list_inquiries(desk.db, slug, limit=0, **filters)[1]
            for name, filters in RECENT_FILTERS.items()
        },
        "form": form or EMPTY_FORM,
        "error": None if error is None else _refusal(error),
        "error_field": getattr(error, "where", None),
    }
    return render(
        request, me, "console/desk_form.html", context, status=200 if error is None else 422
    )


def _refusal(exc: BreachdeskError) -> str:
    """Why an inquiry was not logged, as the operator reads it (no field code in front)."""
    if isinstance(exc, InvalidInputError):
        return exc.reason
    if isinstance(exc, NotFoundError):
        return labels.not_found(exc.kind, exc.key)
    return str(exc)


@router.get("/i/{slug}/desk")
def desk_form(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reviewer,
    find: Annotated[str, Query(max_length=100)] = "",
    show: Annotated[Literal["calls", "web", "all"], Query()] = "calls",
) -> Response:
    """The one-screen form an operator fills in after each call, and the latest inquiries."""
    return _desk_page(request, desk, me, slug, find=find, show=show)


@router.post("/i/{slug}/desk")
def desk_log(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reviewer,
    outcome: Annotated[Literal["answered", "busy", "callback", "escalated"], Form()],
    channel: Annotated[
        Literal["phone", "mail", "web", "sms", "letter", "counter"], Form()
    ] = "phone",
    category: Annotated[str, Form(max_length=100)] = "",
    fraud: Annotated[str, Form(max_length=5)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    entry: Annotated[str, Form(max_length=40)] = "",
    received_at: Annotated[str, Form(max_length=100)] = "",
    find: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Log one inquiry; the note is redacted before it is stored. 受付日時 (optional, default
    now) is read by the one date-time parser; a future or implausible one is refused."""
    suggested = None if category else inquiries.suggest_category(note) if note else None
    try:
        when = (
            parse_moment(received_at, where="received_at", field="受付日時")
            if received_at.strip()
            else None
        )
        view = inquiries.log_inquiry(
            desk.db,
            slug,
            inquiries.InquiryInput(
                channel=channel,
                outcome=outcome,
                received_at=when,
                handled_by=me.name,
                category=category or None,
                fraud_report=bool(fraud),
                note=note,
                entry=entry or None,
                source="console",
            ),
            by=actor_of(request, me),
        )
    except BreachdeskError as exc:
        if isinstance(exc, NotFoundError) and exc.kind == "incident":
            raise
        typed = {
            "category": category,
            "outcome": outcome,
            "channel": channel,
            "fraud": fraud,
            "note": note,
            "entry": entry,
            "received_at": received_at,
        }
        return _desk_page(request, desk, me, slug, find=find, form=typed, error=exc)
    text = f"記録しました（#{view.id}・{view.received_at:%m/%d %H:%M}・{view.category or '分類なし'}）。"
    if suggested and not category:
        text += f"分類はメモから「{suggested}」と推定しました。"
    return redirect(request, slug_url(slug, "desk"), text)


@router.post("/i/{slug}/calls")
def import_calls(
    request: Request, slug: Slug, desk: DeskDep, me: Editor, file: Annotated[UploadFile, File()]
) -> Response:
    """Import a phone system's call log (CSV or XLSX): every row, or none with each bad row."""

    try:
        with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
            result = import_call_log(
                desk.db, slug, saved.path, name=saved.name, by=actor_of(request, me)
            )
    except NotFoundError:
        raise
    except BreachdeskError as exc:
        text, lines = upload_failed(exc)
        return redirect(request, slug_url(slug, "desk"), text, kind="error", lines=lines)
    return redirect(
        request,
        slug_url(slug, "desk"),
        f"{result.file_name}：{result.calls}件を取り込みました"
        f"（応答 {result.answered}・話中/放棄 {result.busy}・その他 {result.other}）。",
    )


def _table(desk: Any, slug: str, start: date | None, end: date | None) -> DailyTable:
    return daily.daily_table(desk.db, slug, start=start, end=end)


_STYLE_BLOCK = re.compile(r"<style.*?</style>", re.S | re.I)
_STYLE_ATTR = re.compile(r'style="([^"]*)"')


def _presentation(match: re.Match[str]) -> str:
    """`style="fill: #fff; stroke: none"` as presentation attributes (`fill="#fff" …`), which
    the console's Content-Security-Policy (no inline styles) leaves alone."""
    attrs = []
    for declaration in match.group(1).split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            attrs.append(f'{name.strip()}="{value.strip()}"')
    return " ".join(attrs)


def _inline_svg(svg: bytes) -> Markup:
    """Our own chart's SVG, inlined: the XML prolog, style blocks and any script dropped, inline
    styles turned into presentation attributes so that the strict CSP does not blank it."""
    text = svg.decode("utf-8")
    text = text[text.index("<svg") :]
    text = _STYLE_ATTR.sub(_presentation, _STYLE_BLOCK.sub("", _SCRIPT.sub("", text)))
    return Markup(text)


@router.get("/i/{slug}/report")
def report(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reader,
    start: Annotated[date | None, Query(alias="from"), TypedDay] = None,
    end: Annotated[date | None, Query(alias="to"), TypedDay] = None,
    target: Annotated[float, Query(ge=0.5, le=99)] = 0.9,
    aht: Annotated[float, Query(ge=30, le=3600)] = 300.0,
    hours: Annotated[int | None, Query(ge=1, le=24), BlankIsNone] = None,
    patience: Annotated[float, Query(ge=5, le=1800)] = 60.0,
    profile: Annotated[str, Query(max_length=200)] = "",
    agents: Annotated[int | None, Query(ge=1, le=500), BlankIsNone] = None,
    lines: Annotated[int | None, Query(ge=1, le=1000), BlankIsNone] = None,
    forecast_on: Annotated[date | None, Query(), TypedDay] = None,
    forecast_days: Annotated[int, Query(ge=1, le=60)] = 14,
    audience: Annotated[int | None, Query(ge=1, le=100_000_000), BlankIsNone] = None,
) -> Response:
    """The daily table, the chart, weekly and category totals, staffing (with a plan to try)
    and the forecast after a planned campaign."""
    range_problem = None
    try:
        table = _table(desk, slug, start, end)
    except InvalidInputError as exc:
        # A range that ends before it starts: said beside the date fields, with the days
        # that have data shown meanwhile, rather than an error page with nothing to go back to.
        range_problem = exc.reason
        table = _table(desk, slug, None, None)
    target = target / 100 if target >= 50 else target  # 90 (%) as typed in the form, or 0.9
    is_open = desk_days(desk.db, slug)
    context = incident_context(desk, slug, "report")
    counted = [r for r in table.rows if r.offered]
    peak = max(counted, key=lambda r: r.offered or 0) if counted else None
    problem = None
    staffing: list[StaffingRow] = []
    forecast: list[ForecastRow] = []
    try:
        if not 0.5 <= target <= 0.99:
            target = 0.9
            raise InvalidInputError("目標応答率は50〜99（%）で入力してください")
        hours = staffing_hours(desk.db, slug, hours, profile)
        assumptions = Assumptions.from_inputs(target, aht, hours, patience, profile)
        hours = assumptions.hours_open
        staffing = staffing_rows(table, assumptions, agents=agents, lines=lines)
        if forecast_on is not None:
            forecast = forecast_table(
                desk.db,
                slug,
                on=forecast_on,
                days=forecast_days,
                audience=audience,
                assumptions=assumptions,
            )[1]
    except InvalidInputError as exc:
        problem = str(exc)
    series = [(r.day.day, r.day.expected) for r in forecast] or None
    context |= {
        "table": table,
        "weekly": daily.weekly_totals(table),
        "category_totals": daily.category_totals(table),
        "chart": _inline_svg(daily_chart(table, fmt="svg", forecast=series))
        if table.rows
        else None,
        "peak": peak,
        "staffing": staffing,
        "planned": agents is not None,
        "forecast": forecast,
        "problem": problem,
        "range_problem": range_problem,
        "params": {
            "target": target,
            "aht": aht,
            "hours": hours,
            "patience": patience,
            "profile": profile,
            "agents": agents,
            "lines": lines,
            "forecast_on": forecast_on,
            "forecast_days": forecast_days,
            "audience": audience,
        },
        "start": start,
        "end": end,
        "weekdays": "月火水木金土日",
        "closed": {r.day for r in table.rows if not is_open(r.day)},
    }
    return render(request, me, "console/report_daily.html", context)


@router.get("/i/{slug}/report/download/{kind}")
def report_download(
    slug: Slug,
    desk: DeskDep,
    me: Reader,
    kind: Literal["daily.csv", "daily.xlsx", "chart.png", "chart.svg", "staffing.csv"],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """The report as a file."""
    table = _table(desk, slug, start, end)
    name = f"{slug}-{kind}"
    if kind == "daily.csv":  # for people opening it in a spreadsheet: Japanese column names
        body: bytes = daily.to_csv(table, japanese=True).encode("utf-8-sig")
        media = "text/csv; charset=utf-8"
    elif kind == "daily.xlsx":
        body = council_workbook(table, remediation_stats(desk.db, slug, through=end))
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif kind == "staffing.csv":
        body = staffing_csv(staffing_rows(table), japanese=True).encode("utf-8-sig")
        media = "text/csv; charset=utf-8"
    else:
        fmt = kind.split(".")[1]
        body = daily_chart(table, fmt=fmt)
        media = "image/png" if fmt == "png" else "image/svg+xml"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/i/{slug}/regulator")
def regulator(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reader,
    discovered: Day = None,
    unauthorised: Annotated[Literal["", "true", "false"], Query()] = "",
    download: Annotated[Literal["", "md", "xlsx"], Query()] = "",
) -> Response:
    """The 個人情報保護委員会 漏えい等報告 draft (blank items stay visibly blank)."""
    inputs = regulator_inputs(
        desk.db,
        slug,
        discovered_on=discovered,
        unauthorised_access={"true": True, "false": False}.get(unauthorised),
    )
    if download == "xlsx":
        return Response(
            draft_workbook(inputs),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{slug}-report-draft.xlsx"'},
        )
    text = draft_markdown(inputs)
    if download == "md":
        return Response(
            text,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{slug}-report-draft.md"'},
        )
    context = incident_context(desk, slug, "regulator")
    context |= {
        "reporter": reporter(inputs),
        "fields": overview(inputs),
        "warnings": deadline_warnings(inputs),
        "items": build_items(inputs),
        "blocks": blocks,
        "discovered": discovered,
        "unauthorised": unauthorised,
        "today": inputs.today,
    }
    return render(request, me, "console/report_regulator.html", context)
