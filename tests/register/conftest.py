"""Register fixtures: a master key, an incident to attach a register to, a generated list."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import Incident
from breachdesk.desk import Desk
from breachdesk.register.crypto import MasterKey, new_master_key
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person, people, write_csv

SLUG = "shop"


def add_incident(db: Database, slug: str = SLUG) -> str:
    with db.transaction() as s:
        s.add(Incident(slug=slug, name=f"{slug} の漏えい"))
    return slug


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
def register_desk(tmp_path: Path, master: MasterKey, crowd_csv: Path) -> Desk:
    """A SQLite desk with the demo incident, its register imported, and one user per role."""
    from console_session import PASSWORD

    from breachdesk.auth import service as auth

    settings = Settings(
        db=str(tmp_path / "desk.db"),
        dense_model="none",
        cache_dir=tmp_path / "cache",
        master_key=SecretStr(base64.urlsafe_b64encode(master.material).decode()),
        rate_limit_per_minute=0,
    )
    desk = Desk(settings)
    add_incident(desk.db, SLUG)
    desk.register.import_file(SLUG, crowd_csv, actor="setup")
    for name, role in (("vic", "viewer"), ("ola", "operator"), ("eri", "editor"), ("ada", "admin")):
        auth.create_user(desk.db, name, PASSWORD, role)
    return desk
