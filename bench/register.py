"""Affected-register performance: import a generated register, then look people up.

Generates `--people` fictional people (`register.sample`, CSV as an organisation would export
it; generation time is printed but is not a measured figure), then for each engine:

- import: `register import` of the whole file (parse, normalise, encrypt every record, blind
  indexes, one transaction), wall time and rows per second;
- look-up: `--lookups` look-ups per identifier kind (mail, phone, customer number) of random
  listed people, p50 / p99 in milliseconds: "read" is the blind index, the SELECT and the
  decryption; "audited" is the operator's whole look-up (register, read, mask, audit row,
  commit — on PostgreSQL the commit waits for the WAL flush);
- plan (PostgreSQL): `EXPLAIN ANALYZE` of one look-up per kind, its scan and execution time;
- size: database bytes per person (SQLite: the file after a WAL checkpoint; PostgreSQL: the
  register tables with their indexes and TOAST).

    .venv/bin/python bench/register.py --people 1000000 --db sqlite,postgresql

Targets: import ≤ 120 s and look-up p99 ≤ 5 ms for a million people. SQLite files go to
$BENCH_DIR (default /tmp) and are deleted unless --keep; the PostgreSQL schema
`bench_register_<pid>` is dropped afterwards. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from breachdesk.db import Database, open_database
from breachdesk.db.tables import Incident
from breachdesk.register import service
from breachdesk.register.blind import normalise
from breachdesk.register.crypto import DataKey, MasterKey, new_master_key
from breachdesk.register.importer import Progress, import_register
from breachdesk.register.keys import Keyring, get_register
from breachdesk.register.sample import HEADER, Person, people

SLUG = "bench"
PG_SCHEMA = f"bench_register_{os.getpid()}"  # concurrent runs do not collide
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = ("registers", "register_people", "register_person_versions", "register_imports")


def generate(path: Path, count: int, seed: int, k: int) -> list[Person]:
    """Write `count` generated people to `path` (streamed: never all in memory) and return `k`
    of them, at random positions, for the look-ups."""
    wanted = set(random.Random(seed + 1).sample(range(count), min(k, count)))
    chosen = []
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for n, p in enumerate(people(count, seed=seed)):
            writer.writerow(p.row())
            if n in wanted:
                chosen.append(p)
    return chosen


def show_progress(p: Progress) -> None:
    left = f", {p.remaining:.0f} s left" if p.remaining is not None else ""
    print(f"\r  {p.rows:,} rows, {p.rate:,.0f} rows/s{left}    ", end="", file=sys.stderr)


def open_store(kind: str, folder: Path, postgres: str) -> tuple[Database, Path | None]:
    if kind == "sqlite":
        path = folder / "bench-register.db"
        for leftover in folder.glob("bench-register.db*"):
            leftover.unlink()
        return open_database(str(path)), path
    import psycopg

    plain = postgres.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')
    return open_database(postgres, schema=PG_SCHEMA), None


def size_bytes(db: Database, path: Path | None) -> int:
    if path is not None:
        with db.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return path.stat().st_size
    with db.engine.connect() as conn:
        return sum(
            int(conn.execute(text(f"SELECT pg_total_relation_size('{t}')")).scalar() or 0)
            for t in TABLES
        )


def plan(db: Database, key: DataKey, register_id: int, what: str, person: Person) -> str:
    """The look-up's plan on PostgreSQL (EXPLAIN ANALYZE): its scan node and execution time."""
    ix = key.blind(what, normalise(what, getattr(person, what)))
    sql = (
        "EXPLAIN (ANALYZE, COSTS OFF) SELECT id, person_key, record, version, updated_at "
        f"FROM register_people WHERE register_id = :r AND {what}_ix = :ix ORDER BY id LIMIT 20"
    )
    with db.read() as s:
        lines = [row[0].strip() for row in s.execute(text(sql), {"r": register_id, "ix": ix})]
    scan = next((line.lstrip("-> ") for line in lines if "Scan" in line), lines[0])
    executed = next((line for line in lines if line.startswith("Execution Time")), "")
    return f"{scan}; {executed.lower()}"


def peak_rss_mb(whose: str) -> float:
    """Peak resident memory of this process, or of its largest finished child (Linux: KiB)."""
    import resource

    who = resource.RUSAGE_SELF if whose == "self" else resource.RUSAGE_CHILDREN
    return resource.getrusage(who).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(kind: str, csv_path: Path, args: argparse.Namespace, chosen: list[Person]) -> None:
    folder = Path(os.environ.get("BENCH_DIR", "/tmp"))
    db, path = open_store(kind, folder, args.postgres)
    try:
        with db.transaction() as s:
            s.add(Incident(slug=SLUG, name="bench"))
        master = MasterKey.parse(new_master_key())
        keyring = Keyring(lambda: master)
        started, cpu = time.perf_counter(), os.times()
        result = import_register(
            db, keyring, SLUG, csv_path, progress=show_progress, progress_every=50_000
        )
        seconds, after = time.perf_counter() - started, os.times()
        own = after.user + after.system - cpu.user - cpu.system
        workers = (
            after.children_user + after.children_system - cpu.children_user - cpu.children_system
        )
        print(file=sys.stderr)
        print(
            f"{kind}: import {result.rows:,} people in {seconds:.1f} s "
            f"({result.rows / seconds:,.0f} rows/s; CPU: this process {own:.1f} s, its worker"
            f" processes {workers:.1f} s; peak RSS: this process {peak_rss_mb('self'):,.0f} MB,"
            f" largest worker {peak_rss_mb('children'):,.0f} MB; target ≤ 120 s for 1,000,000,"
            " ≤ 600 s for 10,000,000)"
        )
        with db.read() as s:
            register = get_register(s, SLUG)
            key, register_id = keyring.data_key(register), register.id
        for what in ("mail", "phone", "customer"):
            reads, audited = [], []
            for p in chosen:
                t0 = time.perf_counter()
                with db.read() as s:
                    [person] = service.find_people(s, key, register_id, what, getattr(p, what))
                    service.decrypt_record(key, register_id, person)
                t1 = time.perf_counter()
                found = service.lookup(
                    db, keyring, SLUG, what, getattr(p, what), reason="bench", actor="bench"
                )
                audited.append((time.perf_counter() - t1) * 1000)
                reads.append((t1 - t0) * 1000)
                assert found, (what, p.customer)
            for label, timings in (("read", reads), ("audited", audited)):
                print(
                    f"{kind}: look-up by {what:8} {label:7} p50 {statistics.median(timings):.2f} ms"
                    f"  p99 {percentile(timings, 0.99):.2f} ms  ({len(timings)}; target p99 ≤ 5 ms)"
                )
            if path is None:
                print(
                    f"{kind}: look-up by {what:8} plan    {plan(db, key, register_id, what, chosen[0])}"
                )
        total = size_bytes(db, path)
        print(
            f"{kind}: size {total / 1e6:,.1f} MB = {total / result.rows:,.0f} bytes per person"
            + (" (whole file)" if path else " (register tables with indexes)")
        )
    finally:
        db.dispose()
        if path is not None and not args.keep:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()
        if path is None and not args.keep:
            import psycopg

            with psycopg.connect(args.postgres.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--lookups", type=int, default=500, help="per identifier kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(format="  %(message)s")  # the import's own timing line
    logging.getLogger("breachdesk.register").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="bench-register-") as folder:
        csv_path = Path(folder) / "affected.csv"
        t0 = time.perf_counter()
        chosen = generate(csv_path, args.people, args.seed, args.lookups)
        print(
            f"generated {args.people:,} people ({csv_path.stat().st_size / 1e6:,.0f} MB CSV) "
            f"in {time.perf_counter() - t0:.1f} s (not a measured figure)"
        )
        for kind in args.db.split(","):
            run(kind.strip(), csv_path, args, chosen)


if __name__ == "__main__":
    main()
