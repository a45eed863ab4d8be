"""The public rate limit per client address, kept in the store every worker and server shares.

It was a token bucket in each worker's memory, so two workers or two servers behind a balancer
gave an address twice the limit. The judgement calls, once:

- **Semantics: today's token bucket, unchanged.** An address may send `burst` requests at once
  (by default a quarter of a minute's worth, at least 10), then one every `60 / per_minute`
  seconds; a refused request is not counted, so an address that slows down gets through again.
  No fixed windows: a one-minute window would let `2 × per_minute` through across its edge and
  would not bound a burst at all.
- **One number per address.** The bucket is kept as GCRA (the generic cell rate algorithm): the
  row holds `tat`, the moment (Unix seconds) the bucket is full again. A request at `now` is
  allowed when `tat <= now + (burst - 1) × interval` and moves `tat` to
  `max(tat, now) + interval`; a refused one waits `tat - (now + (burst - 1) × interval)`.
- **One statement per counted request**, the same on SQLite and PostgreSQL
  (`db.upsert.upsert_where_statement`), committed on its own (`Database.autocommit`: on
  PostgreSQL without waiting for the disk — a count a crash loses costs nothing)::

      INSERT INTO rate_limits (bucket, tat) VALUES (:bucket, :now + :interval)
      ON CONFLICT (bucket) DO UPDATE
        SET tat = CASE WHEN rate_limits.tat > :now THEN rate_limits.tat ELSE :now END + :interval
        WHERE rate_limits.tat <= :now + (:burst - 1) * :interval
      RETURNING tat

  A row back means allowed. Concurrent requests of one address run one after the other on its
  row (PostgreSQL's row lock, SQLite's write lock), so exactly the limit of them get through
  across every worker and server. No row back means refused: one read of `tat` gives the wait.
- **A refusal is remembered in the process until it ends.** `tat` only grows, so a request
  before that moment would be refused by the store too: a flood from one address costs the
  store one statement per node per refusal, not one per request.
- **Old rows are pruned** by each process at most once a minute (`DELETE … WHERE tat < now`): a
  row whose moment has passed is a full bucket, the same as no row. The table holds the
  addresses heard from in the last `burst × interval` seconds (15 s at the default 120/min).
- **The address is never stored**: the row's key is HMAC-SHA256 of the limit's name and the
  address, truncated to 128 bits, under a key derived from the register's master key when one
  is set (so a copy of the database alone does not give the addresses back). Without a master
  key it is a plain digest under a fixed label — still no address in the table, but IPv4 is
  small enough to enumerate; the rows live for seconds.
- **Time is each node's wall clock** (`time.time()`): the nodes must keep it by NTP. A node δ
  seconds ahead of the others lets an address about δ / interval requests early.
- **When the store fails**, `take` raises `LimitStoreError`; whether the request is then let
  through is the web edge's decision (`web.middleware.RateLimit`: open for the help page,
  closed for the register's routes).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection, Executable, Float, Table, bindparam, case, delete, select
from sqlalchemy.exc import SQLAlchemyError

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import RateLimitBucket
from breachdesk.db.upsert import upsert_where_statement
from breachdesk.errors import BreachdeskError, KeyUnavailableError
from breachdesk.register.keys import Keyring

log = logging.getLogger("breachdesk.limits")

_BUCKETS = cast(Table, RateLimitBucket.__table__)
_READ = select(_BUCKETS.c.tat).where(_BUCKETS.c.bucket == bindparam("bucket"))
_KEY_LABEL = b"breachdesk client address"
PRUNE_EVERY = 60.0
"""Seconds between one process's deletes of the rows whose bucket is full again."""
_REMEMBERED = 10_000
"""Refusals one process remembers at most (beyond that the expired ones are dropped, then all)."""


class LimitStoreError(BreachdeskError):
    """The store that keeps the limits did not answer or failed; what to do is the caller's
    choice (let the request through, or refuse it)."""


@dataclass(frozen=True)
class Rate:
    """`per_minute` requests a minute, `burst` of them at once."""

    per_minute: int
    burst: int

    @classmethod
    def of(cls, per_minute: int, burst: int | None = None) -> Rate:
        """The rate with today's default burst: a quarter of a minute's worth, at least 10."""
        if per_minute < 1:
            raise ValueError("a rate limit is at least one request a minute")
        chosen = burst if burst is not None else max(10, per_minute // 4)
        return cls(per_minute, max(1, chosen))

    @property
    def interval(self) -> float:
        """Seconds between two requests at the sustained rate."""
        return 60.0 / self.per_minute


def address_key(master_material: bytes | None) -> bytes:
    """The HMAC key of the stored address hashes: derived from the master key when there is
    one, else a fixed label (a plain digest). Every node must derive the same one."""
    if master_material is None:
        return hashlib.sha256(_KEY_LABEL).digest()
    return hmac.digest(master_material, _KEY_LABEL, "sha256")


class SharedRateLimit:
    """A rate limit per client address whose counts live in the database (see the module)."""

    def __init__(
        self,
        db: Database,
        rate: Rate,
        *,
        key: bytes,
        name: str = "public",
        prune_every: float = PRUNE_EVERY,
    ) -> None:
        self.db = db
        self.rate = rate
        self._key = key
        self._name = name.encode() + b"\x00"
        self._prune_every = prune_every
        self._next_prune = 0.0
        self._refused: dict[bytes, float] = {}  # bucket -> the moment its refusal ends
        self._lock = threading.Lock()
        self._upsert: Executable | None = None

    def bucket(self, address: str) -> bytes:
        """The stored key of an address's bucket (a keyed hash: never the address)."""
        return hmac.digest(self._key, self._name + address.encode(), "sha256")[:16]

    def known_wait(self, address: str, now: float | None = None) -> float:
        """Seconds this process already knows `address` must wait (from a refusal the store
        gave); 0.0 when only the store can tell."""
        return self._known(self.bucket(address), time.time() if now is None else now)

    def _known(self, bucket: bytes, now: float) -> float:
        until = self._refused.get(bucket)
        return until - now if until is not None and until > now else 0.0

    def take(self, address: str, now: float | None = None) -> float:
        """Count one request from `address`: 0.0 when it is allowed (and counted, in one
        statement), else the seconds until one would be (and nothing is counted). Raises
        `LimitStoreError` when the store fails."""
        at = time.time() if now is None else now
        bucket = self.bucket(address)
        wait = self._known(bucket, at)
        if wait > 0:
            return wait
        interval = self.rate.interval
        limit_at = at + (self.rate.burst - 1) * interval
        try:
            # One statement, committed on its own without waiting for the disk: a count lost
            # in a crash costs nothing.
            with self.db.autocommit() as s:
                allowed = s.execute(
                    self._statement(s),
                    {"bucket": bucket, "now": at, "first": at + interval, "limit_at": limit_at},
                ).first()
                stored = None if allowed else s.scalar(_READ, {"bucket": bucket})
        except SQLAlchemyError as exc:
            raise LimitStoreError(f"the rate-limit store failed: {type(exc).__name__}") from exc
        if at >= self._next_prune:
            self._next_prune = at + self._prune_every
            try:
                self.prune(at)
            except SQLAlchemyError as exc:  # the count stands; the next prune will do
                log.warning("rate-limit rows not pruned: %s", type(exc).__name__)
        if allowed:
            return 0.0
        # The row may have gone (pruned by a node whose clock is ahead): a request's interval.
        wait = (stored - limit_at) if stored is not None else interval
        wait = max(wait, 1e-3)
        self._remember(bucket, at + wait, at)
        return wait

    def _statement(self, s: Connection) -> Executable:
        """The counting statement (the module's), built once: only its parameters change."""
        if self._upsert is None:
            tat, now = _BUCKETS.c.tat, bindparam("now", type_=Float)
            self._upsert = upsert_where_statement(
                s,
                _BUCKETS,
                {"bucket": bindparam("bucket"), "tat": bindparam("first", type_=Float)},
                unique=("bucket",),
                set_={"tat": case((tat > now, tat), else_=now) + self.rate.interval},
                where=tat <= bindparam("limit_at", type_=Float),
                returning=(tat,),
            )
        return self._upsert

    def _remember(self, bucket: bytes, until: float, now: float) -> None:
        with self._lock:
            if len(self._refused) >= _REMEMBERED:
                for key in [k for k, v in self._refused.items() if v <= now]:
                    del self._refused[key]
                if len(self._refused) >= _REMEMBERED:
                    self._refused.clear()
            self._refused[bucket] = until

    def prune(self, now: float | None = None) -> int:
        """Delete the rows whose bucket is full again (the same as no row); how many."""
        at = time.time() if now is None else now
        with self.db.autocommit() as s:
            result = s.execute(delete(RateLimitBucket).where(RateLimitBucket.tat < at))
            return int(getattr(result, "rowcount", 0) or 0)


def public_rate_limit(
    db: Database, settings: Settings, keyring: Keyring, *, burst: int | None = None
) -> SharedRateLimit | None:
    """The public routes' limit (`rate_limit_per_minute`; None when it is 0, off), keyed by
    the register's master key when one is set."""
    if settings.rate_limit_per_minute == 0:
        return None
    try:
        material: bytes | None = keyring.master.material
    except KeyUnavailableError:
        material = None
        if settings.master_key is not None or settings.master_key_file is not None:
            # Nodes whose keys differ hash an address differently and each give it the limit.
            log.warning("the master key could not be read; rate-limit buckets are keyed without it")
    return SharedRateLimit(
        db, Rate.of(settings.rate_limit_per_minute, burst), key=address_key(material)
    )
