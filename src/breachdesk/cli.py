"""The `breachdesk` command: a thin face over `Desk`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from breachdesk.config import Settings, describe_settings
from breachdesk.errors import BreachdeskError, DocumentFormatError, NotFoundError

app = typer.Typer(
    name="breachdesk",
    help="The inquiry desk for a personal-data or card-data leak.",
    no_args_is_help=True,
    add_completion=False,
    # Plain click help: a flag reads `--serve`, not `--serve <bool>`, and rich is not imported.
    rich_markup_mode=None,
)

T = TypeVar("T")


class State:
    db: str | None = None


state = State()


@app.callback()
def main_callback(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="SQLite file or database URL (else $BREACHDESK_DB, else ./breachdesk.db)."
        ),
    ] = None,
) -> None:
    """The inquiry desk for a personal-data or card-data leak."""
    state.db = db


def settings() -> Settings:
    return Settings(db=state.db) if state.db else Settings()


def desk() -> Any:
    from breachdesk.desk import Desk

    return Desk(settings())


def run(action: Callable[[], T]) -> T:
    """Call the core; turn its typed errors into a message on stderr and an exit code."""
    try:
        return action()
    except DocumentFormatError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except NotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
    except BreachdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Documents to import.")],
    incident: Annotated[str, typer.Option("--incident", help="Incident slug (created if new).")],
    name: Annotated[str | None, typer.Option(help="Incident name.")] = None,
    organisation: Annotated[
        str | None, typer.Option(help="Organisation that published it.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="Source format, or auto.")] = "auto",
) -> None:
    """Import FAQ and notice documents into an incident, in one transaction."""
    d = desk()
    results = run(
        lambda: d.import_documents(
            incident, files, name=name, organisation=organisation, format=format
        )
    )
    for r in results:
        if r.unchanged:
            typer.echo(f"{r.file_name}: unchanged (version {r.version}), nothing to do")
        else:
            typer.echo(
                f"{r.file_name}: version {r.version}, format {r.format}, encoding {r.encoding}: "
                f"{r.added} added, {r.changed} changed, {r.kept} kept, {r.retired} retired"
            )


@app.command()
def incidents(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per incident.")] = False,
) -> None:
    """List incidents with their entry counts and desks."""
    for i in run(lambda: desk().incidents()):
        if as_json:
            typer.echo(
                dump(
                    {
                        "slug": i.slug,
                        "name": i.name,
                        "entries": i.entries,
                        "documents": i.documents,
                        "kb_version": i.kb_version,
                        "contacts": i.contacts,
                    }
                )
            )
        else:
            phone = i.contacts[0].get("phone") if i.contacts else "-"
            typer.echo(
                f"{i.slug}\t{i.entries} entries\t{i.documents} documents\tdesk {phone}\t{i.name}"
            )


@app.command()
def entries(
    incident: Annotated[str, typer.Option("--incident", help="Incident slug.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per entry.")] = False,
) -> None:
    """List an incident's entries (newest approved versions)."""
    for e in run(lambda: desk().entries(incident)):
        if as_json:
            typer.echo(
                dump(
                    {
                        "entry": e.id,
                        "section": e.section,
                        "question": e.question,
                        "answer": e.answer,
                        "kind": e.kind,
                        "version": e.version,
                        "source": f"{e.file_name}:{e.line_start}-{e.line_end}",
                    }
                )
            )
        else:
            typer.echo(f"{e.id}\t{e.kind}\t{e.question}")


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question, in Japanese.")] = None,
    incident: Annotated[str | None, typer.Option("--incident", help="Incident slug.")] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help="JSON-lines file of questions.", exists=True, dir_okay=False),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the answer object as JSON.")
    ] = False,
) -> None:
    """Answer a question (or a --batch file) with approved text, or name the desk."""
    from breachdesk.answer.evaluation import read_questions

    d = desk()
    if batch is not None:

        def answer_all() -> None:
            for q, a in d.ask_questions(read_questions(batch, incident=incident)):
                row = {"id": q.id, **a.to_dict()}
                typer.echo(dump(row))

        run(answer_all)
        return
    if question is None or incident is None:
        typer.echo("error: give a QUESTION and --incident, or --batch FILE", err=True)
        raise typer.Exit(2)
    a = run(lambda: d.ask(incident, question))
    if as_json:
        typer.echo(dump(a.to_dict()))
        return
    if a.answered:
        typer.echo(a.answer)
        typer.echo(f"\n— {a.matched_question} [{a.entry}, {a.source}] score {a.score:.2f}")
    else:
        typer.echo(
            "この質問には、公表されている回答が見つかりませんでした。お問い合わせ窓口へご連絡ください。"
        )
    if a.contact:
        status = {True: "受付中", False: "受付時間外", None: "受付時間不明"}[a.contact.open_now]
        typer.echo(
            f"窓口: {a.contact.label or ''} {a.contact.phone or ''} {a.contact.hours or ''} ({status})"
        )


@app.command("eval")
def eval_(
    questions: Annotated[
        Path,
        typer.Argument(
            help="JSON-lines question file with expectations.", exists=True, dir_okay=False
        ),
    ],
    incident: Annotated[
        str | None, typer.Option("--incident", help="Default incident slug.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Score a question file: answered right, resolved, off-topic not answered, wrong answers."""
    from breachdesk.answer.evaluation import format_figures, read_questions

    d = desk()
    systems = run(lambda: d.evaluate(read_questions(questions, incident=incident)))
    if as_json:
        typer.echo(dump(systems))
        return
    titles = {"engine": "engine", "words_q": "plain BM25", "dense_q": "plain USE"}
    typer.echo(
        "\n\n".join(format_figures(f, titles.get(name, name)) for name, f in systems.items())
    )


DEMO_QUESTIONS = (
    "カードの再発行って手数料かかりますか",
    "2026年10月に本を買いました。私のカードも対象ですか",
    "おすすめの小説を教えてください",
)


@app.command()
def demo(
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the help page after importing.")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Import the bundled fictional incident and answer sample questions (or serve it)."""
    from breachdesk.demo import DEMO_NAME, DEMO_SLUG, demo_files

    d = desk()
    for r in run(lambda: d.import_documents(DEMO_SLUG, demo_files(), name=DEMO_NAME)):
        typer.echo(
            f"imported {r.file_name}: version {r.version}" + (" (unchanged)" if r.unchanged else "")
        )
    from breachdesk.demo.desk import seed_demo_desk

    calls = run(lambda: seed_demo_desk(d.db, DEMO_SLUG))
    if calls:
        typer.echo(f"loaded {calls} fictional calls and two campaigns into the inquiry desk")
    for question in DEMO_QUESTIONS:
        a = run(partial(d.ask, DEMO_SLUG, question))
        typer.echo(f"\nQ: {question}")
        typer.echo(
            f"A: {a.answer}"
            if a.answered
            else f"A: (回答できません) 窓口 {a.contact.phone if a.contact else '-'}"
        )
    if serve:
        import secrets

        from breachdesk.auth import service as auth

        if not run(lambda: auth.list_users(d.db)):
            password = secrets.token_urlsafe(12)
            run(lambda: auth.create_user(d.db, "demo", password, "admin", display_name="デモ"))
            typer.echo(f"\nconsole: http://{host}:{port}/console  user: demo  password: {password}")
        typer.echo(f"help page: http://{host}:{port}/i/{DEMO_SLUG}")
        serve_(host=host, port=port, workers=1)


@app.command()
def calibrate(
    folders: Annotated[
        list[Path],
        typer.Argument(
            help="Training incidents: folders of documents + questions.jsonl (or their parent).",
            exists=True,
            file_okay=False,
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Write the calibration JSON here.")] = None,
    max_wrong: Annotated[
        float, typer.Option(help="Highest wrong-answer share the answer threshold allows.")
    ] = 0.05,
    min_silent: Annotated[
        float, typer.Option(help="Lowest share of off-topic questions left with no suggestion.")
    ] = 0.6,
    l2: Annotated[float, typer.Option(help="L2 regularisation of the logistic model.")] = 1.0,
) -> None:
    """Fit the answer models on training incidents; print leave-one-incident-out figures."""
    from breachdesk.answer.evaluation import format_figures

    d = desk()
    calibration, cv = run(
        lambda: d.calibrate(folders, max_wrong=max_wrong, min_silent=min_silent, l2=l2)
    )
    typer.echo(format_figures(cv, "leave-one-incident-out, at the chosen thresholds"))
    typer.echo(
        f"threshold {calibration.threshold}, suggestions from {calibration.suggest_threshold}"
    )
    if out is not None:
        out.write_text(calibration.to_json() + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")


@app.command("serve")
def serve_(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the help pages, the console and the API (uvicorn)."""
    import copy
    import os

    import uvicorn
    import uvicorn.config

    if state.db:
        os.environ["BREACHDESK_DB"] = state.db
    # uvicorn's own access log would print query strings (questions) in the clear; breachdesk's
    # AccessLog middleware writes one redacted line per request instead.
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["breachdesk.access"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    uvicorn.run(
        "breachdesk.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=config,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the app believes it only
        # from the configured proxies (setting trusted_proxies).
        proxy_headers=False,
    )


@app.command("settings")
def settings_() -> None:
    """List the settings, their environment variables and defaults."""
    for env, default, description in describe_settings():
        typer.echo(f"{env}\t{default}\t{description}")


# --- Step 3: reports (`breachdesk report daily`) -------------------------------------------

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
    if xlsx is not None:
        from breachdesk.reports.xlsx import council_workbook

        xlsx.write_bytes(run(lambda: council_workbook(table)))
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
        str, typer.Option("--on", help="Day of the planned campaign, e.g. 2026-12-01 or 2026/12/1.")
    ],
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
    from breachdesk.reports.service import forecast_csv, forecast_table
    from breachdesk.reports.staffing import Assumptions

    def build() -> tuple[Any, Any]:
        if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
            raise InvalidInputError(f"--chart: a .png or .svg file, not {chart.name!r}")
        db = desk().db
        open_hours = staffing_hours(db, incident, hours, profile)
        a = Assumptions.from_inputs(target, aht, open_hours, patience, profile)
        return forecast_table(
            db, incident, on=parse_day(on), days=days, audience=audience, assumptions=a
        )

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
        bool, typer.Option("--unauthorised-access", help="Caused by unauthorised access (60 days).")
    ] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the XLSX here.")] = None,
) -> None:
    """Draft the 個人情報保護委員会 漏えい等報告 (Markdown on stdout)."""
    from breachdesk.reports.regulator import draft_markdown, draft_workbook
    from breachdesk.reports.service import regulator_inputs

    inputs = run(
        lambda: regulator_inputs(
            desk().db,
            incident,
            discovered_on=_day(discovered) if discovered else None,
            unauthorised_access=unauthorised,
        )
    )
    if xlsx is not None:
        xlsx.write_bytes(draft_workbook(inputs))
    typer.echo(draft_markdown(inputs))


# --- Step 3: the inquiry desk (`breachdesk inquiry|campaign|categories`) ------------------

inquiry_app = typer.Typer(help="Log, import and list inquiries.", no_args_is_help=True)
app.add_typer(inquiry_app, name="inquiry")
campaign_app = typer.Typer(
    help="Notification campaigns and delivery results.", no_args_is_help=True
)
app.add_typer(campaign_app, name="campaign")
Incident = Annotated[str, typer.Option("--incident", help="Incident slug.")]


def _day(text: str) -> Any:
    """Every date option goes through the one parser (2026-09-03, 2026/9/3, 2026年9月3日)."""
    from breachdesk.inquiries.day_input import parse_day

    return parse_day(text)


@inquiry_app.command("log")
def inquiry_log(
    incident: Incident,
    channel: Annotated[str, typer.Option(help="phone, mail, web, sms, letter or counter.")],
    outcome: Annotated[str, typer.Option(help="answered, busy, callback or escalated.")],
    category: Annotated[str | None, typer.Option(help="Category (else suggested).")] = None,
    fraud: Annotated[bool, typer.Option("--fraud", help="A fraudulent-use report.")] = False,
    note: Annotated[str, typer.Option(help="Free text (redacted before it is stored).")] = "",
    entry: Annotated[str | None, typer.Option(help="Entry id that answered it.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who handled it.")] = None,
    duration: Annotated[
        int | None, typer.Option(help="Duration in seconds.", min=0, max=86_400)
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            help="When: 2026-09-03 10:15, 2026/9/3 10:15, 2026年9月3日 10時15分 or ISO "
            "(default now; without an offset, Japan time)."
        ),
    ] = None,
) -> None:
    """Log one inquiry."""
    from breachdesk.inquiries.day_input import parse_moment
    from breachdesk.inquiries.service import InquiryInput, log_inquiry

    def action() -> Any:
        when = parse_moment(at, where="--at") if at else None
        data = InquiryInput(
            channel=channel,
            outcome=outcome,
            received_at=when,
            handled_by=by,
            duration_seconds=duration,
            category=category,
            fraud_report=fraud,
            note=note,
            entry=entry,
            source="cli",
        )
        return log_inquiry(desk().db, incident, data)

    view = run(action)
    typer.echo(
        f"logged inquiry {view.id}: {view.day} {view.channel} {view.outcome} {view.category}"
    )


@inquiry_app.command("import-calls")
def inquiry_import_calls(
    file: Annotated[
        Path, typer.Argument(help="Call log, CSV or XLSX.", exists=True, dir_okay=False)
    ],
    incident: Incident,
) -> None:
    """Import a phone system's call log (all rows or none)."""
    from breachdesk.inquiries.calllog import import_call_log

    r = run(lambda: import_call_log(desk().db, incident, file))
    typer.echo(f"imported {r.file_name}: {r.calls} calls ({r.answered} answered, {r.busy} busy)")


@inquiry_app.command("list")
def inquiry_list(
    incident: Incident,
    day: Annotated[str | None, typer.Option(help="Only this day, YYYY-MM-DD.")] = None,
    limit: Annotated[int, typer.Option(help="How many.", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per inquiry.")] = False,
) -> None:
    """List inquiries, newest first."""
    from dataclasses import asdict

    from breachdesk.inquiries.service import list_inquiries

    rows, total = run(
        lambda: list_inquiries(desk().db, incident, day=_day(day) if day else None, limit=limit)
    )
    for r in rows:
        if as_json:
            typer.echo(
                dump(
                    {k: str(v) if k in ("received_at", "day") else v for k, v in asdict(r).items()}
                )
            )
        else:
            typer.echo(
                f"{r.id}\t{r.received_at:%Y-%m-%d %H:%M}\t{r.channel}\t{r.outcome}\t{r.category or '-'}\t{r.note}"
            )
    if not as_json:
        typer.echo(f"({len(rows)} of {total})")


@app.command("categories")
def categories_(
    incident: Incident,
    add: Annotated[str | None, typer.Option(help="Add a category with this name.")] = None,
) -> None:
    """List an incident's inquiry categories (or add one)."""
    from breachdesk.inquiries import categories as cats
    from breachdesk.kb.service import get_incident

    def action() -> list[str]:
        d = desk()
        with d.db.transaction() as s:
            the_incident = get_incident(s, incident)
            if add:
                cats.add_category(s, the_incident, add)
            return [c.name for c in cats.ensure_categories(s, the_incident)]

    for name in run(action):
        typer.echo(name)


@campaign_app.command("add")
def campaign_add(
    incident: Incident,
    channel: Annotated[str, typer.Option(help="mail, sms, letter or web.")],
    sent_on: Annotated[str, typer.Option("--sent-on", help="Day sent, YYYY-MM-DD.")],
    audience: Annotated[
        int | None, typer.Option(help="People it went to.", min=0, max=1_000_000_000)
    ] = None,
    note: Annotated[str, typer.Option(help="What was sent.")] = "",
    follows: Annotated[
        int | None, typer.Option(help="Campaign whose bounces this reaches.", min=1)
    ] = None,
) -> None:
    """Record a campaign."""
    from breachdesk.inquiries.campaigns import add_campaign

    view = run(
        lambda: add_campaign(
            desk().db,
            incident,
            channel=channel,
            sent_on=_day(sent_on),
            audience=audience,
            note=note,
            follows=follows,
        )
    )
    typer.echo(f"campaign {view.id}: {view.sent_on} {view.channel}")


@campaign_app.command("list")
def campaign_list(incident: Incident) -> None:
    """List campaigns with delivery counts."""
    from breachdesk.inquiries.campaigns import list_campaigns

    for c in run(lambda: list_campaigns(desk().db, incident)):
        typer.echo(
            f"{c.id}\t{c.sent_on}\t{c.channel}\taudience={c.audience if c.audience is not None else '-'}"
            f"\tdelivered={c.delivered}\tbounced={c.bounced}\t{c.note}"
        )


@campaign_app.command("import-results")
def campaign_import_results(
    campaign: Annotated[int, typer.Argument(help="Campaign id.")],
    file: Annotated[Path, typer.Argument(help="Vendor CSV.", exists=True, dir_okay=False)],
) -> None:
    """Import the mail/SMS vendor's delivery results."""
    from breachdesk.inquiries.campaigns import import_delivery_results

    delivered, bounced = run(lambda: import_delivery_results(desk().db, campaign, file))
    typer.echo(f"{delivered} delivered, {bounced} bounced")


@campaign_app.command("export-bounced")
def campaign_export_bounced(
    campaign: Annotated[int, typer.Argument(help="Campaign id.")],
    out: Annotated[Path | None, typer.Option(help="Write the CSV here (else stdout).")] = None,
) -> None:
    """Export bounced recipients as the next campaign's audience (CSV)."""
    from breachdesk.inquiries.campaigns import export_bounced

    text = run(lambda: export_bounced(desk().db, campaign))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@campaign_app.command("purge")
def campaign_purge(campaign: Annotated[int, typer.Argument(help="Campaign id.")]) -> None:
    """Forget a campaign's recipients once the follow-up went out (the counts stay)."""
    from breachdesk.inquiries.campaigns import purge_deliveries

    removed = run(lambda: purge_deliveries(desk().db, campaign))
    typer.echo(f"{removed} recipients forgotten")


# --- Step 2: console users and API tokens (`breachdesk user|token`) ------------------------

user_app = typer.Typer(help="Console users.", no_args_is_help=True)
app.add_typer(user_app, name="user")
token_app = typer.Typer(help="API tokens for automation.", no_args_is_help=True)
app.add_typer(token_app, name="token")
Role = Annotated[str, typer.Option("--role", help="admin, editor, operator or viewer.")]


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="User name (a-z 0-9 . _ -).")],
    role: Role,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a console user (the first admin, for instance)."""
    from breachdesk.auth import service as auth

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    user = run(lambda: auth.create_user(desk().db, username, password, role, display_name=name))
    typer.echo(f"created user {user.username} ({user.role})")


@user_app.command("list")
def user_list() -> None:
    """List console users."""
    from breachdesk.auth import service as auth

    for u in run(lambda: auth.list_users(desk().db)):
        state = "active" if u.active else "inactive"
        typer.echo(f"{u.id}\t{u.username}\t{u.role}\t{state}\t{u.display_name}")


@token_app.command("add")
def token_add(
    name: Annotated[str, typer.Argument(help="What the token is for.")], role: Role
) -> None:
    """Create an API token; it is printed once, as the last word of the output."""
    from breachdesk.auth import service as auth

    value = run(lambda: auth.create_token(desk().db, name, role))
    typer.echo(f"created token {name} ({role}); it is shown only now: {value}")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (see token list).")],
) -> None:
    """Revoke an API token."""
    from breachdesk.auth import service as auth

    run(lambda: auth.revoke_token(desk().db, token_id))
    typer.echo(f"revoked token {token_id}")


@token_app.command("list")
def token_list() -> None:
    """List API tokens (never their values)."""
    from breachdesk.auth import service as auth

    for t in run(lambda: auth.list_tokens(desk().db)):
        typer.echo(f"{t.id}\t{t.name}\t{t.role}\t{'revoked' if t.revoked else 'active'}")


# --- Step 6: the affected register (`breachdesk keys|register`) ----------------------------

keys_app = typer.Typer(help="The register's master key.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
register_app = typer.Typer(help="The affected-person register.", no_args_is_help=True)
app.add_typer(register_app, name="register")


@keys_app.command("new")
def keys_new() -> None:
    """Print a new random master key (save it; point BREACHDESK_MASTER_KEY_FILE at it)."""
    from breachdesk.register.crypto import new_master_key

    typer.echo(new_master_key())


@keys_app.command("rotate")
def keys_rotate(
    new_key_file: Annotated[
        Path,
        typer.Option("--new-key-file", help="File with the new master key.", dir_okay=False),
    ],
) -> None:
    """Re-wrap every data key with a new master key; the old key then opens none of them."""
    d = desk()
    r = run(lambda: d.register.rotate(new_key_file))
    typer.echo(
        f"{r.rewrapped} registers re-wrapped by master key {r.new_key_id}"
        + (f" ({r.already} already were)" if r.already else "")
        + "; point BREACHDESK_MASTER_KEY_FILE at the new key"
    )


def _progress_printer() -> Callable[[Any], None]:
    """Rows, rate and time left on standard error (one rewritten line on a terminal)."""
    live = sys.stderr.isatty()

    def show(p: Any) -> None:
        left = f", about {p.remaining:.0f} s left" if p.remaining is not None else ""
        line = f"{p.rows:,} rows, {p.rate:,.0f} rows/s{left}"
        typer.echo(("\r" + line + "   ") if live else line, err=True, nl=not live)

    return show


@register_app.command("import")
def register_import(
    file: Annotated[Path, typer.Argument(help="The affected list, CSV (UTF-8/CP932) or XLSX.")],
    incident: Incident,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="列名=field (customer, name, kana, mail, phone, …); saved."),
    ] = None,
) -> None:
    """Import the list of affected people; prints added / updated / unchanged."""
    from breachdesk.register.importer import parse_mapping

    d = desk()
    r = run(
        lambda: d.register.import_file(
            incident,
            file,
            mapping=parse_mapping(mapping or []),
            actor=f"cli:{_os_user()}",
            progress=_progress_printer(),
        )
    )
    if sys.stderr.isatty():
        typer.echo("", err=True)
    typer.echo(
        f"{r.file_name}: {r.rows} rows: {r.added} added, {r.updated} updated, "
        f"{r.unchanged} unchanged (people matched by {r.key})"
    )


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@register_app.command("lookup")
def register_lookup(
    incident: Incident,
    reason: Annotated[str, typer.Option("--reason", help="Why you look (audited).")],
    mail: Annotated[str | None, typer.Option("--mail", help="Mail address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone number.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Customer number.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per person.")] = False,
) -> None:
    """Find a caller by one identifier; prints masked values only (audited as the OS user)."""
    given = [(k, v) for k, v in (("mail", mail), ("phone", phone), ("customer", customer)) if v]
    if len(given) != 1:
        typer.echo("error: give exactly one of --mail, --phone, --customer", err=True)
        raise typer.Exit(2)
    kind, value = given[0]
    d = desk()
    people = run(
        lambda: d.register.lookup(incident, kind, value, reason=reason, actor=f"cli:{_os_user()}")
    )
    for p in people:
        if as_json:
            typer.echo(dump(p.as_json()))
        else:
            values = "  ".join(f"{k}={v}" for k, v in p.masked.items())
            typer.echo(f"person {p.id}  {values}  leaked: {'・'.join(p.item_labels) or '-'}")
    if not people and not as_json:
        typer.echo("not on the register")


@register_app.command("stats")
def register_stats(
    incident: Incident,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """People on the register, and people per leaked item."""
    from breachdesk.register.items import item_label

    st = run(lambda: desk().register.stats(incident))
    if as_json:
        typer.echo(dump({"people": st.people, "items": st.per_item, "imports": st.imports}))
        return
    typer.echo(f"{st.people} people ({st.imports} imports)")
    for item, count in st.per_item.items():
        typer.echo(f"{item_label(item)}\t{item}\t{count}")


def main() -> None:
    """Entry point of the `breachdesk` script."""
    sys.exit(app())
