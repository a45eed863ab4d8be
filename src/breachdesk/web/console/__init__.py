"""The operator console under /console: server-rendered pages behind login.

One router module per area; every route declares its permission with `requires(...)`.
"""

from fastapi import APIRouter

from breachdesk.web.console import (
    audit,
    callbacks,
    campaigns,
    desk,
    entries,
    incidents,
    notify,
    register,
    remediation,
    review,
    users,
)

router = APIRouter(include_in_schema=False, tags=["console"])
for _area in (
    incidents,
    entries,
    review,
    desk,
    campaigns,
    notify,
    callbacks,
    remediation,
    register,
    users,
    audit,
):
    router.include_router(_area.router, prefix="/console")

__all__ = ["router"]
