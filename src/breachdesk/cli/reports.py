"""`breachdesk report`: the daily table, staffing, forecasts, the regulator draft."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from breachdesk.cli.common import app, day_option, desk, run

report_app = typer.Typer(
    help="Reports: the daily table (CSV, workbook, chart).", no_args_is_help=True
)
app.add_typer(report_app, name="report")


@report_app.command("daily")
def report_daily(
    incident: Annotated[str, typer.Option("--incident", help="Incident slug.")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    labels: Annotated[
        str,
        typer.Option(
            "--labels",
            help="Column names: codes (date, offered, …; the CSV contract) or ja (日付, 入電, …).",
        ),
    ] = "codes",
    start: Annotated[
        str | None,
        typer.Option(
            "--from", help="First day, e.g. 2026-09-03 or 2026年9月3日 (default: first data)."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day, e.g. 2026/09/30 (default: last data)."),
    ] = None,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Also write the council workbook here.")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the chart here (.png or .svg).")
    ] = None,
) -> None:
    """Print the daily table: offered, answered, answer rate, categories, events."""
    from breachdesk.errors import InvalidInputError
    from breachdesk.reports import daily

    def build() -> Any:
        if labels not in ("codes", "ja"):
            raise InvalidInputError(f"--labels: codes or ja, not {labels!r}")
        first = daily.parse_day(start) if start else None
        last = daily.parse_day(end) if end else None
        if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
            raise InvalidInputError(f"--chart: a .png or .svg file, not {chart.name!r}")
        return daily.daily_table(desk().db, incident, start=first, end=last)

    table = run(build)
    for note in table.notes:  # rows left out (implausible dates): said, never silently dropped
        typer.echo(f"note: {note}", err=True)
    from breachdesk.notify.remediation import stats as remediation_stats

    # Compensation codes and card reissue as of the report's last day (the reissue reports
    # dated after it are left out): in the workbook and under the text table, not in the CSV.
    remediation = run(
        lambda: remediation_stats(
            desk().db, incident, through=daily.parse_day(end) if end else None
        )
    )
    if xlsx is not None:
        from breachdesk.reports.xlsx import council_workbook

        xlsx.write_bytes(run(lambda: council_workbook(table, remediation)))
    if chart is not None:
        from breachdesk.reports.chart import daily_chart

        fmt = chart.suffix.lower().lstrip(".")
        chart.write_bytes(run(lambda: daily_chart(table, fmt=fmt)))
    japanese = labels == "ja"
    if as_csv:
        # Excel reads a CSV file without a byte-order mark as Shift_JIS: a file gets one, as the
        # web download does; a pipe to another program does not.
        bom = "\ufeff" if _stdout_is_file() else ""
        typer.echo(bom + daily.to_csv(table, japanese=japanese), nl=False)
    else:
        typer.echo(daily.to_text(table, japanese=japanese), nl=False)
        if not remediation.empty:
            from breachdesk.reports.remediation import summary_lines

            typer.echo("")
            for line in summary_lines(remediation):
                typer.echo(line)


def _stdout_is_file() -> bool:
    import os
    import stat

    try:
        return stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no real descriptor (a test runner's buffer)
        return False


def _share(value: float) -> float:
    """A target answer rate given as a share (0.9) or a percentage (90, 90.0)."""
    return value / 100 if value > 1 else value


TargetOpt = Annotated[
    float,
    typer.Option("--target", help="Target answer rate: 0.9 or 90 (per cent).", callback=_share),
]
AhtOpt = Annotated[float, typer.Option("--aht", help="Mean handling time, seconds.")]
HoursOpt = Annotated[
    int | None,
    typer.Option(
        "--hours",
        help="Hours the desk is open per day [default: the profile's, else the desk's, else 8].",
        min=1,
        max=24,
    ),
]
PatienceOpt = Annotated[float, typer.Option("--patience", help="Mean caller patience, seconds.")]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile", help='Intraday profile: a weight per open hour, e.g. "1,2,3,3,2,2,1,1".'
    ),
]


@report_app.command("staffing")
def report_staffing(
    incident: Annotated[str, typer.Option("--incident", help="Incident slug.")],
    target: TargetOpt = 0.9,
    aht: AhtOpt = 300.0,
    hours: HoursOpt = None,
    patience: PatienceOpt = 60.0,
    profile: ProfileOpt = None,
    agents: Annotated[
        int | None,
        typer.Option("--agents", help="A plan: this many agents each day…", min=1, max=500),
    ] = None,
    lines: Annotated[
        int | None,
        typer.Option("--lines", help="…on this many lines (default: one each).", min=1, max=1000),
    ] = None,
) -> None:
    """Per day: the answer rate, the agents it implies, the agents and lines needed for the
    target; with --agents (and --lines), the answer rate, busy and hang-up shares of that plan."""
    from breachdesk.inquiries.desk_days import staffing_hours
    from breachdesk.reports.service import staffing_csv, staffing_table
    from breachdesk.reports.staffing import Assumptions

    def build() -> tuple[Any, str]:
        db = desk().db
        open_hours = staffing_hours(db, incident, hours, profile)
        a = Assumptions.from_inputs(target, aht, open_hours, patience, profile)
        rows = staffing_table(db, incident, a, agents=agents, lines=lines)
        return a, staffing_csv(rows)

    a, text = run(build)
    typer.echo(f"# assumptions: {a.describe()}")
    typer.echo(text, nl=False)


@report_app.command("forecast")
def report_forecast(
    incident: Annotated[str, typer.Option("--incident", help="Incident slug.")],
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="Day of the planned campaign, e.g. 2026-12-01 or 2026/12/1 "
            "[default: the next campaign recorded after today, with its audience].",
        ),
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Days to forecast.", min=1, max=120)] = 14,
    audience: Annotated[
        int | None,
        typer.Option("--audience", help="People the campaign reaches.", min=1, max=1_000_000_000),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Also write the chart with the forecast (.png or .svg)."),
    ] = None,
    target: TargetOpt = 0.9,
    aht: AhtOpt = 300.0,
    hours: HoursOpt = None,
    patience: PatienceOpt = 60.0,
    profile: ProfileOpt = None,
) -> None:
    """Calls expected after a planned campaign, from how the incident's earlier campaigns rose
    and decayed, with the agents each day needs for the target."""
    from breachdesk.errors import InvalidInputError
    from breachdesk.inquiries.desk_days import staffing_hours
    from breachdesk.reports.daily import parse_day
    from breachdesk.reports.service import forecast_csv, forecast_table, next_planned_campaign
    from breachdesk.reports.staffing import Assumptions

    def build() -> tuple[Any, Any]:
        if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
            raise InvalidInputError(f"--chart: a .png or .svg file, not {chart.name!r}")
        db = desk().db
        open_hours = staffing_hours(db, incident, hours, profile)
        a = Assumptions.from_inputs(target, aht, open_hours, patience, profile)
        if on is None:
            planned = next_planned_campaign(db, incident)
            day, reach = planned.sent_on, audience or planned.audience
        else:
            day, reach = parse_day(on), audience
        return forecast_table(db, incident, on=day, days=days, audience=reach, assumptions=a)

    table, rows = run(build)
    if chart is not None:
        from breachdesk.reports.chart import daily_chart

        fmt = chart.suffix.lower().lstrip(".")
        series = [(r.day.day, r.day.expected) for r in rows]
        chart.write_bytes(run(lambda: daily_chart(table, fmt=fmt, forecast=series)))
    typer.echo(forecast_csv(rows), nl=False)


@report_app.command("regulator")
def report_regulator(
    incident: Annotated[str, typer.Option("--incident", help="Incident slug.")],
    discovered: Annotated[
        str | None, typer.Option("--discovered", help="Day the leak was discovered, YYYY-MM-DD.")
    ] = None,
    unauthorised: Annotated[
        bool | None,
        typer.Option(
            "--unauthorised-access/--no-unauthorised-access",
            help="Caused by unauthorised access (60 days) or not (30) [default: as the notice says].",
        ),
    ] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the XLSX here.")] = None,
) -> None:
    """Draft the 個人情報保護委員会 漏えい等報告 (Markdown on stdout; past deadlines on stderr)."""
    from breachdesk.reports.regulator import deadline_warnings, draft_markdown, draft_workbook
    from breachdesk.reports.service import regulator_inputs

    inputs = run(
        lambda: regulator_inputs(
            desk().db,
            incident,
            discovered_on=day_option(discovered) if discovered else None,
            unauthorised_access=unauthorised,
        )
    )
    for warning in deadline_warnings(inputs):
        typer.echo(f"warning: {warning}", err=True)
    if xlsx is not None:
        xlsx.write_bytes(draft_workbook(inputs))
    typer.echo(draft_markdown(inputs))
