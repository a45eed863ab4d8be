"""`create_app()`: the FastAPI application over one `Desk`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.errors import BreachdeskError, DocumentFormatError, InvalidInputError, NotFoundError
from breachdesk.web.middleware import AccessLog, BodyLimit, RateLimit

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None, *, desk: Desk | None = None) -> FastAPI:
    """Build the app; settings are read here, never at import time."""
    from breachdesk.web import api, public

    the_desk = desk or Desk(settings or Settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        the_desk.warm_up()  # models and indexes load before the first request, not in it
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="breachdesk",
        version="1",
        description="Approved answers and the inquiry desk for a data-leak incident.",
    )
    app.state.desk = the_desk

    # Outermost last: every request is logged (redacted), then rate-limited, then size-checked.
    settings_ = the_desk.settings
    app.add_middleware(
        BodyLimit,
        max_bytes=settings_.max_request_bytes,
        max_upload_bytes=settings_.max_upload_bytes,
    )
    app.add_middleware(RateLimit, per_minute=settings_.rate_limit_per_minute)
    app.add_middleware(AccessLog)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(public.router)

    @app.exception_handler(BreachdeskError)
    async def domain_error(request: Request, exc: BreachdeskError) -> Response:
        status = 400
        if isinstance(exc, NotFoundError):
            status = 404
        elif isinstance(exc, InvalidInputError | DocumentFormatError):
            status = 422
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return public.error_page(request, str(exc), status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()[:5]
        ]
        message = "invalid request: " + "; ".join(problems)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=422)
        return public.error_page(request, message, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse(
                {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
            )
        return public.error_page(request, str(exc.detail), exc.status_code)

    return app
