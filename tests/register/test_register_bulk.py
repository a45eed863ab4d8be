"""Bulk writes of an import: COPY on PostgreSQL, executemany on SQLite, same rows either way."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Text, cast, func, select, text
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import RegisterPerson
from breachdesk.register import bulk, importer, service
from breachdesk.register.importer import RegisterFormatError, import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person, people, write_csv


def people_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RegisterPerson)) or 0)


def test_a_bad_row_after_batches_were_written_still_leaves_nothing(
    db: Database,
    shop: str,
    keyring: Keyring,
    tmp_path: Path,
    crowd: list[Person],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer, "BATCH", 5)  # three batches go to the database first
    rows = list(crowd[:20])
    rows[16] = Person(**{**rows[16].__dict__, "phone": "12"})
    path = tmp_path / "late-bad.csv"
    path.write_bytes(write_csv(rows))
    with pytest.raises(RegisterFormatError) as caught:
        import_register(db, keyring, shop, path)
    assert [line for line, _ in caught.value.problems] == [18]
    assert people_count(db) == 0


def test_a_write_that_fails_midway_is_raised_and_leaves_nothing(
    db: Database,
    shop: str,
    keyring: Keyring,
    crowd_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On PostgreSQL the batches are written by a second thread; its failure is the import's."""
    monkeypatch.setattr(importer, "BATCH", 10)
    written = bulk.insert_people
    caller = threading.current_thread()
    threads: list[threading.Thread] = []

    def fail_on_the_third(s: Session, rows: list[dict[str, Any]]) -> None:
        threads.append(threading.current_thread())
        if len(threads) == 3:
            raise OSError("the disk is full")
        written(s, rows)

    monkeypatch.setattr(importer, "insert_people", fail_on_the_third)
    with pytest.raises(OSError, match="disk is full"):
        import_register(db, keyring, shop, crowd_csv)
    assert people_count(db) == 0
    assert len(threads) == 3  # no batch was written after the failure
    in_caller = {t is caller for t in threads}
    assert in_caller == ({True} if db.is_sqlite else {False})


def test_bulk_written_and_updated_people_read_back_alike(
    db: Database,
    shop: str,
    keyring: Keyring,
    tmp_path: Path,
    crowd: list[Person],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer, "BATCH", 7)
    first = tmp_path / "v1.csv"
    first.write_bytes(write_csv(crowd))
    import_register(db, keyring, shop, first)
    # Give one person another person's item combination: the update goes through the ORM's
    # JSON type, the others were bulk-written; the counts must still see one combination.
    changed = list(crowd)
    other = next(p for p in crowd if p.items != crowd[0].items)
    changed[0] = Person(**{**crowd[0].__dict__, "items": other.items})
    extra = list(people(3, seed=5, start=50_000))
    second = tmp_path / "v2.csv"
    second.write_bytes(write_csv([*changed, *extra]))
    result = import_register(db, keyring, shop, second)
    assert (result.added, result.updated, result.unchanged) == (3, 1, 59)
    with db.read() as s:
        texts = set(s.scalars(select(cast(RegisterPerson.items, Text)).distinct()))
        stamps = s.execute(
            select(
                RegisterPerson.created_at,
                RegisterPerson.updated_at,
                cast(RegisterPerson.created_at, Text).label("created_text"),
                cast(RegisterPerson.updated_at, Text).label("updated_text"),
            )
        ).all()
    assert len(texts) == len({p.items for p in [*changed, *extra]})
    # Timestamps read back as datetimes, stored in one form whichever path wrote them.
    assert all(created <= updated for created, updated, _, _ in stamps)
    # (PostgreSQL prints fractional seconds without trailing zeros: compare the forms without them.)
    forms = {len(re.sub(r"\.\d+", "", t)) for _, _, c, u in stamps for t in (c, u)}
    assert len(forms) == 1
    stats = service.stats(db, keyring, shop)
    assert stats.people == 63
    for who in (changed[0], extra[2], crowd[30]):
        [found] = service.lookup(db, keyring, shop, "mail", who.mail, reason="確認", actor="t")
        assert found.masked["customer"][-2:] == who.customer[-2:]


def test_a_large_load_refreshes_the_planner_statistics_in_its_transaction(
    db: Database,
    shop: str,
    keyring: Keyring,
    crowd_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite plans by its indexes; there is no ANALYZE step to check")
    monkeypatch.setattr(bulk, "ANALYZE_AFTER", 10)
    import_register(db, keyring, shop, crowd_csv)
    with db.read() as s:
        tuples = s.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'register_people'::regclass")
        )
    assert tuples == 60  # -1 until a table is first analysed
