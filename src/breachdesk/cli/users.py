"""`breachdesk user|token`: console users and API tokens.

What these commands print is for the people who run the desk, so it is Japanese (role names
too); a token's value stays the last word of `token add`'s output for scripts. Every change is
written to the audit log as `cli:` and the operating-system user, in the change's own
transaction.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from breachdesk.cli.common import app, cli_actor, desk, run
from breachdesk.errors import ConflictError, InvalidInputError, NotFoundError
from breachdesk.labels import ROLES

user_app = typer.Typer(help="Console users.", no_args_is_help=True)
app.add_typer(user_app, name="user")
token_app = typer.Typer(help="API tokens for automation.", no_args_is_help=True)
app.add_typer(token_app, name="token")
Role = Annotated[str, typer.Option("--role", help="admin, editor, operator or viewer.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
PROMPT_TRIES = 3
T = TypeVar("T")


def _problem(exc: InvalidInputError) -> str:
    """What to fix, in Japanese, for the field the core refused."""
    if exc.where == "username":
        return "ユーザー名は半角の英小文字・数字と . _ - で2〜64文字にしてください。"
    if exc.where == "role":
        return f"権限は {'・'.join(ROLES)} のいずれかです。"
    if exc.where == "name":
        return "トークンの名前は1〜100文字にしてください。"
    return exc.reason if exc.reason.endswith("。") else exc.reason + "。"


def _run_for(name: str, action: Callable[[], T], *, what: str = "ユーザー") -> T:
    """`run` with the errors of the user and token commands said in Japanese (`what` names
    the kind of thing `name` is)."""
    try:
        return action()
    except ConflictError as exc:
        typer.echo(f"エラー：{what}「{name}」はすでにあります。", err=True)
        raise typer.Exit(2) from exc
    except NotFoundError as exc:
        typer.echo(f"エラー：{what}「{name}」は見つかりません。", err=True)
        raise typer.Exit(3) from exc
    except InvalidInputError as exc:
        typer.echo(f"エラー：{_problem(exc)}", err=True)
        raise typer.Exit(2) from exc


def _read_password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice (hidden) at the prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    for _ in range(PROMPT_TRIES):
        first = typer.prompt("パスワード（12文字以上）", hide_input=True)
        again = typer.prompt("確認のため、もう一度入力してください", hide_input=True)
        if first == again:
            return str(first)
        typer.echo("2回の入力が一致しません。もう一度入力してください。", err=True)
    typer.echo("エラー：パスワードが一致しなかったため、中止しました。", err=True)
    raise typer.Exit(2)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="User name (a-z 0-9 . _ -).")],
    role: Role,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a console user (the first admin, for instance)."""
    from breachdesk.auth import service as auth

    password = _read_password(password_stdin)
    d = desk()
    user = _run_for(
        username,
        lambda: auth.create_user(d.db, username, password, role, display_name=name, by=cli_actor()),
    )
    typer.echo(f"ユーザー「{user.username}」（{ROLES.get(user.role, user.role)}）を作成しました。")


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password (every session of theirs ends)."""
    from breachdesk.auth import service as auth

    d = desk()
    user = _run_for(username, lambda: auth.user_by_name(d.db, username))
    password = _read_password(password_stdin)
    _run_for(username, lambda: auth.change_password(d.db, user.id, password, by=cli_actor()))
    typer.echo(
        f"ユーザー「{user.username}」のパスワードを変更しました。ログイン中の画面はすべて"
        "ログアウトされます。"
    )


@user_app.command("list")
def user_list() -> None:
    """List console users."""
    from breachdesk.auth import service as auth

    for u in run(lambda: auth.list_users(desk().db)):
        state = "有効" if u.active else "無効"
        typer.echo(f"{u.id}\t{u.username}\t{ROLES.get(u.role, u.role)}\t{state}\t{u.display_name}")


@token_app.command("add")
def token_add(
    name: Annotated[str, typer.Argument(help="What the token is for.")], role: Role
) -> None:
    """Create an API token; it is printed once, as the last word of the output."""
    from breachdesk.auth import service as auth

    d = desk()
    value = _run_for(
        name, lambda: auth.create_token(d.db, name, role, by=cli_actor()), what="APIトークン"
    )
    typer.echo(
        f"APIトークン「{name}」（{ROLES.get(role, role)}）を作成しました。"
        f"この値は今だけ表示されます： {value}"
    )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id (see token list).")],
) -> None:
    """Revoke an API token."""
    from breachdesk.auth import service as auth

    d = desk()
    _run_for(
        str(token_id), lambda: auth.revoke_token(d.db, token_id, by=cli_actor()), what="APIトークン"
    )
    typer.echo(f"APIトークン {token_id} を取り消しました。")


@token_app.command("list")
def token_list() -> None:
    """List API tokens (never their values)."""
    from breachdesk.auth import service as auth

    for t in run(lambda: auth.list_tokens(desk().db)):
        state = "取り消し済み" if t.revoked else "有効"
        typer.echo(f"{t.id}\t{t.name}\t{ROLES.get(t.role, t.role)}\t{state}")
