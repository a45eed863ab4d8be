"""`breachdesk scope`: whether a purchase is inside an incident's published scope."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from breachdesk.cli.common import Incident, app, day_option, desk, dump, run


class ChannelChoice(StrEnum):
    web = "web"
    phone = "phone"
    marketplace = "marketplace"
    store = "store"


class PaymentChoice(StrEnum):
    card = "card"
    other = "other"


_VERDICTS = {
    "inside": "公表されている対象範囲に含まれます。",
    "outside": "公表されている対象範囲には含まれません。",
    "unknown": "公表されている内容からは判断できません。お問い合わせ窓口へご確認ください。",
}


@app.command()
def scope(
    incident: Incident,
    day: Annotated[
        str, typer.Option("--day", help="Purchase day: 2026-09-10, 2026/9/10 or 2026年9月10日.")
    ],
    channel: Annotated[
        ChannelChoice,
        typer.Option(
            "--channel",
            help="Where it was bought: own web shop, phone/FAX/mail order, marketplace, store.",
        ),
    ],
    payment: Annotated[PaymentChoice, typer.Option("--payment", help="How it was paid.")],
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"verdict", "because"} as JSON.')
    ] = False,
) -> None:
    """Say whether a purchase is inside the published scope, citing the published sentences."""
    from breachdesk.kb.scope import japanese_date

    on = run(lambda: day_option(day))
    answer = run(
        lambda: desk().scope(incident, day=on, channel=channel.value, payment=payment.value)
    )
    if as_json:
        typer.echo(dump(answer.to_dict()))
        return
    typer.echo(f"{japanese_date(on)}のご購入: {_VERDICTS[answer.verdict]}")
    for c in answer.because:
        typer.echo(f"  「{' '.join(c.text.split())}」 [{c.entry}]")
