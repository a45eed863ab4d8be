"""Who is asking, and may they: sessions and API tokens, role checks, CSRF.

Every console and automation route declares its permission with `requires(permission)`;
`route_permissions(app)` lists them so that a test fails for a route that has none.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute

from breachdesk.auth import service as auth
from breachdesk.auth.roles import READ_INQUIRIES, Permission, check
from breachdesk.auth.service import Principal
from breachdesk.errors import AuthenticationError, CsrfError

SESSION_COOKIE = "bd_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def current_principal(request: Request) -> Principal | None:
    """The bearer token's principal, else the session cookie's, else None (cached per request)."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    desk = request.app.state.desk
    principal = None
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        principal = auth.resolve_token(desk.db, header[7:].strip())
        if principal is None:
            raise AuthenticationError("the API token is unknown or revoked")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = auth.resolve_session(desk.db, cookie, hours=desk.settings.session_hours)
    request.state.principal = principal
    return principal


async def check_csrf(request: Request, principal: Principal) -> None:
    """A session's unsafe request must carry its CSRF token (form field or X-CSRF-Token)."""
    if principal.kind != "session" or request.method not in UNSAFE:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    expected = principal.csrf_token or ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfError()


def requires(permission: Permission) -> Any:
    """A dependency: the signed-in principal, if their role allows `permission` (and CSRF holds)."""

    async def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise AuthenticationError()
        check(principal.role, permission)
        await check_csrf(request, principal)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)


InquiryReader = Annotated[Principal, requires(READ_INQUIRIES)]
"""A route that shows what people asked or told the desk (one rule for every face)."""


def _permission_of(call: Callable[..., Awaitable[Any]] | Any) -> Permission | None:
    found: Permission | None = getattr(call, "permission", None)
    return found


def _api_routes(routes: Sequence[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, through included routers (lazy in newer FastAPI)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI ≥ 0.16x: an included router
            inner = prefix + str(getattr(route.include_context, "prefix", "") or "")
            yield from _api_routes(route.original_router.routes, inner)


def route_permissions(app: FastAPI) -> dict[tuple[str, str], Permission | None]:
    """Every (method, path) of the app with the permission its dependencies require, if any."""
    out: dict[tuple[str, str], Permission | None] = {}
    for path, route in _api_routes(app.routes):
        found = None
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            permission = _permission_of(dependant.call)
            if permission is not None:
                found = permission
            stack.extend(dependant.dependencies)
        for method in route.methods or ():
            out[(method, path)] = found
    return out


def query_parameter_names(app: FastAPI) -> frozenset[str]:
    """Every query parameter name the app's routes declare (the access log writes only these)."""
    names: set[str] = set()
    for _, route in _api_routes(app.routes):
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            names.update(param.alias for param in dependant.query_params)
            stack.extend(dependant.dependencies)
    return frozenset(names)


def upload_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """Every (method, path, form field) whose body takes a file, so a test can walk them all."""
    from fastapi.params import File

    out: list[tuple[str, str, str]] = []
    for path, route in _api_routes(app.routes):
        stack = [route.dependant]
        while stack:
            dependant = stack.pop()
            for param in dependant.body_params:
                if isinstance(param.field_info, File):
                    out.extend((method, path, param.alias) for method in route.methods or ())
            stack.extend(dependant.dependencies)
    return sorted(out)
