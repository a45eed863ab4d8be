"""Helpers the register tests share (the fixtures themselves are in conftest.py): the test
incident, a loopback SMTP inbox (aiosmtpd handler), a local SMS provider's record."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from typing import Any, Protocol

from breachdesk.db import Database
from breachdesk.db.tables import Incident
from breachdesk.desk import Desk
from selfcheck_forms import FormClient, form_token, open_link  # noqa: F401 (re-exported)

SLUG = "shop"


def add_incident(db: Database, slug: str = SLUG) -> str:
    with db.transaction() as s:
        s.add(Incident(slug=slug, name=f"{slug} の漏えい"))
    return slug


class DeskMaker(Protocol):
    def __call__(self, **settings: Any) -> Desk: ...


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """Mails a loopback SMTP server (aiosmtpd) received: (recipients, parsed message)."""

    port: int
    mails: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=default).parsebytes(envelope.content)
        self.mails.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.mails if address in rcpt]


@dataclass
class Provider:
    """A local HTTP server playing the SMS provider: it keeps every JSON message posted."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    authorisations: list[str] = field(default_factory=list)


NOTICE = (
    "お客様の氏名、住所、電話番号、メールアドレスが流出した可能性があります。"
    "また、クレジットカード番号、有効期限、セキュリティコードが漏えいした可能性があります。"
    "なお、パスワードは流出しておりません。"
)
"""A notice's sentence of leaked items: what the incident publishes (`publish`)."""


def publish(db: Database, slug: str = SLUG, text: str = NOTICE) -> list[str]:
    """Give the incident the facts a published notice would (its leaked items); returns the
    item keys it asserts leaked, in the register vocabulary's order."""
    from sqlalchemy import select

    from breachdesk.kb.facts import extract_facts
    from breachdesk.register.items import ITEM_LABELS

    facts = extract_facts(text)
    with db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == slug))
        assert incident is not None
        incident.facts = facts.to_dict()
    return [k for k in ITEM_LABELS if k in facts.leaked_keys()]
