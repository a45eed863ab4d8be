"""What the remediation tests share: an incident with its register of generated people, and
compensation codes made up for it (never a seed's)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Incident, RegisterPerson
from breachdesk.register.crypto import DataKey, MasterKey, new_master_key
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring, get_register
from breachdesk.register.sample import people, write_csv

SLUG = "shop"


@dataclass
class Shop:
    """An incident with a register of `len(people)` generated people."""

    db: Database
    keyring: Keyring
    slug: str
    incident_id: int
    register_id: int
    people: list[int]

    @property
    def key(self) -> DataKey:
        with self.db.read() as s:
            return self.keyring.data_key(get_register(s, self.slug))


def add_incident(db: Database, slug: str = SLUG) -> int:
    with db.transaction() as s:
        incident = Incident(slug=slug, name=f"{slug} の漏えい")
        s.add(incident)
        s.flush()
        return incident.id


def make_shop(db: Database, folder: Path, *, count: int = 30, slug: str = SLUG) -> Shop:
    incident = add_incident(db, slug)
    master = MasterKey.parse(new_master_key())
    keyring = Keyring(lambda: master)
    path = folder / f"{slug}.csv"
    path.write_bytes(write_csv(list(people(count, seed=3))))
    import_register(db, keyring, slug, path)
    with db.read() as s:
        register_id = get_register(s, slug).id
        ids = sorted(
            s.scalars(select(RegisterPerson.id).where(RegisterPerson.register_id == register_id))
        )
    return Shop(db, keyring, slug, incident, register_id, ids)


def gift_codes(count: int, *, start: int = 0) -> list[str]:
    """Made-up codes in two shapes: a 16-character code and a gift URL."""
    return [
        f"QC{n:014d}" if n % 2 else f"https://gift.example.jp/r/{n:08x}Zq{n * 7919 % 10007:05d}"
        for n in range(start, start + count)
    ]


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each one's result or the exception it
    raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
