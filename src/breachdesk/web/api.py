"""REST API under /api/v1."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from breachdesk.web.deps import DeskDep

router = APIRouter(prefix="/api/v1", tags=["api"])


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=1000, description="The question, in Japanese.")


@router.get("/incidents")
def list_incidents(desk: DeskDep) -> list[dict[str, Any]]:
    """List incidents."""
    return [
        {"slug": i.slug, "name": i.name, "entries": i.entries, "kb_version": i.kb_version}
        for i in desk.incidents()
    ]


@router.get("/incidents/{slug}/entries")
def list_entries(slug: str, desk: DeskDep) -> list[dict[str, Any]]:
    """List an incident's approved entries."""
    return [
        {
            "entry": e.id,
            "section": e.section,
            "question": e.question,
            "answer": e.answer,
            "version": e.version,
        }
        for e in desk.entries(slug)
    ]


@router.post("/incidents/{slug}/ask")
def ask(slug: str, body: AskRequest, desk: DeskDep) -> dict[str, Any]:
    """Answer a question with approved text, or abstain and name the desk."""
    return desk.ask(slug, body.question).to_dict()
