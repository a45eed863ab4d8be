"""Daily-table performance: `daily_table` over 1, 10 and 100 million logged inquiries.

Generates one incident's inquiries — 90 days, 9 categories, a decaying volume with campaign
peaks and weekend dips, phone/mail/web channels, outcomes that saturate (more busy calls) on
peak days — with set-based SQL (a recursive CTE on SQLite, `generate_series` on PostgreSQL, one
statement per day, so PostgreSQL's statement triggers append a few hundred count changes per
day; generation and the first fold are printed but are not the measured figure). Then times
`daily_table`, which reads the counts the triggers keep (`inquiries.counts`):

- cold: a new `Database` (new engine and connection) per run; the OS page cache is not dropped;
- warm: repeated calls on one `Database`; the median of `--runs`;

for the phone table (the report's default) and the all-channel figure, each with its query plan
(EXPLAIN QUERY PLAN / EXPLAIN ANALYZE); checks that the kept counts equal the ``GROUP BY`` over
the rows (`raw_counts_query`) and times that raw aggregate too (`--raw-runs`, 0 to skip), the
way the report was computed before the counts.

`--writes N` also times what counting costs the writers, on a second incident of the same
database, with the migration's triggers, with none, and (PostgreSQL) with the design they
replaced — a row trigger updating the counter row in place, built in the bench schema only:
N/4 desk inquiries by one writer (`log_inquiry`, one transaction each), N/4 by `--threads`
writers at once, all on one (day, channel, outcome, category), and N question-log rows written
by `--threads` writers in batches of 20 over 10 keys in a shuffled order (plain SQL, one
transaction a batch — two such transactions taking the same counter rows in different orders
deadlock under the in-place design).

    .venv/bin/python bench/report.py --sizes 1000000,10000000 --db sqlite,postgresql
    flock /tmp/bench.lock .venv/bin/python bench/report.py --sizes 100000000 --db postgresql

SQLite files go to $BENCH_DIR (default /tmp) and are deleted afterwards unless --keep; the
PostgreSQL schema `bench_report` (--schema, in --postgres, default the test server) is dropped
afterwards.
Prints figures with the 2 s target beside them; asserts nothing but the table's total and the
counts' equality with the rows.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Select, func, select, text

from breachdesk.db import Database, open_database
from breachdesk.db.tables import Incident, Inquiry
from breachdesk.inquiries.categories import ensure_categories
from breachdesk.inquiries.counts import fold_count_changes, kept_counts_query, raw_counts_query
from breachdesk.inquiries.service import InquiryInput, log_inquiry
from breachdesk.reports.daily import PHONE, daily_table

SLUG = "bench"
FIRST_DAY = date(2026, 1, 5)
DAYS = 90
CAMPAIGN_DAYS = (3, 5, 14, 20, 35, 36, 60)
TARGET_S = 2.0
PG_SCHEMA = "bench_report"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

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


def incident_ids(db: Database, slug: str, name: str) -> tuple[int, int]:
    """A new incident with the default categories: its id and its first category's id."""
    with db.transaction() as s:
        incident = Incident(slug=slug, name=name, facts={})
        s.add(incident)
        s.flush()
        categories = ensure_categories(s, incident)
        return incident.id, min(c.id for c in categories)


def generate(db: Database, size: int) -> float:
    """Fill the incident with `size` inquiries; the seconds it took."""
    started = time.perf_counter()
    incident_id, category0 = incident_ids(db, SLUG, "bench incident")
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
    return time.perf_counter() - started


def analyse(db: Database) -> None:
    """Planner statistics (and, on PostgreSQL, the visibility map index-only scans need)."""
    if db.is_sqlite:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("inquiries", "inquiry_daily_counts", "inquiry_count_changes"):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def sizes(db: Database) -> str:
    """The on-disk size of the inquiries and of the counts (PostgreSQL), for the docs."""
    if db.is_sqlite:
        return ""
    with db.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT pg_total_relation_size('inquiries'),"
                " pg_total_relation_size('inquiry_daily_counts'),"
                " (SELECT count(*) FROM inquiry_daily_counts)"
            )
        ).one()
    return f"inquiries {row[0] / 1e9:.1f} GB with indexes; counts {row[2]:,} rows, {row[1] / 1e6:.1f} MB"


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
        conn.execute(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{args.schema}"')
    db = open_database(args.postgres, schema=args.schema)
    try:
        yield db
    finally:
        db.dispose()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{args.schema}" CASCADE')


def reopen(db: Database) -> Database:
    return Database(db.url, schema=db.schema)


def timed(runs: int, call: Callable[[Database], object], db: Database) -> tuple[list[float], float]:
    """Cold runs (a new engine each, at most 3) and the warm median of `runs`, in seconds."""

    def once(database: Database) -> float:
        started = time.perf_counter()
        call(database)
        return time.perf_counter() - started

    cold = []
    for _ in range(min(3, runs)):
        fresh = reopen(db)
        cold.append(once(fresh))
        fresh.dispose()
    once(db)  # warm the connection pool and caches
    warm = [once(db) for _ in range(runs)]
    return cold, statistics.median(warm)


def bench_incident(db: Database) -> int:
    with db.read() as s:
        incident_id = s.scalar(select(Incident.id).where(Incident.slug == SLUG))
    assert incident_id is not None
    return incident_id


def window_query(
    make: Callable[[int, date, date, Collection[str] | None], Select[date, str, int | None, int]],
    db: Database,
    channels: tuple[str, ...] | None,
) -> Select[date, str, int | None, int]:
    return make(bench_incident(db), FIRST_DAY, FIRST_DAY + timedelta(days=DAYS - 1), channels)


def plan(db: Database, query: Select[date, str, int | None, int]) -> list[str]:
    """A query's plan (EXPLAIN ANALYZE on PostgreSQL)."""
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if db.is_sqlite:
            return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
        return [str(row[0]) for row in rows]


def rows_of(db: Database, query: Select[date, str, int | None, int]) -> set[tuple[object, ...]]:
    with db.read() as s:
        return {tuple(row) for row in s.execute(query)}


def check_total(db: Database, size: int) -> None:
    """The all-channel table adds up to every generated inquiry."""
    table = daily_table(db, SLUG, channels=None)
    total = sum(r.offered or 0 for r in table.rows)
    if len(table.rows) != DAYS or total != size:
        sys.exit(f"wrong table: {len(table.rows)} days, {total} inquiries (expected {size})")


def verdict(seconds: float, size: int) -> str:
    if size < 10_000_000:
        return ""
    return f"  (target {TARGET_S:.0f} s: {'ok' if seconds <= TARGET_S else 'OVER'})"


def show(label: str, cold: list[float], warm: float, size: int) -> None:
    print(
        f"  {label}: warm median {warm:.3f} s, cold {', '.join(f'{c:.3f}' for c in cold)} s"
        + verdict(max(warm, *cold), size)
    )


def report_case(
    label: str, db: Database, args: argparse.Namespace, size: int, channels: tuple[str, ...] | None
) -> None:
    cold, warm = timed(args.runs, lambda d: daily_table(d, SLUG, channels=channels), db)
    show(f"daily_table, {label}", cold, warm, size)
    for line in plan(db, window_query(kept_counts_query, db, channels)):
        print(f"      plan: {line}")
    if not args.raw_runs:
        return
    raw = window_query(raw_counts_query, db, channels)
    started = time.perf_counter()
    equal = rows_of(db, raw) == rows_of(db, window_query(kept_counts_query, db, channels))
    print(
        f"  kept counts == GROUP BY over the rows ({label}): {'yes' if equal else 'NO'}"
        f" (the raw aggregate {time.perf_counter() - started:.3f} s)"
    )
    if not equal:
        sys.exit("the kept counts differ from the rows")
    cold, warm = timed(args.raw_runs, lambda d: rows_of(d, raw), db)
    print(
        f"  raw GROUP BY over the rows, {label} (before the counts): warm median {warm:.3f} s,"
        f" cold {', '.join(f'{c:.3f}' for c in cold)} s"
    )
    for line in plan(db, raw):
        print(f"      raw plan: {line}")


# --- the cost on writes ---------------------------------------------------------------------

# The design the counts did not take, built in the bench database only to measure it: a row
# trigger updating the counter row in place, as SQLite's triggers do (PostgreSQL).
IN_PLACE = (
    """CREATE TABLE bench_counter (incident_id int, channel text, day date, outcome text,
    category_id int, n bigint, PRIMARY KEY (incident_id, channel, day, outcome, category_id))""",
    """CREATE FUNCTION bench_count_in_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO bench_counter VALUES (NEW.incident_id, NEW.channel, NEW.day, NEW.outcome,
    coalesce(NEW.category_id, 0), 1)
  ON CONFLICT (incident_id, channel, day, outcome, category_id)
  DO UPDATE SET n = bench_counter.n + 1;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER bench_count_in_place AFTER INSERT ON inquiries FOR EACH ROW"
    " EXECUTE FUNCTION bench_count_in_place()",
    "ALTER TABLE inquiries DISABLE TRIGGER bench_count_in_place",
)
COUNT_TRIGGERS = ("inquiries_count_inserted", "inquiries_count_updated", "inquiries_count_deleted")


def set_mode(db: Database, mode: str, saved: list[tuple[str, str]]) -> None:
    """Switch the counting of inquiry writes: ``kept`` (the migration's triggers), ``none``, or
    ``in place`` (PostgreSQL only: the rejected counter-row trigger)."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            present = {
                name
                for (name,) in conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                )
            }
            for name, sql in saved:
                if mode == "kept" and name not in present:
                    conn.exec_driver_sql(sql)
                if mode != "kept" and name in present:
                    conn.exec_driver_sql(f"DROP TRIGGER {name}")
            return
        for name in COUNT_TRIGGERS:
            switch = "ENABLE" if mode == "kept" else "DISABLE"
            conn.exec_driver_sql(f"ALTER TABLE inquiries {switch} TRIGGER {name}")
        switch = "ENABLE" if mode == "in place" else "DISABLE"
        conn.exec_driver_sql(f"ALTER TABLE inquiries {switch} TRIGGER bench_count_in_place")


def run_writers(threads: int, work: Callable[[int], None]) -> tuple[float, list[BaseException]]:
    """`threads` threads running `work(i)` at once: the seconds, and what failed."""
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:  # reported: a deadlock, a lock timeout
            errors.append(exc)

    workers = [threading.Thread(target=guarded, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, errors


BATCH_INSERT = """INSERT INTO inquiries (incident_id, channel, received_at, day, outcome,
                           category_id, fraud_report, note, source, created_at) VALUES """
BATCH_VALUES = (
    "(:incident{j}, 'web', :at{j}, :day{j}, :outcome{j}, :category{j}, false, '', 'web', :at{j})"
)
BATCH_ROW = text(BATCH_INSERT + BATCH_VALUES.format(j=""))
BATCH_STATEMENT = text(BATCH_INSERT + ", ".join(BATCH_VALUES.format(j=j) for j in range(20)))


def write_costs(db: Database, args: argparse.Namespace) -> None:
    """Desk writes (`log_inquiry`, one transaction each, every one on the same key) by 1 and
    `--threads` writers, and question-log batches (20 rows over 10 keys in a shuffled order,
    one transaction each) by `--threads` writers, under each way of counting."""
    slug = "bench-writes"
    incident_id, category0 = incident_ids(db, slug, "bench writes")
    with db.engine.begin() as conn:
        saved = [
            (str(name), str(sql))
            for name, sql in (
                conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                ).all()
                if db.is_sqlite
                else []
            )
        ]
        if not db.is_sqlite:
            for statement in IN_PLACE:
                conn.exec_driver_sql(statement)
    call = InquiryInput(
        channel="phone",
        outcome="answered",
        category="対象確認",
        received_at=datetime(2026, 1, 6, 1, tzinfo=UTC),
    )
    stamp = datetime(2026, 1, 6, 2, tzinfo=UTC)
    keys = [(o, category0 + c) for o in ("answered", "escalated") for c in range(5)]

    def desk(n: int) -> Callable[[int], None]:
        def work(_: int) -> None:
            for _ in range(n):
                log_inquiry(db, slug, call)

        return work

    def batches(one_statement: bool) -> Callable[[int], None]:
        def work(i: int) -> None:
            order = random.Random(i)
            for _ in range(args.writes // 20 // args.threads):
                rows = keys * 2
                order.shuffle(rows)
                values = [
                    {
                        "incident": incident_id,
                        "at": stamp,
                        "day": stamp.date(),
                        "outcome": o,
                        "category": c,
                    }
                    for o, c in rows
                ]
                with db.engine.begin() as conn:
                    if one_statement:  # one INSERT … VALUES (…), (…): the triggers fire once
                        flat = {
                            f"{k}{j}": v for j, row in enumerate(values) for k, v in row.items()
                        }
                        conn.execute(BATCH_STATEMENT, flat)
                    else:  # executemany: one statement, and one trigger call, per row
                        conn.execute(BATCH_ROW, values)

        return work

    modes = ["none", "kept"] if db.is_sqlite else ["none", "kept", "in place"]
    workloads: list[tuple[str, int, Callable[[int], None]]] = [
        ("desk, 1 writer", 1, desk(args.writes // 4)),
        (f"desk, {args.threads} writers", args.threads, desk(args.writes // 4 // args.threads)),
        (f"question-log batches, {args.threads} writers", args.threads, batches(False)),
        (
            f"question-log batches as one INSERT, {args.threads} writers",
            args.threads,
            batches(True),
        ),
    ]
    try:
        for label, threads, work in workloads:
            for mode in modes:
                set_mode(db, mode, saved)
                with db.read() as s:
                    before = (
                        s.scalar(
                            select(func.count())
                            .select_from(Inquiry)
                            .where(Inquiry.incident_id == incident_id)
                        )
                        or 0
                    )
                seconds, errors = run_writers(threads, work)
                with db.read() as s:
                    after = (
                        s.scalar(
                            select(func.count())
                            .select_from(Inquiry)
                            .where(Inquiry.incident_id == incident_id)
                        )
                        or 0
                    )
                failed = (
                    f"; {len(errors)} writers failed ({type(errors[0]).__name__})" if errors else ""
                )
                print(
                    f"  writes, {label}, counting {mode!r}: {(after - before) / seconds:,.0f}"
                    f" inquiries/s{failed}",
                    flush=True,
                )
    finally:
        set_mode(db, "kept", saved)
    started = time.perf_counter()
    folded = fold_count_changes(db)
    print(f"  fold after the writes: {folded} keys in {time.perf_counter() - started:.3f} s")


def run_one(kind: str, size: int, args: argparse.Namespace) -> None:
    print(f"\n== {kind}, {size:,} inquiries, {DAYS} days, 9 categories ==", flush=True)
    with bench_database(kind, size, args) as db:
        seconds = generate(db, size)
        print(f"  generated in {seconds:.1f} s (not the measured figure)", flush=True)
        started = time.perf_counter()
        folded = fold_count_changes(db)
        print(f"  first fold: {folded} keys in {time.perf_counter() - started:.2f} s", flush=True)
        started = time.perf_counter()
        analyse(db)
        print(f"  analysed in {time.perf_counter() - started:.1f} s; {sizes(db)}", flush=True)
        check_total(db, size)
        cases: list[tuple[str, tuple[str, ...] | None]] = [
            ("phone table (default)", PHONE),
            ("all channels", None),
        ]
        for label, channels in cases:
            report_case(label, db, args, size, channels)
            sys.stdout.flush()
        if args.writes:
            write_costs(db, args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--raw-runs", type=int, default=1, help="Runs of the raw GROUP BY (0: skip it)."
    )
    parser.add_argument(
        "--writes", type=int, default=0, help="Inquiries per write workload (0: none)."
    )
    parser.add_argument("--threads", type=int, default=8, help="Concurrent writers.")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", DEFAULT_PG))
    parser.add_argument("--schema", default=PG_SCHEMA, help="The PostgreSQL bench schema.")
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite files.")
    args = parser.parse_args(argv)
    sizes_ = [int(s) for s in args.sizes.split(",")]
    kinds = [k.strip() for k in args.db.split(",")]
    for kind in kinds:
        if kind not in ("sqlite", "postgresql"):
            sys.exit(f"unknown --db {kind!r}: sqlite or postgresql")
        for size in sizes_:
            run_one(kind, size, args)


if __name__ == "__main__":
    main()
