"""`breachdesk user|token`: console users and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from breachdesk.cli.common import app, desk, run

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
