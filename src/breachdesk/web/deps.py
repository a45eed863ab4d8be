"""Request dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from breachdesk.desk import Desk
from breachdesk.inquiries.callbacks import CallbackDesk


async def get_desk(request: Request) -> Desk:
    # async: FastAPI runs a plain function in its thread pool, and the hop there and back
    # cost every answer (which runs on the event loop) its wait for a thread and the GIL.
    desk: Desk = request.app.state.desk
    return desk


DeskDep = Annotated[Desk, Depends(get_desk)]


def callback_desk(desk: Desk) -> CallbackDesk:
    """The callback requests of a desk (a light object over its database and keyring)."""
    return CallbackDesk.over(desk.register)
