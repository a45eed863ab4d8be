"""Register fixtures: a master key, an incident to attach a register to, a generated list."""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from register_support import SLUG, DeskMaker, Inbox, Provider, add_incident, free_port

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.desk import Desk
from breachdesk.register.crypto import MasterKey, new_master_key
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person, people, write_csv


@pytest.fixture
def shop(db: Database) -> str:
    """An incident (on both engines, through `db`) for a register to belong to."""
    return add_incident(db)


@pytest.fixture
def master() -> MasterKey:
    return MasterKey.parse(new_master_key())


@pytest.fixture
def keyring(master: MasterKey) -> Keyring:
    return Keyring(lambda: master)


@pytest.fixture
def crowd() -> list[Person]:
    return list(people(60, seed=7))


@pytest.fixture
def crowd_csv(tmp_path: Path, crowd: list[Person]) -> Path:
    path = tmp_path / "affected.csv"
    path.write_bytes(write_csv(crowd))
    return path


# The console sign-in helper lives with the web tests; the register's console tests reuse it.
sys.path.append(str(Path(__file__).parents[1] / "web"))


@pytest.fixture
def make_desk(tmp_path: Path, master: MasterKey, crowd_csv: Path) -> DeskMaker:
    """Desks over one SQLite file with an incident, its register imported, one user per role."""
    from console_session import PASSWORD

    from breachdesk.auth import service as auth

    made: list[Desk] = []

    def make(**overrides: Any) -> Desk:
        settings = Settings(
            db=str(tmp_path / "desk.db"),
            dense_model="none",
            cache_dir=tmp_path / "cache",
            master_key=SecretStr(base64.urlsafe_b64encode(master.material).decode()),
            rate_limit_per_minute=0,
            **overrides,
        )
        desk = Desk(settings)
        if not made:
            add_incident(desk.db, SLUG)
            desk.register.import_file(SLUG, crowd_csv, actor="setup")
            for name, role in (
                ("vic", "viewer"),
                ("ola", "operator"),
                ("eri", "editor"),
                ("ada", "admin"),
            ):
                auth.create_user(desk.db, name, PASSWORD, role)
        made.append(desk)
        return desk

    return make


@pytest.fixture
def register_desk(make_desk: DeskMaker) -> Desk:
    return make_desk()


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server on loopback (aiosmtpd), no TLS."""
    from aiosmtpd.controller import Controller

    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def sms_provider() -> Iterator[Provider]:
    provider = Provider("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            provider.received.append(json.loads(self.rfile.read(length)))
            provider.authorisations.append(self.headers.get("authorization", ""))
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
