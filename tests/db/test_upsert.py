"""`db.upsert.increment`: a counter row created at 1 and added to in one statement, so that
concurrent callers each see their own value, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint, select

from breachdesk.db import Database
from breachdesk.db.upsert import increment, insert_new

METADATA = MetaData()
COUNTERS = Table(
    "upsert_counters",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("name", String(20), nullable=False),
    Column("day", Integer, nullable=False),
    Column("count", Integer, nullable=False),
    UniqueConstraint("name", "day"),
)


@pytest.fixture
def counters(db: Database) -> Iterator[Database]:
    METADATA.create_all(db.engine)
    yield db
    METADATA.drop_all(db.engine)


def bump(db: Database, name: str, day: int = 1) -> int:
    with db.transaction() as s:
        return increment(s, COUNTERS, {"name": name, "day": day})


def test_a_new_key_starts_at_one_and_each_call_adds_one(counters: Database) -> None:
    assert [bump(counters, "a") for _ in range(3)] == [1, 2, 3]
    assert bump(counters, "b") == 1 and bump(counters, "a", day=2) == 1
    with counters.read() as s:
        stored = {(r.name, r.day): r.count for r in s.execute(select(COUNTERS))}
    assert stored == {("a", 1): 3, ("b", 1): 1, ("a", 2): 1}


def test_concurrent_increments_each_see_their_own_value(counters: Database) -> None:
    callers = 16
    gate = threading.Barrier(callers)

    def one(_: int) -> int:
        gate.wait()
        return bump(counters, "busy")

    with ThreadPoolExecutor(callers) as pool:
        seen = list(pool.map(one, range(callers)))
    assert sorted(seen) == list(range(1, callers + 1))


def test_a_rolled_back_increment_leaves_the_counter_as_it_was(counters: Database) -> None:
    bump(counters, "a")
    with pytest.raises(RuntimeError), counters.transaction() as s:
        assert increment(s, COUNTERS, {"name": "a", "day": 1}) == 2
        raise RuntimeError("the request failed after counting")
    assert bump(counters, "a") == 2


def test_insert_new_says_whether_it_inserted_and_rolls_back_with_its_transaction(
    counters: Database,
) -> None:
    row = {"name": "a", "day": 1, "count": 7}

    def insert(fail: bool = False) -> bool:
        with counters.transaction() as s:
            inserted = insert_new(s, COUNTERS, row, unique=("name", "day"))
            if fail:
                raise RuntimeError("the caller's next write failed")
            return inserted

    with pytest.raises(RuntimeError):
        insert(fail=True)
    with counters.read() as s:
        assert s.execute(select(COUNTERS)).all() == []  # nothing committed on its own
    assert insert() is True
    assert insert() is False
    with counters.read() as s:
        assert [(r.name, r.count) for r in s.execute(select(COUNTERS))] == [("a", 7)]
