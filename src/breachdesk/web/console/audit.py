"""Console (admin): the audit log, newest first, filtered by actor and action."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from breachdesk import labels
from breachdesk.auth import service as auth
from breachdesk.web.console.pages import Admin, Paging, render
from breachdesk.web.deps import DeskDep

router = APIRouter()

PAGE_SIZE = 50


@router.get("/audit")
def audit_log(
    request: Request,
    desk: DeskDep,
    me: Admin,
    actor: Annotated[str, Query(max_length=120)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    target: Annotated[str, Query(max_length=300)] = "",
    day: Annotated[date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Who did what, when, from where; newest first (by user, action, target or person, day)."""
    rows, total = auth.list_audit(
        desk.db,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        actor=actor.strip() or None,
        action=action.strip() or None,
        target=target.strip() or None,
        day=day,
    )
    query = {
        "actor": actor,
        "action": action,
        "target": target,
        "day": day.isoformat() if day else "",
    }
    context = {
        "area": "audit",
        "rows": rows,
        "paging": Paging(page, PAGE_SIZE, total, query),
        "actor": actor,
        "action": action,
        "target": target,
        "day": day.isoformat() if day else "",
        "actions": list(labels.AUDIT_ACTIONS.items()),
    }
    return render(request, me, "console/audit.html", context)
