"""Where the demo's mail and SMS arrive: a loopback SMTP server and a stand-in SMS gateway.

The register sends as it would in production — the outbox thread, `SmtpMailer` over SMTP and
`HttpSms` over HTTP, configured by the usual settings — but the demo points them at itself: an
SMTP server on 127.0.0.1 (aiosmtpd) and the demo app's own ``POST /demo/sms``. What arrives is
kept in memory, newest first, for the demo's 「デモ用の受信箱」 page; nothing leaves the machine,
and nothing is kept after the demo stops. The people are fictional, so are the addresses.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesParser
from email.policy import default
from typing import Any

from breachdesk.kb.contacts import JST

KEPT = 200


@dataclass(frozen=True)
class Caught:
    """One message the demo caught instead of delivering it."""

    channel: str  # mail / sms
    to: str
    subject: str
    text: str
    at: datetime


class Mailbox:
    """The caught messages, newest first (at most `KEPT`); safe to use from any thread."""

    def __init__(self) -> None:
        self._messages: deque[Caught] = deque(maxlen=KEPT)
        self._lock = threading.Lock()

    def put(self, channel: str, to: str, subject: str, text: str) -> None:
        with self._lock:
            self._messages.appendleft(Caught(channel, to, subject, text, datetime.now(JST)))

    def messages(self) -> list[Caught]:
        with self._lock:
            return list(self._messages)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """aiosmtpd's hook: one mail received (its envelope recipients, its parsed text)."""
        mail = BytesParser(policy=default).parsebytes(envelope.content)
        body = mail.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
        for to in envelope.rcpt_tos:
            self.put("mail", str(to), str(mail.get("Subject", "")), str(text))
        return "250 OK"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the SMTP server takes it a moment later)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class SmtpCatcher:
    """The loopback SMTP server that puts every mail in a `Mailbox` (aiosmtpd, in a thread)."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1") -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError as exc:  # an optional extra
            raise RuntimeError(
                "the demo's mail catcher needs aiosmtpd: pip install 'breachdesk[demo]'"
            ) from exc
        self.host = host
        self.port = free_port(host)
        self._controller = Controller(mailbox, hostname=host, port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
