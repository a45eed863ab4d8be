"""Register fixtures: a master key, an incident to attach a register to, a generated list."""

from __future__ import annotations

from pathlib import Path

import pytest

from breachdesk.db import Database
from breachdesk.db.tables import Incident
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
