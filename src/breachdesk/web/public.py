"""The public help page of an incident: GET /i/{slug}."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from breachdesk.web.deps import DeskDep

router = APIRouter(tags=["public"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/i/{slug}", response_class=HTMLResponse)
def help_page(slug: str, request: Request, desk: DeskDep, q: str | None = None) -> HTMLResponse:
    """The incident's public help page; `?q=` answers a question without JavaScript."""
    incident = desk.incident(slug)
    answer = desk.ask(slug, q) if q else None
    return templates.TemplateResponse(
        request,
        "incident.html",
        {"incident": incident, "entries": desk.entries(slug), "answer": answer, "q": q or ""},
    )


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"message": message}, status_code=status
    )
