"""`breachdesk campaign plan|approve|send|status|unreachable|template …`: campaigns planned from
the register (the `campaign` group itself lives in `cli.inquiries`, with the recorded ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from breachdesk.cli.common import Incident, cli_actor, day_option, desk, dump, run
from breachdesk.cli.inquiries import campaign_app

template_app = typer.Typer(help="Campaign message templates.", no_args_is_help=True)
campaign_app.add_typer(template_app, name="template")

CampaignId = Annotated[int, typer.Argument(help="Campaign id.", min=1)]


@campaign_app.command("plan")
def campaign_plan(
    incident: Incident,
    chain: Annotated[str, typer.Option(help="Channels in order, e.g. mail,sms,letter.")],
    start: Annotated[str, typer.Option(help="First send day, YYYY-MM-DD.")],
    templates: Annotated[
        Path | None,
        typer.Option(
            help="Folder with mail.txt, sms.txt, letter.txt (else the approved templates).",
            file_okay=False,
            exists=True,
        ),
    ] = None,
    audience: Annotated[str, typer.Option(help="all, unreached or unredeemed.")] = "all",
    max_calls_per_day: Annotated[
        int | None, typer.Option("--max-calls-per-day", help="Forecast calls a day at most.", min=1)
    ] = None,
    agents: Annotated[
        int | None,
        typer.Option(
            help="Cap the calls at what this many agents answer a day (staffing model).",
            min=1,
            max=500,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan a campaign from the register, paced to the desk."""
    notify, first = desk().notify, day_option(start)
    common = {
        "chain": chain.split(","),
        "start": first,
        "audience": audience,
        "max_calls_per_day": max_calls_per_day,
        "agents": agents,
        "by": cli_actor(),
    }
    view = run(
        lambda: (
            notify.plan(incident, folder=templates, **common)
            if templates is not None
            else notify.plan_approved(incident, **common)
        )
    )
    data = view.as_json()
    if as_json:
        typer.echo(dump({k: data[k] for k in ("campaign", "people", "days")}))
        return
    typer.echo(
        f"キャンペーン {view.campaign} を計画しました：対象 {view.people:,} 人"
        f"（連絡手段なし {view.unreachable:,} 人）。承認されるまで送信されません"
    )
    for d in data["days"]:
        typer.echo(
            f"{d['date']}\tメール {d['mail']:,}\tSMS {d['sms']:,}\t郵送 {d['letter']:,}"
            f"\t予測入電 {d['forecast_calls']:g}"
        )


@campaign_app.command("approve")
def campaign_approve(campaign: CampaignId) -> None:
    """Approve a planned campaign and its templates."""
    view = run(lambda: desk().notify.approve(campaign, by=cli_actor()))
    typer.echo(f"キャンペーン {view.campaign} を承認しました（対象 {view.people:,} 人）")


CHANNEL_NAMES = {"mail": "メール", "sms": "SMS", "letter": "郵送"}


@campaign_app.command("send")
def campaign_send(
    campaign: CampaignId,
    through: Annotated[
        str | None, typer.Option(help="Send the days up to this one (default today, JST).")
    ] = None,
    letters_out: Annotated[
        Path | None,
        typer.Option("--letters-out", help="Append letters to this CSV.", dir_okay=False),
    ] = None,
    letters_encoding: Annotated[
        str, typer.Option("--letters-encoding", help="utf-8 (with BOM) or cp932.")
    ] = "utf-8",
    pace: Annotated[
        int | None,
        typer.Option(help="Messages per minute (0: unpaced; default the setting).", min=0),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Send an approved campaign's due messages (resumable)."""
    result = run(
        lambda: desk().notify.send(
            campaign,
            through=day_option(through) if through else None,
            letters_out=letters_out,
            letters_encoding=letters_encoding,
            pace=pace,
            by=cli_actor(),
        )
    )
    if as_json:
        typer.echo(dump(result.as_json()))
        return
    sent, refused = result.sent, result.refused
    typer.echo(
        f"送信：メール {sent['mail']:,}、SMS {sent['sms']:,}、郵送 {sent['letter']:,}"
        f"　拒否：メール {refused['mail']:,}、SMS {refused['sms']:,}"
        f"　連絡手段なし：{result.unreachable:,}　未送信：{result.pending:,}"
    )
    why = {
        "mail": "メールの送信サーバー（BREACHDESK_SMTP_HOST）が設定されていない",
        "sms": "SMS の送信サービス（BREACHDESK_SMS_URL）が設定されていない",
        "letter": "郵送の出力先（--letters-out）が指定されていない",
    }
    for channel, n in result.unsent.items():
        typer.echo(
            f"{CHANNEL_NAMES.get(channel, channel)} {n:,} 件は、{why.get(channel, '送れない')}"
            "ため送っていません（設定してからもう一度送信すると続きから送ります）",
            err=True,
        )
    if result.resent:
        typer.echo(
            f"中断された送信の途中だった {result.resent:,} 件を送り直しました"
            "（この分は二重に届いた可能性があります）"
        )


@campaign_app.command("status")
def campaign_status(
    campaign: CampaignId,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Counts of a planned campaign: sent, bounced, pending, unreachable."""
    view = run(lambda: desk().notify.status(campaign))
    if as_json:
        data = view.as_json()
        typer.echo(
            dump({k: data[k] for k in ("people", "sent", "bounced", "pending", "unreachable")})
        )
        return
    typer.echo(
        f"対象 {view.people:,} 人（{view.state}）　送信 メール {view.sent['mail']:,}・SMS "
        f"{view.sent['sms']:,}・郵送 {view.sent['letter']:,}　不達 メール {view.bounced['mail']:,}"
        f"・SMS {view.bounced['sms']:,}　未送信 {view.pending:,}　連絡手段なし {view.unreachable:,}"
    )


@campaign_app.command("unreachable")
def campaign_unreachable(
    campaign: CampaignId,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per person.")] = False,
) -> None:
    """The people no channel reached, masked, for the desk."""
    for p in run(lambda: desk().notify.unreachable(campaign, by=cli_actor())):
        if as_json:
            typer.echo(dump({"person": p.person, **p.masked, "outcome": p.outcome}))
        else:
            typer.echo(f"{p.person}\t" + "\t".join(p.masked.values()))


@template_app.command("draft")
def template_draft(
    incident: Incident,
    channel: Annotated[str, typer.Option(help="mail, sms or letter.")],
    file: Annotated[Path, typer.Argument(help="The template text.", exists=True, dir_okay=False)],
) -> None:
    """Draft a template version from a file (an unchanged text keeps its version)."""

    def action() -> Any:
        text = file.read_text(encoding="utf-8-sig")
        return desk().notify.draft_template(
            incident, channel, text, by=cli_actor(), where=file.name
        )

    view = run(action)
    typer.echo(f"文面 {view.id}：{view.channel} 第{view.version}版（{view.status}）")


@template_app.command("approve")
def template_approve(template: Annotated[int, typer.Argument(help="Template id.", min=1)]) -> None:
    """Approve a template version."""
    view = run(lambda: desk().notify.approve_template(template, by=cli_actor()))
    typer.echo(f"文面 {view.id}：{view.channel} 第{view.version}版を承認しました")


@template_app.command("list")
def template_list(
    incident: Incident,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per version.")] = False,
) -> None:
    """List an incident's template versions."""
    for v in run(lambda: desk().notify.list_templates(incident)):
        if as_json:
            typer.echo(dump(v.as_json()))
        else:
            typer.echo(f"{v.id}\t{v.channel}\t第{v.version}版\t{v.status}\t{v.subject}")


@template_app.command("preview")
def template_preview(
    template: Annotated[int, typer.Argument(help="Template id.", min=1)],
    person: Annotated[
        int | None, typer.Option(help="Register person id (default the first).")
    ] = None,
) -> None:
    """Render a template for a real person, their values masked."""
    view = run(lambda: desk().notify.preview(template, person=person, by=cli_actor()))
    if view.subject:
        typer.echo(f"件名：{view.subject}")
    typer.echo(view.text.rstrip("\n"))
    typer.echo(f"（{view.chars} 文字、対象者 {view.person}）")
