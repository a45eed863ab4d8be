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
    """Score a question file: accuracy, answerable accuracy, abstention rate, wrong-answer rate."""
    from breachdesk.answer.evaluation import format_figures, read_questions

    d = desk()
    figures = run(lambda: d.evaluate(read_questions(questions, incident=incident)))
    typer.echo(dump(figures) if as_json else format_figures(figures))


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
    for question in DEMO_QUESTIONS:
        a = run(partial(d.ask, DEMO_SLUG, question))
        typer.echo(f"\nQ: {question}")
        typer.echo(
            f"A: {a.answer}"
            if a.answered
            else f"A: (回答できません) 窓口 {a.contact.phone if a.contact else '-'}"
        )
    if serve:
        serve_(host=host, port=port, workers=1)


@app.command()
def calibrate(
    questions: Annotated[
        Path,
        typer.Argument(
            help="Development question file (JSON lines with expect).", exists=True, dir_okay=False
        ),
    ],
    out: Annotated[Path | None, typer.Option(help="Write the calibration JSON here.")] = None,
    max_wrong: Annotated[
        float, typer.Option(help="Highest wrong-answer share the threshold allows.")
    ] = 0.05,
    l2: Annotated[float, typer.Option(help="L2 regularisation of the logistic model.")] = 1.0,
) -> None:
    """Fit the answer/abstain model on a development set; print cross-validated figures."""
    from breachdesk.answer.calibrate import collect, cross_validate, figures, fit, outcomes
    from breachdesk.answer.evaluation import read_questions

    d = desk()
    samples = run(lambda: collect(d.engine, read_questions(questions)))
    cv = cross_validate(samples, max_wrong=max_wrong, l2=l2)
    typer.echo("leave-one-incident-out: " + dump({k: round(v, 3) for k, v in cv.items()}))
    calibration = fit(samples, max_wrong=max_wrong, l2=l2)
    fitted = figures(samples, outcomes(samples, calibration, calibration.threshold))
    typer.echo(
        f"fitted on all (threshold {calibration.threshold}): "
        + dump({k: round(v, 3) for k, v in fitted.items()})
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
    )


@app.command("settings")
def settings_() -> None:
    """List the settings, their environment variables and defaults."""
    for env, default, description in describe_settings():
        typer.echo(f"{env}\t{default}\t{description}")


def main() -> None:
    """Entry point of the `breachdesk` script."""
    sys.exit(app())
