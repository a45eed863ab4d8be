"""What the campaign tests share: a register of made-up people with every kind of contact gap,
a loopback SMTP server that refuses chosen recipients (550), and a local SMS provider that
fails chosen numbers (400)."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import Incident, RegisterPerson
from breachdesk.register.crypto import MasterKey, new_master_key
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring, get_register

SLUG = "shop"
ITEMS = ("氏名・メールアドレス・電話番号", "氏名・住所・クレジットカード番号", "メールアドレス")
MAIL = "件名：【テスト商店】お詫びとお知らせ（{name}様）\n{name} 様\n漏えいした項目：{items}\n確認：{check_url}\n窓口：{desk}\n"
SMS = "【テスト商店】{name}様 漏えい項目：{items} 窓口：{desk}"
LETTER = "{name} 様\n\nこのたびは…。漏えいした項目：{items}\nお問い合わせ：{desk}\n"


@dataclass(frozen=True)
class Someone:
    """A made-up person as the test knows them (the register holds them encrypted)."""

    n: int
    name: str
    mail: str
    phone: str
    postal: str
    address: str
    items: str


def someone(n: int) -> Someone:
    """Person n: n % 10 = 0 no mail; 1 no mail or phone; 2 nothing to reach them by; 3 a
    landline instead of a mobile and no mail; else mail, mobile and address."""
    kind = n % 10
    mail = "" if kind in (0, 1, 2, 3) else f"p{n:04d}@example.jp"
    phone = {1: "", 2: "", 3: f"03-{n:04d}-{n:04d}"}.get(kind, f"090-{n:04d}-{n:04d}")
    postal, address = (
        ("", "") if kind == 2 else (f"{100 + n % 900:03d}-{n:04d}", f"東京都千代田区{n}番")
    )
    return Someone(n, f"試験{n:04d} 花子", mail, phone, postal, address, ITEMS[n % 3])


@dataclass
class Register:
    db: Database
    keyring: Keyring
    master: MasterKey
    slug: str
    people: dict[int, Someone]
    """Register person id → who they are."""

    def by_mail(self, mail: str) -> int:
        return next(p for p, x in self.people.items() if x.mail == mail)

    def by_phone(self, digits: str) -> int:
        return next(p for p, x in self.people.items() if x.phone.replace("-", "") == digits)


def make_register(db: Database, folder: Path, count: int = 300, slug: str = SLUG) -> Register:
    with db.transaction() as s:
        s.add(Incident(slug=slug, name=f"{slug} の漏えい", organisation="テスト商店"))
    master = MasterKey.parse(new_master_key())
    keyring = Keyring(lambda: master)
    crowd = [someone(n) for n in range(count)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["顧客番号", "氏名", "メールアドレス", "電話番号", "郵便番号", "住所", "漏えい項目"]
    )
    for x in crowd:
        writer.writerow([f"C{x.n:06d}", x.name, x.mail, x.phone, x.postal, x.address, x.items])
    path = folder / f"{slug}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    import_register(db, keyring, slug, path)
    with db.read() as s:
        register_id = get_register(s, slug).id
        ids = sorted(
            s.scalars(select(RegisterPerson.id).where(RegisterPerson.register_id == register_id))
        )
    return Register(db, keyring, master, slug, dict(zip(ids, crowd, strict=True)))


def write_templates(folder: Path, mail: str = MAIL, sms: str = SMS, letter: str = LETTER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mail.txt").write_text(mail, encoding="utf-8")
    (folder / "sms.txt").write_text(sms, encoding="utf-8")
    (folder / "letter.txt").write_text(letter, encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """A loopback SMTP server's mails; recipients in `refuse` get 550 at RCPT."""

    port: int
    refuse: set[str] = field(default_factory=set)
    reply: str = "550 5.1.1 No such user"
    mails: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=default).parsebytes(envelope.content)
        with self.lock:
            self.mails.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def recipients(self) -> list[str]:
        return [r for rcpt, _ in self.mails for r in rcpt]


@contextmanager
def smtp_sink(
    refuse: set[str] | None = None, reply: str = "550 5.1.1 No such user"
) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox(free_port(), set(refuse or ()), reply)
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Provider:
    """A local SMS provider: numbers in `fail` get 400; the others are kept."""

    url: str = ""
    fail: set[str] = field(default_factory=set)
    status: int = 400
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def numbers(self) -> list[str]:
        return [m["to"] for m in self.received]


@contextmanager
def sms_sink(fail: set[str] | None = None, status: int = 400) -> Iterator[Provider]:
    provider = Provider(fail=set(fail or ()), status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            message = json.loads(self.rfile.read(length))
            if message["to"] in provider.fail:
                self.send_response(provider.status)
                self.end_headers()
                self.wfile.write(b'{"error":"refused"}')
                return
            with provider.lock:
                provider.received.append(message)
            self.send_response(202)
            self.end_headers()
            self.wfile.write(b'{"status":"queued"}')

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()


def settings_for(
    db_url: str, inbox: Inbox | None, provider: Provider | None, master: MasterKey, **more: Any
) -> Settings:
    import base64

    values: dict[str, Any] = {
        "db": db_url,
        "smtp_host": "127.0.0.1" if inbox else "",
        "smtp_port": inbox.port if inbox else 587,
        "smtp_starttls": False,
        "mail_from": "notice@example.jp",
        "sms_url": provider.url if provider else "",
        "master_key": SecretStr(base64.urlsafe_b64encode(master.material).decode()),
        "notify_pace_per_minute": 0,
    }
    return Settings(**(values | more))


def letters_of(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding))))
