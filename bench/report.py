"""Daily-table performance: `daily_table` over 1 and 10 million logged inquiries.

Generates one incident's inquiries — 90 days, 9 categories, a decaying volume with campaign
peaks and weekend dips, phone/mail/web channels, outcomes that saturate (more busy calls) on
peak days — with set-based SQL (a recursive CTE on SQLite, `generate_series` on PostgreSQL;
generation time is printed but is not the measured figure). Then times `daily_table`:

- cold: a new `Database` (new engine and connection) per run; the OS page cache is not dropped;
- warm: repeated calls on one `Database`; the median of `--runs`;

for the phone table (the report's default) and the all-channel figure, with the migration's
index ``ix_inquiries_report`` and then with candidate indexes created in the bench database only
(the migration is not changed), each with its query plan (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE).

    .venv/bin/python bench/report.py --sizes 1000000,10000000 --db sqlite,postgresql

SQLite files go to $BENCH_DIR (default /tmp) and are deleted afterwards unless --keep; the
PostgreSQL schema `bench_report` (in --postgres, default the test server) is dropped afterwards.
Prints figures with the 2 s target beside them; asserts nothing but the table's total.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

from breachdesk.db import Database, open_database
from breachdesk.db.tables import Incident
from breachdesk.inquiries.categories import ensure_categories
from breachdesk.reports.daily import PHONE, daily_table, logged_counts_query

SLUG = "bench"
FIRST_DAY = date(2026, 1, 5)
DAYS = 90
CAMPAIGN_DAYS = (3, 5, 14, 20, 35, 36, 60)
TARGET_S = 2.0
PG_SCHEMA = "bench_report"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Candidate indexes tried in the bench database only (name, columns).
VARIANTS = (("ix_bench_channel_after_day", "incident_id, day, channel, outcome, category_id"),)

# One day's inquiries from a counter `i`: a multiplicative hash picks channel, outcome and
# category; phone calls are busy with the day's busy share, mail and web never are.
SQLITE_DAY = """
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < :n),
hashed AS (SELECT ((i + :seed) * 2654435761) % 4294967296 AS h FROM seq),
picked AS (
  SELECT h,
    CASE WHEN h % 100 < 85 THEN 'phone' WHEN h % 100 < 95 THEN 'mail' ELSE 'web' END AS channel,
    (h / 100) % 1000 AS o
  FROM hashed
),
shaped AS (
  SELECT h, channel,
    CASE
      WHEN channel = 'phone' AND o < :busy THEN 'busy'
      WHEN o % 100 < 4 THEN 'callback'
      WHEN o % 100 < 6 THEN 'escalated'
      ELSE 'answered'
    END AS outcome
  FROM picked
)
INSERT INTO inquiries (incident_id, channel, received_at, day, outcome, category_id,
                       fraud_report, note, source, created_at)
SELECT :incident, channel, :stamp, :day, outcome,
       CASE WHEN outcome = 'busy' THEN NULL ELSE :category0 + (h / 100000) % 9 END,
       (h / 1000000) % 40 = 0, '', 'bench', :stamp
FROM shaped
"""

PG_DAY = """
INSERT INTO inquiries (incident_id, channel, received_at, day, outcome, category_id,
                       fraud_report, note, source, created_at)
SELECT :incident, channel, CAST(:stamp AS timestamptz), CAST(:day AS date), outcome,
       CASE WHEN outcome = 'busy' THEN NULL ELSE :category0 + (h / 100000) % 9 END,
       (h / 1000000) % 40 = 0, '', 'bench', CAST(:stamp AS timestamptz)
FROM (
  SELECT h, channel,
    CASE
      WHEN channel = 'phone' AND o < :busy THEN 'busy'
      WHEN o % 100 < 4 THEN 'callback'
      WHEN o % 100 < 6 THEN 'escalated'
      ELSE 'answered'
    END AS outcome
  FROM (
    SELECT h,
      CASE WHEN h % 100 < 85 THEN 'phone' WHEN h % 100 < 95 THEN 'mail' ELSE 'web' END AS channel,
      (h / 100) % 1000 AS o
    FROM (SELECT ((i + :seed) * 2654435761) % 4294967296 AS h
          FROM generate_series(0, :n - 1) AS i) AS hashed
  ) AS picked
) AS shaped
"""


def day_volumes(total: int) -> list[int]:
    """Inquiries per day: decaying from the announcement, peaks on campaign days, weekend dips."""
    weights = []
    for d in range(DAYS):
        weight = math.exp(-d / 30) + 0.15
        weight *= 3.0 if d in CAMPAIGN_DAYS else 1.6 if d - 1 in CAMPAIGN_DAYS else 1.0
        weight *= 0.5 if (FIRST_DAY + timedelta(days=d)).weekday() >= 5 else 1.0
        weights.append(weight)
    scale = total / sum(weights)
    volumes = [int(w * scale) for w in weights]
    volumes[0] += total - sum(volumes)
    return volumes


def busy_share(volume: int, mean: float) -> int:
    """Busy calls per 1000 phone calls: 5 % on a quiet day, up to 60 % when the lines saturate."""
    return int(1000 * min(0.6, 0.05 + 0.25 * max(0.0, volume / mean - 1.0)))


def generate(db: Database, size: int) -> float:
    """Fill the incident with `size` inquiries; the seconds it took."""
    started = time.perf_counter()
    with db.transaction() as s:
        incident = Incident(slug=SLUG, name="bench incident", facts={})
        s.add(incident)
        s.flush()
        categories = ensure_categories(s, incident)
        incident_id, category0 = incident.id, min(c.id for c in categories)
    volumes = day_volumes(size)
    mean = size / DAYS
    statement = text(SQLITE_DAY if db.is_sqlite else PG_DAY)
    with db.engine.begin() as conn:
        for offset, volume in enumerate(volumes):
            day = FIRST_DAY + timedelta(days=offset)
            conn.execute(
                statement,
                {
                    "n": volume,
                    "seed": offset * 7_919_993,
                    "busy": busy_share(volume, mean),
                    "incident": incident_id,
                    "category0": category0,
                    "day": day.isoformat(),
                    "stamp": f"{day.isoformat()} 09:00:00.000000"
                    + ("" if db.is_sqlite else "+09:00"),
                },
            )
    analyse(db)
    return time.perf_counter() - started


def analyse(db: Database) -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map index-only scans need)."""
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE inquiries")


@contextmanager
def bench_database(kind: str, size: int, args: argparse.Namespace) -> Iterator[Database]:
    """A fresh, migrated database for one run; removed (file or schema) afterwards."""
    if kind == "sqlite":
        path = Path(os.environ.get("BENCH_DIR", "/tmp")) / f"breachdesk-bench-report-{size}.db"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        db = open_database(str(path))
        try:
            yield db
        finally:
            db.dispose()
            if not args.keep:
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
        return
    import psycopg

    plain = args.postgres.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')
    db = open_database(args.postgres, schema=PG_SCHEMA)
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')


def reopen(db: Database) -> Database:
    return Database(db.url, schema=db.schema)


def measure(db: Database, runs: int, channels: tuple[str, ...] | None) -> tuple[list[float], float]:
    """Cold runs (a new engine each) and the warm median, in seconds."""

    def call(database: Database) -> float:
        started = time.perf_counter()
        daily_table(database, SLUG, channels=channels)
        return time.perf_counter() - started

    cold = []
    for _ in range(min(3, runs)):
        fresh = reopen(db)
        cold.append(call(fresh))
        fresh.dispose()
    call(db)  # warm the connection pool and caches
    warm = [call(db) for _ in range(runs)]
    return cold, statistics.median(warm)


def plan(db: Database, channels: tuple[str, ...] | None) -> list[str]:
    """The query plan of the aggregate `daily_table` runs (EXPLAIN ANALYZE on PostgreSQL)."""
    with db.read() as s:
        incident_id = s.scalar(select(Incident.id).where(Incident.slug == SLUG))
    assert incident_id is not None
    query = logged_counts_query(
        incident_id, FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1), channels
    )
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if db.is_sqlite:
            return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
        return [str(row[0]) for row in rows]


def check_total(db: Database, size: int) -> None:
    """The all-channel table adds up to every generated inquiry."""
    table = daily_table(db, SLUG, channels=None)
    total = sum(r.offered or 0 for r in table.rows)
    if len(table.rows) != DAYS or total != size:
        sys.exit(f"wrong table: {len(table.rows)} days, {total} inquiries (expected {size})")


def report_case(
    label: str, db: Database, runs: int, size: int, channels: tuple[str, ...] | None
) -> None:
    cold, warm = measure(db, runs, channels)
    verdict = ""
    if size >= 10_000_000:
        verdict = f"  (target {TARGET_S:.0f} s: {'ok' if warm <= TARGET_S else 'OVER'})"
    print(
        f"  {label}: warm median {warm:.3f} s, cold {', '.join(f'{c:.3f}' for c in cold)} s"
        + verdict
    )
    for line in plan(db, channels):
        print(f"      plan: {line}")


def create_index(db: Database, name: str, columns: str) -> float:
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE INDEX {name} ON inquiries ({columns})")
    analyse(db)
    return time.perf_counter() - started


def drop_index(db: Database, name: str) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP INDEX {name}")


def run_one(kind: str, size: int, args: argparse.Namespace) -> None:
    print(f"\n== {kind}, {size:,} inquiries, {DAYS} days, 9 categories ==")
    with bench_database(kind, size, args) as db:
        seconds = generate(db, size)
        print(f"  generated in {seconds:.1f} s (not the measured figure)")
        check_total(db, size)
        cases: list[tuple[str, tuple[str, ...] | None]] = [
            ("phone table (default)", PHONE),
            ("all channels", None),
        ]
        print(
            "  index: ix_inquiries_report (incident_id, channel, day, outcome, category_id) [migration]"
        )
        for label, channels in cases:
            report_case(label, db, args.runs, size, channels)
        if args.no_variants:
            return
        for name, columns in VARIANTS:
            built = create_index(db, name, columns)
            print(f"  + candidate index {name} ({columns}), built in {built:.1f} s")
            for label, channels in cases:
                report_case(label, db, args.runs, size, channels)
            drop_index(db, name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", DEFAULT_PG))
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite files.")
    parser.add_argument("--no-variants", action="store_true", help="Only the migration's index.")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = [k.strip() for k in args.db.split(",")]
    run: Callable[[str, int, argparse.Namespace], None] = run_one
    for kind in kinds:
        if kind not in ("sqlite", "postgresql"):
            sys.exit(f"unknown --db {kind!r}: sqlite or postgresql")
        for size in sizes:
            run(kind, size, args)


if __name__ == "__main__":
    main()
