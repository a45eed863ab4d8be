"""`breachdesk callback list|complete`: the 折返し worklist on the command line.

The list shows no contact (the console and the API show one request's, audited); completing
one logs its inquiry exactly as the console does. Messages for the operator are Japanese;
`--json` keeps English keys for other tools.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from breachdesk.cli.common import Incident, app, cli_actor, desk, dump, run
from breachdesk.kb.contacts import JST

callback_app = typer.Typer(help="Callback requests from the public page.", no_args_is_help=True)
app.add_typer(callback_app, name="callback")


def _callbacks() -> Any:
    from breachdesk.inquiries.callbacks import CallbackDesk

    return CallbackDesk.over(desk().register)


@callback_app.command("list")
def callback_list(
    incident: Incident,
    done: Annotated[bool, typer.Option("--done", help="Closed requests, latest first.")] = False,
    purge: Annotated[
        bool, typer.Option("--purge", help="Delete requests done more than 30 days ago first.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per request.")] = False,
) -> None:
    """Open callback requests by due time (the overdue marked), or the closed ones."""
    from breachdesk.inquiries.callbacks import CHANNELS

    callbacks = _callbacks()
    if purge:
        removed = run(lambda: callbacks.purge(incident, by=cli_actor()))
        typer.echo(f"保存期間（完了から30日）を過ぎた依頼を {removed} 件削除しました。", err=True)
    views = run(lambda: callbacks.worklist(incident, done=done))
    for v in views:
        if as_json:
            typer.echo(dump(v.as_json()))
            continue
        due = v.due_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
        flags = []
        if v.overdue:
            flags.append("期限超過")
        if v.attempts:
            flags.append(f"不在{v.attempts}回")
        if v.state != "open":
            flags.append(f"完了（受付記録 #{v.inquiry_id}）" if v.inquiry_id else "完了")
        typer.echo(f"#{v.id}\t{due}\t{CHANNELS.get(v.channel, v.channel)}\t{'・'.join(flags)}")
    if not views and not as_json:
        typer.echo("該当する折返し依頼はありません。", err=True)


@callback_app.command("complete")
def callback_complete(
    callback_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The request's number.")],
    incident: Incident,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="answered | escalated | no_answer (counts an attempt) | unreachable.",
        ),
    ] = "answered",
    category: Annotated[str | None, typer.Option("--category", help="Inquiry category.")] = None,
    note: Annotated[str, typer.Option("--note", help="A note (redacted when stored).")] = "",
) -> None:
    """Record what came of a callback request; a closed one logs its inquiry."""
    callbacks = _callbacks()
    done = run(
        lambda: callbacks.complete(
            incident, callback_id, outcome=outcome, category=category, note=note, by=cli_actor()
        )
    )
    if done.state == "open":
        typer.echo(f"折返し #{callback_id}：不在として記録しました（{done.attempts}回目）。")
    else:
        typer.echo(f"折返し #{callback_id} を完了し、受付記録 #{done.inquiry_id} に記録しました。")
