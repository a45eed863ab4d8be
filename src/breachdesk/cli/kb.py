"""Knowledge base and answers: import, incidents, entries, ask, eval, calibrate, demo."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from breachdesk.cli.common import app, cli_actor, desk, dump, run, settings
from breachdesk.cli.serve import run_server


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
    # Audited as the console's and the API's imports are, in the import's own transaction.
    actor = cli_actor().name
    results = run(
        lambda: d.import_documents(
            incident,
            files,
            name=name,
            organisation=organisation,
            format=format,
            actor=actor,
            audit=True,
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


# One of each outcome: an answer, entries to choose from, the desk.
DEMO_QUESTIONS = (
    "いつ発覚したんですか",
    "カードの再発行って手数料かかりますか",
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
    """Import the fictional demo incident, its desk up to now and its register (or serve it)."""
    import os

    from breachdesk.demo import DEMO_SLUG
    from breachdesk.demo.setup import prepare_demo

    if serve and not _port_free(host, port):
        typer.echo(
            f"error: {host}:{port} is in use (is the demo already running?); stop it, or serve "
            f"on another port: --port {port + 80 if port < 65000 else 8080}",
            err=True,
        )
        raise typer.Exit(2)
    base = settings()
    ready = run(lambda: prepare_demo(base))
    d, update, seeded, key = ready.desk, ready.update, ready.register, ready.key
    for r in ready.imports:
        typer.echo(
            f"imported {r.file_name}: version {r.version}" + (" (unchanged)" if r.unchanged else "")
        )
    if update.calls:
        typer.echo(
            f"logged {update.calls} fictional calls ({update.first} – {update.last}, up to now) "
            "in the inquiry desk"
        )
    else:
        typer.echo("the inquiry desk is up to date")
    for c in update.campaigns:
        typer.echo(f"campaign {c.sent_on} {c.channel} to {c.audience:,} people: {c.note}")
    typer.echo(
        f"register: {ready.people} fictional people"
        + (f" ({seeded.people} imported now)" if seeded.people else "")
        + f"; master key {key.resolve()} (the demo's own, mode 0600"
        + ("; written now" if seeded.key_created else "")
        + "; never commit it)"
    )
    typer.echo(
        f"  look one up: BREACHDESK_MASTER_KEY_FILE={key} breachdesk --db {base.db} "
        f'register lookup --incident {DEMO_SLUG} --phone 090-0000-0001 --reason "本人確認済み"'
    )
    for question in DEMO_QUESTIONS:
        a = run(partial(d.ask, DEMO_SLUG, question))
        typer.echo(f"\nQ: {question}")
        desk_line = f"窓口 {a.contact.phone if a.contact else '-'}"
        if a.answered:
            typer.echo(f"A: {a.answer}")
        elif a.suggestions:
            typer.echo(f"A: (お探しの質問はこちらですか？) {desk_line}")
            for s in a.suggestions:
                typer.echo(f"   ・{s.question}")
        else:
            typer.echo(f"A: (回答できません) {desk_line}")
    if not serve:
        return
    import secrets

    from breachdesk.auth import service as auth

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    site = f"http://{shown}:{port}"
    typer.echo("")
    if not run(lambda: auth.list_users(d.db)):
        password = secrets.token_urlsafe(12)
        run(lambda: auth.create_user(d.db, "demo", password, "admin", display_name="デモ"))
        typer.echo(f"console:    {site}/console  user: demo  password: {password}")
    else:
        typer.echo(f"console:    {site}/console  (the password was printed when it was made)")
    typer.echo(f"help page:  {site}/i/{DEMO_SLUG}")
    typer.echo(f"demo guide: {site}/demo  (fictional people to try the self-check as)")
    typer.echo(f"demo inbox: {site}/demo/outbox  (the register's mail and SMS land here)")
    # The server process reads its settings from the environment, as `serve` does.
    os.environ.pop("BREACHDESK_MASTER_KEY", None)
    os.environ["BREACHDESK_MASTER_KEY_FILE"] = str(key.resolve())
    os.environ["BREACHDESK_PUBLIC_BASE_URL"] = site
    run_server(host=host, port=port, workers=1, factory="breachdesk.demo.web:create_demo_app")


def _port_free(host: str, port: int) -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError:
        return False
    return True


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
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the calibration JSON here (and the one for an engine without e5 beside "
            "it, as calibration-lexical.json)."
        ),
    ] = None,
    max_wrong: Annotated[
        float, typer.Option(help="Highest wrong-answer share the answer threshold allows.")
    ] = 0.03,
    min_silent: Annotated[
        float, typer.Option(help="Lowest share of off-topic questions left with no suggestion.")
    ] = 0.3,
    l2: Annotated[float, typer.Option(help="L2 regularisation of the logistic model.")] = 1.0,
) -> None:
    """Fit the answer models on training incidents; print leave-one-incident-out figures."""
    from breachdesk.answer.decide import SHIPPED_LEXICAL
    from breachdesk.answer.evaluation import format_figures

    d = desk()
    calibration, lite, cv, learnt = run(
        lambda: d.calibrate(folders, max_wrong=max_wrong, min_silent=min_silent, l2=l2)
    )
    typer.echo(format_figures(cv, "leave-one-incident-out, at the chosen thresholds"))
    typer.echo(
        format_figures(
            learnt, "the same, each question asked with the other half of its incident attached"
        )
    )
    typer.echo(
        f"threshold {calibration.threshold}, suggestions from {calibration.suggest_threshold}"
    )
    if out is not None:
        out.write_text(calibration.to_json() + "\n", encoding="utf-8")
        beside = out.with_name(SHIPPED_LEXICAL)
        beside.write_text(lite.to_json() + "\n", encoding="utf-8")
        typer.echo(f"wrote {out} and, for an engine without e5, {beside}")
