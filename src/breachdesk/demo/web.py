"""The app `breachdesk demo --serve` runs: the usual app, plus what a newcomer needs to try it.

`create_demo_app` builds the ordinary app (`web.app.create_app`) with the register's mail and
SMS pointed at the demo itself (see `demo.mailbox`), and adds:

- ``GET /demo`` — デモの案内: what to try, a few of the fictional people to try it as, where the
  register's master key is;
- ``GET /demo/outbox`` — デモ用の受信箱: the mail and SMS the register sent, as the person
  would receive them (the link and the code included);
- ``POST /demo/sms`` — the stand-in SMS gateway `HttpSms` posts to (bearer token of this run);
- a bar on every page (`DemoInfo.bar`, shown by ``base.html``) saying that this is the demo,
  that messages go to the demo inbox, and — on the console — where the master key is.

None of it exists in the app `breachdesk serve` runs.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Body, FastAPI, Header, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from pydantic import SecretStr

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG
from breachdesk.demo.mailbox import Mailbox, SmtpCatcher
from breachdesk.demo.register import demo_people, leaked_items
from breachdesk.errors import KeyUnavailableError, NotFoundError
from breachdesk.register.sample import Person
from breachdesk.web.app import create_app
from breachdesk.web.deps import DeskDep
from breachdesk.web.public import secured

HERE = Path(__file__).parent
WEB_TEMPLATES = HERE.parent / "web" / "templates"
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(HERE / "templates"), jinja2.FileSystemLoader(WEB_TEMPLATES)]
        ),
        autoescape=True,
    )
)
router = APIRouter(tags=["demo"], include_in_schema=False)


@dataclass
class DemoInfo:
    """What the demo's pages and bar say: the incident, the key file, the caught messages."""

    slug: str
    key_file: Path | None
    mailbox: Mailbox = field(default_factory=Mailbox)
    sms_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def bar(self, path: str) -> Markup:
        """The demo bar for the page at `path` (the console's says where the key is)."""
        html = templates.get_template("demo/bar.html").render(
            demo=self, console=path.startswith("/console")
        )
        return Markup(html)  # rendered by an autoescaping template


def _info(request: Request) -> DemoInfo:
    info: DemoInfo = request.app.state.demo
    return info


def _page(request: Request, name: str, context: dict[str, Any]) -> Response:
    response = templates.TemplateResponse(request, f"demo/{name}", context)
    return secured(response, private=True)


@dataclass(frozen=True)
class Example:
    """A fictional person to try the self-check as: what to type, and what they will receive."""

    person: Person
    kind: str  # 入力する情報
    identifier: str
    fact_kind: str  # ご本人確認の情報
    fact: str
    receives: str


def examples(people: list[Person]) -> list[Example]:
    """Three ways in: a mail address (a link by mail), a phone number (a code by SMS), and the
    customer number of someone who lost fewer items than most (a link by mail)."""
    most = max(p.items.count("・") for p in people)
    mail = next((p for p in people if p.mail and p.items.count("・") == most), None)
    phone = next((p for p in people if not p.mail), None)
    fewer = next((p for p in people if p.mail and p.items.count("・") < most), None)
    out = []
    if mail is not None:
        out.append(
            Example(mail, "メールアドレス", mail.mail, "郵便番号", mail.postal, "メールでリンク")
        )
    if phone is not None:
        out.append(
            Example(phone, "電話番号", phone.phone, "生年月日", phone.birth, "SMSで確認コード")
        )
    if fewer is not None:
        out.append(
            Example(fewer, "お客様番号", fewer.customer, "郵便番号", fewer.postal, "メールでリンク")
        )
    return out


_LINK = re.compile(r"https?://[^\s　）)」」、。]+")


def segments(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (text, is_link) pieces, so that a page shows its links as links."""
    out: list[tuple[str, bool]] = []
    at = 0
    for found in _LINK.finditer(text):
        out += [(text[at : found.start()], False), (found.group(), True)]
        at = found.end()
    out.append((text[at:], False))
    return [piece for piece in out if piece[0]]


templates.env.filters["segments"] = segments


@router.get("/demo")
def guide(request: Request, desk: DeskDep) -> Response:
    """デモの案内: what to try, as whom, and where the register's key is."""
    info = _info(request)
    incident = desk.incident(info.slug)
    try:
        people = desk.register.stats(info.slug).people
    except (NotFoundError, KeyUnavailableError):  # no register, or served without its key
        people = 0
    listed = demo_people(leaked_items(incident.facts))
    return _page(
        request,
        "guide.html",
        {
            "incident": incident,
            "demo": info,
            "people": people,
            "examples": examples(listed) if people else [],
        },
    )


@router.get("/demo/outbox")
def outbox(request: Request) -> Response:
    """デモ用の受信箱: the mail and SMS the register sent, newest first."""
    info = _info(request)
    return _page(request, "outbox.html", {"demo": info, "messages": info.mailbox.messages()})


@router.post("/demo/sms", status_code=202)
def sms_gateway(
    request: Request,
    message: Annotated[dict[str, str], Body()],
    authorization: Annotated[str, Header()] = "",
) -> dict[str, str]:
    """The stand-in SMS gateway: keeps the message for the demo inbox."""
    info = _info(request)
    expected = f"Bearer {info.sms_token}"
    if not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise NotFoundError("SMS gateway", "-")  # nobody else may post into the inbox
    info.mailbox.put("sms", message.get("to", ""), "", message.get("text", ""))
    return {"status": "accepted"}


@router.get("/demo/demo.css")
def stylesheet() -> Response:
    return Response(
        (HERE / "templates" / "demo" / "demo.css").read_bytes(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


def create_demo_app(settings: Settings | None = None) -> FastAPI:
    """The app over the demo database, with the demo's inbox, guide and bar (a factory:
    `breachdesk demo --serve` runs it under uvicorn)."""
    base = settings or Settings()
    info = DemoInfo(DEMO_SLUG, base.master_key_file)
    catcher = SmtpCatcher(info.mailbox)
    demo_settings = base.model_copy(
        update={
            "smtp_host": catcher.host,
            "smtp_port": catcher.port,
            "smtp_starttls": False,
            "smtp_user": "",
            "smtp_password": None,
            "mail_from": "noreply@sakura-books.example",
            "sms_url": base.public_base_url.rstrip("/") + "/demo/sms",
            "sms_token": SecretStr(info.sms_token),
        }
    )
    app = create_app(demo_settings)
    app.state.demo = info
    app.include_router(router)
    served = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(the_app: FastAPI) -> AsyncIterator[Any]:
        catcher.start()
        try:
            async with served(the_app) as state:
                yield state
        finally:
            catcher.stop()

    app.router.lifespan_context = lifespan
    return app
