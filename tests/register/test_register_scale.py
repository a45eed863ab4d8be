"""A large import's two scale paths: rows prepared in worker processes, and (PostgreSQL) the
indexes of an empty table built after the load instead of row by row."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from register_support import add_incident
from sqlalchemy import func, select, text

from breachdesk.db import Database
from breachdesk.db.tables import RegisterPerson
from breachdesk.register import bulk, importer, prepare, service
from breachdesk.register.importer import RegisterFormatError, import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person, write_csv


@pytest.fixture
def in_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import prepares its rows in two spawned worker processes, five rows a batch."""
    monkeypatch.setattr(prepare, "PARALLEL_FROM", 0)
    monkeypatch.setattr(prepare, "workers", lambda: 2)
    monkeypatch.setattr(importer, "BATCH", 5)


def people_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RegisterPerson)) or 0)


def test_people_prepared_in_worker_processes_are_found_by_every_identifier(
    db: Database,
    shop: str,
    keyring: Keyring,
    crowd: list[Person],
    crowd_csv: Path,
    in_workers: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="breachdesk.register"):
        result = import_register(db, keyring, shop, crowd_csv)
    assert "(2 worker processes)" in caplog.text
    assert (result.rows, result.added) == (60, 60)
    for who in (crowd[0], crowd[29], crowd[59]):
        for kind in ("mail", "phone", "customer"):
            [found] = service.lookup(
                db, keyring, shop, kind, getattr(who, kind), reason="確認", actor="t"
            )
            assert found.masked["customer"][-2:] == who.customer[-2:]
    stats = service.stats(db, keyring, shop)
    assert stats.people == 60
    assert stats.per_item["email"] == sum("メールアドレス" in p.items for p in crowd)
    # A re-import in workers tells unchanged people apart by their digest.
    again = import_register(db, keyring, shop, crowd_csv)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 60)


def test_bad_rows_and_duplicates_in_different_worker_batches_are_reported_in_line_order(
    db: Database,
    shop: str,
    keyring: Keyring,
    crowd: list[Person],
    tmp_path: Path,
    in_workers: None,
) -> None:
    rows = list(crowd[:15])
    rows[2] = Person(**{**rows[2].__dict__, "phone": "12"})  # line 4, first batch
    rows[8] = Person(**{**crowd[0].__dict__, "mail": "other@example.jp"})  # line 10: line 2's key
    rows[11] = Person(**{**rows[11].__dict__, "phone": "12"})  # line 13, third batch
    path = tmp_path / "bad.csv"
    path.write_bytes(write_csv(rows))
    with pytest.raises(RegisterFormatError) as caught:
        import_register(db, keyring, shop, path)
    assert [line for line, _ in caught.value.problems] == [4, 10, 13]
    assert "2行目と同じ方です" in caught.value.problems[1][1]
    assert caught.value.total == 3
    assert people_count(db) == 0


def _index_definitions(db: Database) -> set[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE tablename = 'register_people' AND schemaname = current_schema()"
            )
        ).all()
    return {(name, definition) for name, definition in rows}


def test_a_large_first_import_builds_the_indexes_after_its_load_and_keeps_them_alike(
    db: Database,
    shop: str,
    keyring: Keyring,
    crowd: list[Person],
    crowd_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite keeps its indexes live: there is no build-after-load path")
    monkeypatch.setattr(bulk, "REBUILD_FROM", 10)
    before = _index_definitions(db)
    assert len(before) == 5  # the primary key, the unique person key, three blind indexes
    with caplog.at_level(logging.INFO, logger="breachdesk.register"):
        import_register(db, keyring, shop, crowd_csv)
    assert "indexes built after the load" in caplog.text
    assert _index_definitions(db) == before
    [found] = service.lookup(db, keyring, shop, "phone", crowd[7].phone, reason="確認", actor="t")
    assert found.masked["customer"][-2:] == crowd[7].customer[-2:]
    # The table now holds people: another register's large import keeps the indexes live.
    other = add_incident(db, "other-shop")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="breachdesk.register"):
        import_register(db, keyring, other, crowd_csv)
    assert "register import:" in caplog.text
    assert "indexes built after the load" not in caplog.text
    assert _index_definitions(db) == before


def test_a_failed_first_import_leaves_the_indexes_it_dropped(
    db: Database,
    shop: str,
    keyring: Keyring,
    crowd: list[Person],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite keeps its indexes live: there is no build-after-load path")
    monkeypatch.setattr(bulk, "REBUILD_FROM", 10)
    before = _index_definitions(db)
    rows = list(crowd)
    rows[40] = Person(**{**rows[40].__dict__, "phone": "12"})
    path = tmp_path / "late-bad.csv"
    path.write_bytes(write_csv(rows))
    with pytest.raises(RegisterFormatError):
        import_register(db, keyring, shop, path)
    assert _index_definitions(db) == before
    assert people_count(db) == 0
