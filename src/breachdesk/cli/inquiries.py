"""`breachdesk inquiry|campaign|categories`: the inquiry desk.

Every change is written to the audit log as `cli:` and the operating-system user, in the
change's own transaction (the core writes it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from breachdesk.cli.common import Incident, app, cli_actor, day_option, desk, dump, run

inquiry_app = typer.Typer(help="Log, import and list inquiries.", no_args_is_help=True)
app.add_typer(inquiry_app, name="inquiry")
campaign_app = typer.Typer(
    help="Notification campaigns and delivery results.", no_args_is_help=True
)
app.add_typer(campaign_app, name="campaign")


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
        return log_inquiry(desk().db, incident, data, by=cli_actor())

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

    r = run(lambda: import_call_log(desk().db, incident, file, by=cli_actor()))
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
        lambda: list_inquiries(
            desk().db, incident, day=day_option(day) if day else None, limit=limit
        )
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
    from breachdesk.inquiries.service import category_names, new_category

    def action() -> list[str]:
        d = desk()
        if add:
            return new_category(d.db, incident, add, by=cli_actor())
        return category_names(d.db, incident)

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
            sent_on=day_option(sent_on),
            audience=audience,
            note=note,
            follows=follows,
            by=cli_actor(),
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
    """Import the mail/SMS vendor's delivery results (a planned campaign's bounces move people
    down the chain)."""
    result = run(lambda: desk().notify.import_results(campaign, file, by=cli_actor()))
    typer.echo(f"{result.delivered} delivered, {result.bounced} bounced")
    if result.moved:
        typer.echo(f"{result.moved} 人を次の連絡手段に回しました")


@campaign_app.command("export-bounced")
def campaign_export_bounced(
    campaign: Annotated[int, typer.Argument(help="Campaign id.")],
    out: Annotated[Path | None, typer.Option(help="Write the CSV here (else stdout).")] = None,
) -> None:
    """Export bounced recipients as the next campaign's audience (CSV)."""
    from breachdesk.inquiries.campaigns import export_bounced

    text = run(lambda: export_bounced(desk().db, campaign, by=cli_actor()))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@campaign_app.command("purge")
def campaign_purge(campaign: Annotated[int, typer.Argument(help="Campaign id.")]) -> None:
    """Forget a campaign's recipients once the follow-up went out (the counts stay)."""
    from breachdesk.inquiries.campaigns import purge_deliveries

    removed = run(lambda: purge_deliveries(desk().db, campaign, by=cli_actor()))
    typer.echo(f"{removed} recipients forgotten")
