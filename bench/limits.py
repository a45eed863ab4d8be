"""What the shared rate limit adds to a public request: `SharedRateLimit.take` against the store.

For each store, `--requests` counted requests through the counter function (`limits.rate`),
each one statement in its own transaction:

- sequential, then from `--threads` threads at once (as a worker's counting threads and several
  workers would), microseconds per request (wall time / requests) and each call's p50 / p99;
- for addresses already in the table (the UPDATE of a row: a returning visitor) and for a new
  address each time (the INSERT: a crowd arriving);
- a refused address (the process remembers the refusal: no statement), for comparison.

    .venv/bin/python bench/limits.py --db sqlite,postgresql --requests 20000 --threads 8

The SQLite file goes to $BENCH_DIR (default /tmp) and is deleted; the PostgreSQL schema
`bench_limits_<pid>` is dropped afterwards. The limit is set high enough that every counted
request is allowed (the path a normal request takes). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from breachdesk.db import Database, open_database
from breachdesk.limits import Rate, SharedRateLimit
from breachdesk.limits.rate import address_key

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = f"bench_limits_{os.getpid()}"


def open_store(kind: str, folder: Path, postgres: str) -> Database:
    if kind == "sqlite":
        for leftover in folder.glob("bench-limits.db*"):
            leftover.unlink()
        return open_database(str(folder / "bench-limits.db"))
    import psycopg

    with psycopg.connect(postgres.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')
    return open_database(postgres, schema=PG_SCHEMA)


def drop_store(kind: str, db: Database, folder: Path, postgres: str) -> None:
    db.dispose()
    if kind == "sqlite":
        for leftover in folder.glob("bench-limits.db*"):
            leftover.unlink()
        return
    import psycopg

    with psycopg.connect(postgres.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')


def run(calls: int, threads: int, one: Callable[[int], object]) -> tuple[float, list[float]]:
    """Wall seconds for `calls` calls of `one(i)` from `threads` threads, and each call's µs."""
    timings: list[float] = [0.0] * calls

    def timed(i: int) -> None:
        start = time.perf_counter()
        one(i)
        timings[i] = (time.perf_counter() - start) * 1e6

    gate = threading.Barrier(threads)

    def worker(w: int) -> None:
        gate.wait()
        for i in range(w, calls, threads):
            timed(i)

    start = time.perf_counter()
    if threads == 1:
        for i in range(calls):
            timed(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(worker, range(threads)))
    return time.perf_counter() - start, timings


def report(label: str, calls: int, wall: float, timings: list[float]) -> None:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"  {label:<34} {wall / calls * 1e6:8.0f} µs/request  "
        f"{calls / wall:8.0f} requests/s  p50 {statistics.median(ordered):7.0f} µs  "
        f"p99 {p99:7.0f} µs"
    )


def bench_store(kind: str, args: argparse.Namespace, folder: Path) -> None:
    db = open_store(kind, folder, args.postgres)
    try:
        # Allowed every time: the path of a normal request.
        # (Its rows are pruned once, at the end, to time that too.)
        limit = SharedRateLimit(
            db, Rate.of(1_000_000, 1_000_000), key=address_key(None), prune_every=float("inf")
        )
        known = [f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in range(1000)]
        for address in known:  # the rows exist: returning visitors
            limit.take(address)
        print(f"{kind}:")
        for threads in (1, args.threads):
            calls = args.requests

            def returning(i: int) -> None:
                limit.take(known[i % len(known)])

            wall, timings = run(calls, threads, returning)
            report(f"known address, {threads} thread(s)", calls, wall, timings)

            def arriving(i: int, threads: int = threads) -> None:
                limit.take(f"new-{threads}-{i}")

            wall, timings = run(calls, threads, arriving)
            report(f"new address, {threads} thread(s)", calls, wall, timings)
        start = time.perf_counter()
        pruned = limit.prune(time.time() + 3600)
        print(f"  prune: {pruned:,} rows in {(time.perf_counter() - start) * 1000:.0f} ms")
        # A refused address: remembered by the process, no statement.
        tight = SharedRateLimit(db, Rate.of(1, 1), key=address_key(None))
        tight.take("flood")
        tight.take("flood")
        wall, timings = run(args.requests, 1, lambda _i: tight.take("flood"))
        report("refused (remembered), 1 thread", args.requests, wall, timings)
    finally:
        drop_store(kind, db, folder, args.postgres)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--postgres", default=os.environ.get("BREACHDESK_TEST_POSTGRES", DEFAULT_PG)
    )
    args = parser.parse_args()
    folder = Path(os.environ.get("BENCH_DIR", tempfile.gettempdir()))
    for kind in args.db.split(","):
        bench_store(kind.strip(), args, folder)


if __name__ == "__main__":
    main()
