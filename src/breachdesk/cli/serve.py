"""Serving the web app, the schema it needs and the settings it reads."""

from __future__ import annotations

from typing import Annotated

import typer

from breachdesk.cli.common import app, settings, state
from breachdesk.config import describe_settings


@app.command("serve")
def serve_(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the help pages, the console and the API (uvicorn)."""
    run_server(host=host, port=port, workers=workers)


def run_server(
    *, host: str, port: int, workers: int, factory: str = "breachdesk.web.app:create_app"
) -> None:
    """Run uvicorn over the app `factory` builds (the demo serves its own, `demo.web`)."""
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
        factory,
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


@app.command("migrate")
def migrate_() -> None:
    """Bring the database's schema up to this version (once, before starting the servers)."""
    from breachdesk.db.engine import head_revisions, known_revisions, open_database

    database = open_database(settings().db, migrate=False)
    try:
        before = database.revision()
        if before is not None and before not in known_revisions():
            typer.echo(
                f"error: the schema is at {before}, newer than this version of breachdesk "
                "knows (a newer version migrated it): install that version here",
                err=True,
            )
            raise typer.Exit(2)
        database.migrate()
        after = database.revision()
    finally:
        database.dispose()
    if after not in head_revisions():
        typer.echo(f"error: the schema is at {after}, not at this version's newest", err=True)
        raise typer.Exit(2)
    if before == after:
        typer.echo(f"schema at {after}: up to date")
    else:
        typer.echo(f"schema at {after}: was {before or 'empty'}")


@app.command("settings")
def settings_() -> None:
    """List the settings, their environment variables and defaults."""
    for env, default, description in describe_settings():
        typer.echo(f"{env}\t{default}\t{description}")
