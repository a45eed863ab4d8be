"""`create_app()`: the FastAPI application over one `Desk`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.errors import BreachdeskError, DocumentFormatError, InvalidInputError, NotFoundError

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

    return app
