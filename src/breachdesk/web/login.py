"""Console login and logout.

Login CSRF is covered by a double-submit token (a cookie and a form field that must match);
a successful login always starts a new session (an old cookie is never promoted: no fixation).
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from breachdesk.auth import service as auth
from breachdesk.errors import AuthenticationError, CsrfError, ThrottledError
from breachdesk.web.middleware import client_address
from breachdesk.web.public import secured
from breachdesk.web.security import SESSION_COOKIE, check_csrf, current_principal

router = APIRouter(include_in_schema=False, tags=["console"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
LOGIN_CSRF = "bd_login_csrf"


def safe_next(target: str | None) -> str:
    """Only a local console path: never another site (`//host`, `https://…`, `/\\host`)."""
    if (
        target
        and target.startswith("/console")
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and "\r" not in target
        and "\n" not in target
    ):
        return target
    return "/console"


def _form(
    request: Request,
    *,
    next_url: str,
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request,
        "console/login.html",
        {"next": next_url, "username": username, "error": error, "csrf": token},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF,
        token,
        max_age=3600,
        path="/console/login",
        httponly=True,
        samesite="strict",
        secure=request.app.state.desk.settings.cookie_secure,
    )
    return secured(response, private=True)


@router.get("/console/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return _form(request, next_url=safe_next(next))


@router.post("/console/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/console",
) -> Response:
    """Sign in: a new session on success; the same message for any wrong user or password."""
    desk = request.app.state.desk
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not csrf_token or not expected or not hmac.compare_digest(csrf_token, expected):
        raise CsrfError()
    address = client_address(request.scope)
    try:
        # The attempt, the new session (ending the old cookie's) and the audit row: one
        # transaction in the core.
        value, _csrf = auth.sign_in(
            desk.db,
            username,
            password,
            address,
            hours=desk.settings.session_hours,
            max_failures=desk.settings.login_max_failures,
            ending=request.cookies.get(SESSION_COOKIE),
        )
    except ThrottledError as exc:
        response = _form(
            request,
            next_url=target,
            username=username,
            error=f"ログインの失敗が続いたため、{exc.retry_after}秒後まで受け付けません。",
            status=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AuthenticationError:
        return _form(
            request,
            next_url=target,
            username=username,
            error="ユーザー名またはパスワードが違います。",
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(desk.settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=desk.settings.cookie_secure,
    )
    response.delete_cookie(LOGIN_CSRF, path="/console/login")
    return secured(response, private=True)


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    """Sign out: the session ends on the server, the cookie is cleared."""
    desk = request.app.state.desk
    principal = current_principal(request)
    response = RedirectResponse("/console/login", status_code=303)
    if principal is not None and principal.kind == "session":
        await check_csrf(request, principal)
        by = auth.Actor(principal.name, client_address(request.scope))
        auth.end_session(desk.db, request.cookies.get(SESSION_COOKIE, ""), by=by)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return secured(response, private=True)
