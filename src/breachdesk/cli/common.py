"""What every command shares: the Typer app, the --db option, the Desk, error mapping."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from breachdesk.config import Settings
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


def cli_actor() -> Any:
    """Who runs a command, as the audit log names them: `cli:` and the operating-system user
    (an `auth.Actor`; the core writes each change's audit row in the change's transaction)."""
    import getpass

    from breachdesk.auth.service import Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(f"cli:{user}")


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


Incident = Annotated[str, typer.Option("--incident", help="Incident slug.")]


def day_option(text: str) -> Any:
    """Every date option goes through the one parser (2026-09-03, 2026/9/3, 2026年9月3日)."""
    from breachdesk.inquiries.day_input import parse_day

    return parse_day(text)
