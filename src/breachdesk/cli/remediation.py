"""`breachdesk remediation`: compensation codes, their redemption, card reissue reports.

Messages for the operator are Japanese; `--json` keeps English keys for other tools. No code is
ever printed: only counts and line numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from breachdesk.cli.common import Incident, app, cli_actor, day_option, desk, dump, run
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.labels import not_found

remediation_app = typer.Typer(
    help="Compensation codes, their redemption and card reissue reports.", no_args_is_help=True
)
app.add_typer(remediation_app, name="remediation")
T = TypeVar("T")
CodeFile = Annotated[
    Path,
    typer.Argument(help="One code a line, or a CSV with a 'code' column.", dir_okay=False),
]


def _run(action: Callable[[], T]) -> T:
    """`run`, with what was not found named in Japanese and a bad value's reason said plainly."""

    def said() -> T:
        try:
            return action()
        except NotFoundError as exc:
            typer.echo(f"error: {not_found(exc.kind, exc.key)}", err=True)
            raise typer.Exit(3) from exc
        except InvalidInputError as exc:
            where = f"{exc.where}: " if exc.where else ""
            typer.echo(f"error: {where}{exc.reason}", err=True)
            raise typer.Exit(2) from exc

    return run(said)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


@remediation_app.command("codes")
def codes(file: CodeFile, incident: Incident) -> None:
    """Load a vendor's compensation codes (all or nothing)."""
    from breachdesk.notify.remediation import load_codes

    d = desk()
    done = _run(lambda: load_codes(d.db, d.register.keyring, incident, file, by=cli_actor()))
    typer.echo(
        f"補償コードを {done.loaded:,} 件読み込みました（この事故のコードは計 {done.total:,} 件）"
    )


@remediation_app.command("redeemed")
def redeemed(file: CodeFile, incident: Incident) -> None:
    """Import a vendor's report of redeemed codes (re-importing counts nothing twice)."""
    from breachdesk.notify.remediation import import_redeemed

    d = desk()
    done = _run(lambda: import_redeemed(d.db, d.register.keyring, incident, file, by=cli_actor()))
    typer.echo(
        f"利用済み {done.redeemed:,} 件を記録しました（記録済み {done.already:,} 件、"
        f"未利用の行 {done.not_redeemed:,} 件）"
    )
    if done.unknown:
        lines = "、".join(str(n) for n in done.unknown_lines[:10])
        typer.echo(
            f"注意: この事故に読み込まれていないコードが {done.unknown} 件ありました（{lines} 行目）",
            err=True,
        )


@remediation_app.command("reissue")
def reissue(
    incident: Incident,
    company: Annotated[str, typer.Option(help="Card company.")],
    as_of: Annotated[str, typer.Option("--as-of", help="Day the figures are as of.")],
    cards: Annotated[int, typer.Option(help="Affected cards the company counts.")],
    reissued: Annotated[int, typer.Option(help="Of them, cards reissued.")],
) -> None:
    """Record a card company's reissue report (the same company and day replaces it)."""
    from breachdesk.notify.remediation import record_reissue

    d = desk()
    done = _run(
        lambda: record_reissue(
            d.db,
            incident,
            company=company,
            as_of=day_option(as_of),
            cards=cards,
            reissued=reissued,
            by=cli_actor(),
        )
    )
    typer.echo(
        f"{done.company}（{done.as_of:%Y-%m-%d} 時点）: 対象 {done.cards:,} 枚、"
        f"再発行 {done.reissued:,} 枚（{_percent(done.rate)}）"
    )


@remediation_app.command("stats")
def stats(
    incident: Incident,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Codes loaded, assigned and redeemed; the card reissue rate."""
    from breachdesk.notify.remediation import stats as remediation_stats
    from breachdesk.reports.remediation import summary_lines

    figures = _run(lambda: remediation_stats(desk().db, incident))
    if as_json:
        typer.echo(dump(figures.as_json()))
        return
    for line in summary_lines(figures):
        typer.echo(line)
