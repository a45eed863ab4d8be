"""What every console page shares: templates, security headers, flash messages, audit, paging.

Pages are plain server-rendered HTML. A form posts, the route calls the core (which writes the
action's audit row in the action's own transaction) and answers 303 to a page that shows the
result; the message to show there travels in a
short-lived, HttpOnly flash cookie (JSON, escaped like everything else when rendered).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from math import ceil
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Path as PathParam
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import BeforeValidator

from breachdesk import labels
from breachdesk.auth.roles import Permission, role_allows
from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import BreachdeskError, DocumentFormatError, InvalidInputError
from breachdesk.inquiries.calllog import CallLogError
from breachdesk.inquiries.day_input import parse_day
from breachdesk.kb import editing
from breachdesk.kb.contacts import JST
from breachdesk.review import service as review
from breachdesk.web.public import secured
from breachdesk.web.security import requires

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")

Reader = Annotated[Principal, requires(Permission.READ)]
Reviewer = Annotated[Principal, requires(Permission.REVIEW)]
Editor = Annotated[Principal, requires(Permission.EDIT)]
Admin = Annotated[Principal, requires(Permission.ADMIN)]
Slug = Annotated[str, PathParam(max_length=64)]

FLASH_COOKIE = "bd_flash"
FLASH_SECONDS = 120
MAX_FLASH_LINES = 30

ROLE_LABELS = labels.ROLES
VERSION_LABELS = {
    "served": "承認済み・公開中",
    "served-retired": "承認済み・公開停止中",
    "old": "承認済み（旧版）",
    "draft": "下書き・承認待ち",
    "stale": "下書き（新しい版あり）",
    "rejected": "却下",
}
ENTRY_STATE_LABELS = {
    "served": "公開中",
    "retired": "公開停止",
    "pending": "承認待ち",
    "unserved": "未公開",
}
REVIEW_LABELS = labels.REVIEW_STATES
CHANNEL_LABELS = {"web": "ウェブ", "api": "API"}


@dataclass(frozen=True)
class Flash:
    """A message shown once on the page a form redirects to."""

    kind: str  # ok, error, secret
    text: str
    lines: tuple[str, ...] = ()


def jst(value: datetime | None) -> str:
    """A timestamp as Japan time, e.g. 2026-05-20 14:03."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # SQLite returns naive datetimes; they were stored in UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def _diff_line(line: str) -> Markup:
    kind = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
    kind = "hunk" if line.startswith("@@") else kind
    css = f' class="{kind}"' if kind else ""
    return Markup(f"<span{css}>{escape(line) or Markup('&nbsp;')}</span>")


def _label(code: str | None, kind: str) -> str:
    """`{{ r.channel | label("channel") }}`: the Japanese an operator reads for a stored code."""
    return labels.label(kind, code)


templates.env.filters["jst"] = jst
templates.env.filters["label"] = _label
templates.env.filters["diff_line"] = _diff_line
templates.env.filters["audit_action"] = labels.audit_action
templates.env.filters["audit_actor"] = labels.audit_actor


def _audit_detail(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    return labels.audit_detail(detail, audit_codes())


@cache
def audit_codes() -> dict[str, Mapping[str, str]]:
    """Value labels of the audit log that live with their domains."""
    from breachdesk.intents.taxonomy import load_taxonomy
    from breachdesk.register.columns import FIELD_LABELS

    return {"field": FIELD_LABELS, "intents": {i.id: i.label for i in load_taxonomy()}}


templates.env.filters["audit_detail"] = _audit_detail
templates.env.globals.update(
    ROLE_LABELS=ROLE_LABELS,
    VERSION_LABELS=VERSION_LABELS,
    ENTRY_STATE_LABELS=ENTRY_STATE_LABELS,
    REVIEW_LABELS=REVIEW_LABELS,
    CHANNEL_LABELS=CHANNEL_LABELS,
)


def read_flash(request: Request) -> Flash | None:
    """The flash message the previous response left, if any (malformed ones are ignored)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(unquote(raw))
        kind, text = str(data["kind"]), str(data["text"])
        lines = tuple(str(line) for line in data.get("lines", []))[:MAX_FLASH_LINES]
    except (ValueError, KeyError, TypeError):
        return None
    return Flash(kind if kind in ("ok", "error", "secret") else "ok", text, lines)


def render(
    request: Request,
    me: Principal,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    """Render a console page for the signed-in user, consuming any flash message."""
    flash = read_flash(request)

    def can(permission: str) -> bool:
        return role_allows(me.role, Permission(permission))

    token = escape(me.csrf_token or "")
    full = {
        "me": me,
        "can": can,
        "flash": flash,
        "csrf_field": Markup(f'<input type="hidden" name="csrf_token" value="{token}">'),
        **context,
    }
    response = templates.TemplateResponse(request, template, full, status_code=status)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/console")
    return secured(response, private=True)


def redirect(
    request: Request,
    url: str,
    message: str | None = None,
    *,
    kind: str = "ok",
    lines: list[str] | None = None,
) -> RedirectResponse:
    """303 to `url`, leaving a flash message for it to show."""
    response = RedirectResponse(url, status_code=303)
    if message is not None:
        payload = {"kind": kind, "text": message, "lines": (lines or [])[:MAX_FLASH_LINES]}
        response.set_cookie(
            FLASH_COOKIE,
            quote(json.dumps(payload, ensure_ascii=False)),
            max_age=FLASH_SECONDS,
            path="/console",
            secure=request.app.state.desk.settings.cookie_secure,
            httponly=True,
            samesite="strict",
        )
    return secured(response, private=True)


def slug_url(slug: str, *parts: str, **query: object) -> str:
    """A console URL under an incident, with its path parts quoted."""
    path = "/console/i/" + "/".join(quote(p, safe="") for p in (slug, *parts))
    shown = {k: v for k, v in query.items() if v not in (None, "")}
    return path + ("?" + urlencode(shown) if shown else "")


@dataclass(frozen=True)
class Paging:
    """Page numbers for a list: which page, how many, and the links' query strings."""

    page: int
    size: int
    total: int
    query: dict[str, str]

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def link(self, page: int) -> str:
        return "?" + urlencode({**{k: v for k, v in self.query.items() if v}, "page": page})


def open_questions(desk: Desk, slug: str) -> int:
    """How many items of the review queue need a decision (answered questions do not)."""
    return review.pending_count(desk.db, slug)


def incident_context(desk: Desk, slug: str, area: str) -> dict[str, Any]:
    """What an incident's pages need for their header and tabs (404 for an unknown slug)."""
    return {
        "incident": desk.incident(slug),
        "area": area,
        "pending_count": len(editing.pending_drafts(desk.db, slug)),
        "open_count": open_questions(desk, slug),
    }


def day_text(value: object) -> object:
    """A day typed into a form or a query through the one parser (2026-09-03, 2026/9/3,
    2026年9月3日 …); blank is no day."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return parse_day(value)
        except InvalidInputError as exc:
            raise ValueError(exc.reason) from exc
    return value


TypedDay = BeforeValidator(day_text)
"""A date form or query field read through the one day parser."""


def upload_failed(exc: BreachdeskError) -> tuple[str, list[str]]:
    """A rejected upload as a flash message: the file and, for bad rows, every row named."""
    if isinstance(exc, CallLogError):
        rows = [f"{line}行目：{why}" for line, why in exc.problems]
        return f"{Path(exc.path).name} は取り込みませんでした（{len(rows)}行に誤り）。", rows
    if isinstance(exc, DocumentFormatError):
        where = f"{exc.line}行目：" if exc.line else ""
        return f"{Path(exc.path).name} は取り込みませんでした：{where}{exc.reason}", []
    return f"取り込みませんでした：{exc}", []
