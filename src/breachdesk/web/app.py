"""`create_app()`: the FastAPI application over one `Desk`."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from threadpoolctl import threadpool_limits
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from breachdesk import labels, pacing
from breachdesk.config import Settings, proxy_networks
from breachdesk.desk import Desk
from breachdesk.errors import (
    AuthenticationError,
    BreachdeskError,
    ConflictError,
    CsrfError,
    DocumentFormatError,
    InvalidInputError,
    KeyUnavailableError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from breachdesk.limits import public_rate_limit
from breachdesk.notify.jobs import SendJobs
from breachdesk.register.messages import UNAVAILABLE_OPERATOR, UNAVAILABLE_PUBLIC
from breachdesk.web.middleware import AccessLog, BodyLimit, RateLimit
from breachdesk.web.public_pages import PublicPages
from breachdesk.web.security import query_parameter_names

HERE = Path(__file__).parent
log = logging.getLogger("breachdesk.web")


def error_status(exc: BreachdeskError) -> tuple[int, dict[str, str]]:
    """The HTTP status (and headers) of a domain error: mapped once, here."""
    if isinstance(exc, NotFoundError):
        return 404, {}
    if isinstance(exc, AuthenticationError):
        return 401, {}
    if isinstance(exc, PermissionDeniedError | CsrfError):
        return 403, {}
    if isinstance(exc, ThrottledError):
        return 429, {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, ConflictError):
        return 409, {}
    if isinstance(exc, InvalidInputError | DocumentFormatError):
        return 422, {}
    if isinstance(exc, KeyUnavailableError):  # the register's key is missing: nothing served
        return 503, {}
    return 400, {}


def create_app(settings: Settings | None = None, *, desk: Desk | None = None) -> FastAPI:
    """Build the app; settings are read here, never at import time."""
    from breachdesk.web import (
        api,
        automation,
        callback_api,
        callback_public,
        console,
        desk_api,
        login,
        notify_api,
        public,
        register_public,
        remediation_api,
    )

    the_desk = desk or Desk(settings or Settings())
    # Questions asked here are logged in batches by one writer thread, off the request path.
    the_desk.batch_question_log()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # A worker answers one question at a time; OpenBLAS's default of one spinning thread per
        # core in every worker made unique questions 43/s instead of 290/s (bench/http.py).
        threadpool_limits(limits=the_desk.settings.web_blas_threads, user_api="blas")
        the_desk.warm_up()  # models and indexes load before the first request, not in it
        # The models and indexes live as long as the worker: out of the collector's sight, a
        # full collection no longer walks them (pauses of 100 ms and more under load).
        gc.collect()
        gc.freeze()
        if the_desk.settings.web_pacing:
            # Imports and rebuilds give way to the requests being served (breachdesk.pacing).
            pacing.enable()
        yield
        the_desk.close()  # the question log's last batch
        gc.unfreeze()

    app = FastAPI(
        lifespan=lifespan,
        title="breachdesk",
        version="1",
        description="Approved answers and the inquiry desk for a data-leak incident.",
    )
    app.state.desk = the_desk
    app.state.public_pages = PublicPages(the_desk)  # the help pages' parts, per KB version
    app.state.send_jobs = SendJobs()  # campaign sends running in this worker

    # Outermost last: every request is logged (redacted), then rate-limited, then size-checked.
    settings_ = the_desk.settings
    app.add_middleware(
        BodyLimit,
        max_bytes=settings_.max_request_bytes,
        max_upload_bytes=settings_.max_upload_bytes,
        max_table_upload_bytes=settings_.max_table_upload_bytes,
    )
    app.add_middleware(
        RateLimit,
        limiter=public_rate_limit(the_desk.db, settings_, the_desk.register.keyring),
        wait=settings_.rate_limit_wait_ms / 1000,
    )

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(automation.router)
    app.include_router(desk_api.router)
    app.include_router(remediation_api.router)
    app.include_router(notify_api.router)
    app.include_router(callback_api.router)
    app.include_router(login.router)
    app.include_router(console.router)
    app.include_router(public.router)
    app.include_router(register_public.router)
    app.include_router(callback_public.router)
    # The log writes out only the query parameter names the routes declare (a name can be a
    # card number), so it is added once the routes are known.
    app.add_middleware(AccessLog, known_params=query_parameter_names(app))
    if proxies := proxy_networks(settings_.trusted_proxies):
        # Outermost: the log, the rate limit and the audit log see the address the proxy saw.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)

    @app.exception_handler(BreachdeskError)
    async def domain_error(request: Request, exc: BreachdeskError) -> Response:
        status, headers = error_status(exc)
        api_call = request.url.path.startswith("/api/")
        if isinstance(exc, KeyUnavailableError):
            # The key file's path and the key ids are for the server's log only: a person is
            # told, in Japanese, that the register cannot be used now and whom to turn to.
            log.error("affected register unavailable: %s", exc)
            if api_call:
                return JSONResponse({"error": UNAVAILABLE_OPERATOR}, status_code=status)
            console = request.url.path.startswith("/console")
            text = UNAVAILABLE_OPERATOR if console else UNAVAILABLE_PUBLIC
            return public.error_page(request, text, status)
        if isinstance(exc, AuthenticationError) and not api_call and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(
                f"/console/login?next={quote(target, safe='')}", status_code=303
            )
        if api_call:
            return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)
        # People read the page: what was not found is said in Japanese (the API keeps English).
        detail = labels.not_found(exc.kind, exc.key) if isinstance(exc, NotFoundError) else str(exc)
        page = public.error_page(request, detail, status)
        page.headers.update(headers)
        return page

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()[:5]
        if request.url.path.startswith("/api/"):
            problems = [
                f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors
            ]
            return JSONResponse(
                {"error": "invalid request: " + "; ".join(problems)}, status_code=422
            )
        fields = [str((e.get("loc") or ("",))[-1]) for e in errors]
        return public.error_page(request, labels.invalid_fields(fields), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse(
                {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
            )
        return public.error_page(
            request, labels.page_detail(str(exc.detail)) or "", exc.status_code
        )

    return app
