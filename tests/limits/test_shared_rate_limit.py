"""The public rate limit kept in the store (`limits.rate`), on SQLite and PostgreSQL: today's
token bucket (a burst, then the sustained rate), shared by every limiter over one database,
exact under concurrent requests, and never storing an address."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select

from breachdesk.db import Database
from breachdesk.db.tables import RateLimitBucket
from breachdesk.limits import LimitStoreError, Rate, SharedRateLimit
from breachdesk.limits.rate import address_key

KEY = address_key(b"k" * 32)


def limiter(db: Database, per_minute: int = 60, burst: int | None = 2) -> SharedRateLimit:
    return SharedRateLimit(db, Rate.of(per_minute, burst), key=KEY)


def stored_rows(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RateLimitBucket)) or 0)


def test_the_burst_then_one_request_per_interval(db: Database) -> None:
    limit = limiter(db, per_minute=60, burst=2)
    assert limit.take("10.0.0.1", 100.0) == 0
    assert limit.take("10.0.0.1", 100.0) == 0
    wait = limit.take("10.0.0.1", 100.0)
    assert wait == pytest.approx(1.0)  # one token a second at 60/min
    assert limit.take("10.0.0.2", 100.0) == 0  # per address
    assert limit.take("10.0.0.1", 100.5) > 0
    assert limit.take("10.0.0.1", 101.1) == 0
    assert limit.take("10.0.0.1", 101.2) == pytest.approx(0.8)


def test_a_refused_request_is_not_counted(db: Database) -> None:
    limit = limiter(db, per_minute=60, burst=2)
    assert [limit.take("a", 100.0) == 0 for _ in range(2)] == [True, True]
    for _ in range(50):  # hammering does not push the address's next chance further away
        assert limit.take("a", 100.0) > 0
    fresh = limiter(db, per_minute=60, burst=2)  # another process: nothing remembered
    assert fresh.take("a", 101.01) == 0


def test_the_default_burst_is_todays(db: Database) -> None:
    assert Rate.of(12).burst == 10 and Rate.of(60).burst == 15 and Rate.of(120).burst == 30
    limit = SharedRateLimit(db, Rate.of(12), key=KEY)
    allowed = [limit.take("a", 500.0) == 0 for _ in range(15)]
    assert allowed == [True] * 10 + [False] * 5
    assert limit.take("a", 505.1) == 0  # one every five seconds after the burst
    assert limit.take("a", 505.2) > 0


def test_two_limiters_over_one_database_share_the_limit(db: Database) -> None:
    # Two workers or two servers: each its own limiter (and its own engine), one store.
    other_db = Database(db.url, schema=db.schema)
    try:
        one, two = limiter(db, 60, burst=10), limiter(other_db, 60, burst=10)
        allowed = [(one if i % 2 else two).take("198.51.100.7", 100.0) == 0 for i in range(16)]
        assert allowed.count(True) == 10
        assert allowed[:10] == [True] * 10
    finally:
        other_db.dispose()


def test_concurrent_requests_get_exactly_the_burst(db: Database) -> None:
    callers, burst = 24, 10
    limits = [limiter(db, 60, burst=burst) for _ in range(3)]  # three "processes"
    gate = threading.Barrier(callers)

    def one(i: int) -> float:
        gate.wait()
        return limits[i % 3].take("203.0.113.9", 1000.0)

    with ThreadPoolExecutor(callers) as pool:
        waits = list(pool.map(one, range(callers)))
    assert sum(1 for w in waits if w == 0) == burst
    with db.read() as s:
        tat = s.scalar(select(RateLimitBucket.tat))
    assert tat == pytest.approx(1000.0 + burst * 1.0)  # exactly `burst` requests counted


def test_the_address_is_stored_only_as_a_keyed_hash(db: Database) -> None:
    address = "192.0.2.44"
    limit = limiter(db)
    limit.take(address, 100.0)
    with db.read() as s:
        (bucket,) = s.scalars(select(RateLimitBucket.bucket)).all()
    assert len(bucket) == 16 and address.encode() not in bucket
    # Another key (another master key) gives another bucket: not a plain hash of the address.
    assert SharedRateLimit(db, Rate.of(60), key=address_key(b"x" * 32)).bucket(address) != bucket
    assert limit.bucket(address) == bucket


def test_full_buckets_are_pruned(db: Database) -> None:
    limit = limiter(db, per_minute=60, burst=5)
    for n in range(20):
        limit.take(f"10.1.0.{n}", 100.0)
    limit.take("10.1.1.1", 130.0)
    assert stored_rows(db) == 21
    assert limit.prune(102.0) == 20  # their buckets were full again at 101
    assert stored_rows(db) == 1


def test_a_refusal_is_remembered_until_it_ends_without_asking_the_store(db: Database) -> None:
    limit = limiter(db, per_minute=60, burst=1)
    assert limit.take("a", 100.0) == 0
    assert limit.take("a", 100.0) == pytest.approx(1.0)
    with db.transaction() as s:  # the store forgets the address: this process still knows
        s.execute(delete(RateLimitBucket))
    assert limit.known_wait("a", 100.5) == pytest.approx(0.5)
    assert limit.take("a", 100.5) == pytest.approx(0.5)
    assert stored_rows(db) == 0  # not asked
    assert limit.known_wait("a", 101.0) == 0 and limit.known_wait("b", 100.5) == 0
    assert limit.take("a", 101.0) == 0


def test_a_failing_store_raises_a_limit_store_error() -> None:
    # A PostgreSQL server that is not there: the caller decides to let through or refuse.
    db = Database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    try:
        with pytest.raises(LimitStoreError):
            limiter(db).take("a", 100.0)
    finally:
        db.dispose()
