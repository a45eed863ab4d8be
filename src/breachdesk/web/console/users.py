"""Console (admin): users — create, change role, deactivate; API tokens — create, list, revoke."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from breachdesk.auth import service as auth
from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import ConflictError, InvalidInputError
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import Admin, redirect, render
from breachdesk.web.deps import DeskDep

router = APIRouter()

RoleName = Literal["admin", "editor", "operator", "viewer"]
ROLES: tuple[RoleName, ...] = ("viewer", "operator", "editor", "admin")
ItemId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
MIN_PASSWORD = 12


def _users_page(
    request: Request,
    desk: Desk,
    me: Principal,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "area": "users",
        "users": auth.list_users(desk.db),
        "roles": ROLES,
        "form": form or {"username": "", "display_name": "", "role": "operator"},
        "error": error,
        "min_password": MIN_PASSWORD,
    }
    return render(request, me, "console/users.html", context, status=422 if error else 200)


@router.get("/users")
def users(request: Request, desk: DeskDep, me: Admin) -> Response:
    """Console users, with forms to add one and change roles."""
    return _users_page(request, desk, me)


@router.post("/users")
def create_user(
    request: Request,
    desk: DeskDep,
    me: Admin,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[RoleName, Form()],
    display_name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add a user with an initial password."""
    name = username.strip()
    try:
        auth.create_user(
            desk.db,
            name,
            password,
            role,
            display_name=display_name.strip(),
            by=actor_of(request, me),
        )
    except (InvalidInputError, ConflictError) as exc:
        message = (
            f"ユーザー名「{name}」はすでに使われています。"
            if isinstance(exc, ConflictError)
            else f"入力内容を確認してください（{exc.reason}）。"
        )
        form = {"username": name, "display_name": display_name, "role": role}
        return _users_page(request, desk, me, form=form, error=message)
    return redirect(request, "/console/users", f"ユーザー「{name}」を追加しました。")


@router.post("/users/{user_id}/role")
def change_role(
    request: Request,
    user_id: ItemId,
    desk: DeskDep,
    me: Admin,
    role: Annotated[RoleName, Form()],
) -> Response:
    """Change a user's role (not one's own)."""
    if user_id == me.user_id:
        return redirect(request, "/console/users", "自分の権限は変更できません。", kind="error")
    auth.set_role(desk.db, user_id, role, by=actor_of(request, me))
    return redirect(request, "/console/users", "権限を変更しました。")


@router.post("/users/{user_id}/active")
def set_active(
    request: Request,
    user_id: ItemId,
    desk: DeskDep,
    me: Admin,
    active: Annotated[Literal["true", "false"], Form()],
) -> Response:
    """Deactivate a user (their sessions end) or reactivate them; not oneself."""
    if user_id == me.user_id:
        return redirect(request, "/console/users", "自分を無効にはできません。", kind="error")
    on = active == "true"
    auth.set_active(desk.db, user_id, on, by=actor_of(request, me))
    message = "ユーザーを有効にしました。" if on else "ユーザーを無効にしました。"
    return redirect(request, "/console/users", message)


def _tokens_page(
    request: Request,
    desk: Desk,
    me: Principal,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    context: dict[str, Any] = {
        "area": "tokens",
        "tokens": auth.list_tokens(desk.db),
        "roles": ROLES,
        "form": form or {"name": "", "role": "viewer"},
        "error": error,
    }
    return render(request, me, "console/tokens.html", context, status=422 if error else 200)


@router.get("/tokens")
def tokens(request: Request, desk: DeskDep, me: Admin) -> Response:
    """API tokens for automation."""
    return _tokens_page(request, desk, me)


@router.post("/tokens")
def create_token(
    request: Request,
    desk: DeskDep,
    me: Admin,
    name: Annotated[str, Form(max_length=100)],
    role: Annotated[RoleName, Form()],
) -> Response:
    """Create an API token; its value is shown once, on the next page only."""
    label = name.strip()
    try:
        secret = auth.create_token(
            desk.db, label, role, created_by=me.user_id, by=actor_of(request, me)
        )
    except InvalidInputError as exc:
        form = {"name": label, "role": role}
        return _tokens_page(
            request, desk, me, form=form, error=f"入力内容を確認してください（{exc.reason}）。"
        )
    return redirect(
        request,
        "/console/tokens",
        f"トークン「{label}」を作成しました。この値は二度と表示されません。今すぐ控えてください。",
        kind="secret",
        lines=[secret],
    )


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: ItemId, desk: DeskDep, me: Admin) -> Response:
    """Revoke an API token; it stops working at once."""
    auth.revoke_token(desk.db, token_id, by=actor_of(request, me))
    return redirect(request, "/console/tokens", "トークンを取り消しました。")
