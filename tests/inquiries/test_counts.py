"""The daily report's kept counts equal the ``GROUP BY`` over the inquiries, whatever writes them.

Triggers on `inquiries` keep `inquiry_daily_counts` (and, on PostgreSQL, the pending
`inquiry_count_changes`): checked on both stores against `raw_counts_query` after random
sequences of the real write paths — the desk's `log_inquiry`, call-log imports, the question
log's batched plain-SQL INSERTs, edits of an inquiry's day/channel/outcome/category, deletions,
retention purges, bulk updates, a category's deletion (ON DELETE SET NULL), folds — and with
writers in threads at once. The incidents and calls are fictional.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from breachdesk.db import Database
from breachdesk.db.tables import Category, Incident, Inquiry, InquiryDailyCount
from breachdesk.errors import ConflictError
from breachdesk.inquiries import counts
from breachdesk.inquiries.calllog import import_call_log
from breachdesk.inquiries.categories import DEFAULT_CATEGORIES, ensure_categories
from breachdesk.inquiries.service import CHANNELS, OUTCOMES, InquiryInput, log_inquiry
from breachdesk.reports.daily import PHONE, daily_table

FIRST = date(2025, 3, 3)
WINDOW = (date(2000, 1, 1), date(2100, 1, 1))
CHANNEL_SETS: tuple[Collection[str] | None, ...] = (PHONE, None, ("web",), ("mail", "sms"))
_slugs = itertools.count()

BATCH_INSERT = text(
    """INSERT INTO inquiries (incident_id, channel, received_at, day, outcome, category_id,
                           fraud_report, note, source, created_at)
    VALUES (:incident, :channel, :at, :day, :outcome, :category, false, '', 'web', :at)"""
)


def new_incident(db: Database) -> tuple[str, int, list[int]]:
    """A fresh incident (one per Hypothesis example): its slug, id and category ids."""
    slug = f"counts-{next(_slugs)}"
    with db.transaction() as s:
        incident = Incident(slug=slug, name="架空ポイントカード", facts={})
        s.add(incident)
        s.flush()
        return slug, incident.id, [c.id for c in ensure_categories(s, incident)]


def at(day: int, hour: int = 10) -> datetime:
    """A moment on the `day`th day after FIRST (JST), in UTC."""
    return datetime(FIRST.year, FIRST.month, FIRST.day, hour, tzinfo=UTC) + timedelta(
        days=day, hours=-9
    )


def kept_and_raw(db: Database, incident_id: int, channels: Collection[str] | None) -> tuple:
    with db.read() as s:
        kept = [
            tuple(r) for r in s.execute(counts.kept_counts_query(incident_id, *WINDOW, channels))
        ]
        raw = [tuple(r) for r in s.execute(counts.raw_counts_query(incident_id, *WINDOW, channels))]
    return sorted(kept, key=repr), sorted(raw, key=repr)


def assert_exact(db: Database, slug: str, incident_id: int) -> None:
    """The kept counts equal the rows' GROUP BY for every channel set, and so does the report
    built from each (the raw query swapped in)."""
    for channels in CHANNEL_SETS:
        kept, raw = kept_and_raw(db, incident_id, channels)
        assert kept == raw, channels
        # Counts, not PostgreSQL's numeric sums (a Decimal would reach the JSON of the API).
        assert all(type(n) is int for *_, n in kept)
    for channels in CHANNEL_SETS:
        from_counts = daily_table(db, slug, channels=channels)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(counts, "kept_counts_query", counts.raw_counts_query)
            from_rows = daily_table(db, slug, channels=channels)
        assert from_counts == from_rows, channels


# --- the write paths ------------------------------------------------------------------------

days = st.integers(0, 5)
channels = st.sampled_from(CHANNELS)
outcomes = st.sampled_from(OUTCOMES)
category = st.none() | st.integers(0, len(DEFAULT_CATEGORIES) - 1)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("desk"), days, channels, outcomes, category),
        st.tuples(
            st.just("batch"),
            st.lists(st.tuples(days, channels, outcomes, category), min_size=1, max_size=6),
        ),
        st.tuples(
            st.just("import"),
            st.lists(st.tuples(days, st.sampled_from(["応答", "話中", "折返し"])), max_size=5),
        ),
        st.tuples(
            st.just("edit"),
            st.integers(0, 99),
            st.sampled_from(["day", "channel", "outcome", "category"]),
            st.integers(0, 99),
        ),
        st.tuples(st.just("delete"), st.integers(0, 99)),
        st.tuples(st.just("purge"), days),
        st.tuples(st.just("answer_busy"), days),
        st.tuples(st.just("drop_category"), st.integers(0, len(DEFAULT_CATEGORIES) - 1)),
        st.tuples(st.just("fold")),
    ),
    max_size=12,
)


class Writer:
    """Applies one generated operation to one incident through the path it names."""

    def __init__(self, db: Database, slug: str, incident_id: int, folder: Path) -> None:
        self.db, self.slug, self.incident_id, self.folder = db, slug, incident_id, folder
        self.files = itertools.count()

    def categories(self) -> list[tuple[int, str]]:
        with self.db.read() as s:
            return list(
                s.execute(
                    select(Category.id, Category.name)
                    .where(Category.incident_id == self.incident_id)
                    .order_by(Category.id)
                )
            )

    def ids(self) -> list[int]:
        with self.db.read() as s:
            return list(
                s.scalars(
                    select(Inquiry.id)
                    .where(Inquiry.incident_id == self.incident_id)
                    .order_by(Inquiry.id)
                )
            )

    def apply(self, op: tuple) -> None:
        getattr(self, op[0])(*op[1:])

    def desk(self, day: int, channel: str, outcome: str, category: int | None) -> None:
        names = [n for _, n in self.categories()]
        name = names[category % len(names)] if category is not None and names else None
        call = InquiryInput(channel=channel, outcome=outcome, received_at=at(day), category=name)
        log_inquiry(self.db, self.slug, call)

    def batch(self, rows: list[tuple[int, str, str, int | None]]) -> None:
        """The question log's background writer: plain SQL INSERTs, one transaction a batch."""
        ids = [c for c, _ in self.categories()]
        with self.db.engine.begin() as conn:
            conn.execute(
                BATCH_INSERT,
                [
                    {
                        "incident": self.incident_id,
                        "channel": channel,
                        "at": at(day),
                        "day": FIRST + timedelta(days=day),
                        "outcome": outcome,
                        "category": ids[c % len(ids)] if c is not None and ids else None,
                    }
                    for day, channel, outcome, c in rows
                ],
            )

    def import_(self, calls: list[tuple[int, str]]) -> None:
        path = self.folder / f"calls-{self.slug}-{next(self.files)}.csv"
        lines = ["日時,結果"] + [
            f"{FIRST + timedelta(days=d)} {1 + i:02d}:00,{o}" for i, (d, o) in enumerate(calls)
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            import_call_log(self.db, self.slug, path)
        except ConflictError:  # the same content twice: refused, nothing written
            pass
        except Exception as exc:  # an empty log is refused too
            if calls:
                raise AssertionError(f"import failed: {exc}") from exc

    def edit(self, which: int, field: str, value: int) -> None:
        ids = self.ids()
        if not ids:
            return
        with self.db.transaction() as s:
            row = s.get(Inquiry, ids[which % len(ids)])
            assert row is not None
            if field == "day":  # back-dated or moved forward
                row.received_at = at(value % 6)
                row.day = FIRST + timedelta(days=value % 6)
            elif field == "channel":
                row.channel = CHANNELS[value % len(CHANNELS)]
            elif field == "outcome":
                row.outcome = OUTCOMES[value % len(OUTCOMES)]
            else:
                cats = [c for c, _ in self.categories()]
                row.category_id = None if value % 4 == 0 or not cats else cats[value % len(cats)]

    def delete(self, which: int) -> None:
        ids = self.ids()
        if ids:
            with self.db.transaction() as s:
                s.delete(s.get(Inquiry, ids[which % len(ids)]))

    def purge(self, day: int) -> None:
        """A retention purge: every inquiry before a day, in one statement."""
        with self.db.transaction() as s:
            s.execute(
                delete(Inquiry).where(
                    Inquiry.incident_id == self.incident_id,
                    Inquiry.day < FIRST + timedelta(days=day),
                )
            )

    def answer_busy(self, day: int) -> None:
        """A bulk correction: a day's busy calls were in fact answered (one UPDATE)."""
        with self.db.transaction() as s:
            s.execute(
                update(Inquiry)
                .where(
                    Inquiry.incident_id == self.incident_id,
                    Inquiry.day == FIRST + timedelta(days=day),
                    Inquiry.outcome == "busy",
                )
                .values(outcome="answered")
            )

    def drop_category(self, which: int) -> None:
        """A category deleted in the database: its inquiries' category becomes NULL."""
        cats = [c for c, _ in self.categories()]
        if cats:
            with self.db.transaction() as s:
                s.execute(delete(Category).where(Category.id == cats[which % len(cats)]))

    def fold(self) -> None:
        counts.fold_count_changes(self.db)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_kept_counts_equal_the_rows_after_any_writes(
    db: Database, tmp_path: Path, ops: list[tuple]
) -> None:
    slug, incident_id, _ = new_incident(db)
    writer = Writer(db, slug, incident_id, tmp_path)
    for op in ops:
        writer.apply(("import_", *op[1:]) if op[0] == "import" else op)
    assert_exact(db, slug, incident_id)


def test_a_deleted_incident_takes_its_counts_and_leaves_the_others(db: Database) -> None:
    slug, incident_id, _ = new_incident(db)
    other, other_id, _ = new_incident(db)
    for name in (slug, other):
        for day in range(3):
            log_inquiry(
                db, name, InquiryInput(channel="phone", outcome="answered", received_at=at(day))
            )
    with db.transaction() as s:
        s.execute(delete(Incident).where(Incident.id == incident_id))
    counts.fold_count_changes(db)  # the deleted incident's pending changes are dropped
    with db.read() as s:
        left = set(s.scalars(select(InquiryDailyCount.incident_id)))
    assert left == {other_id}
    assert_exact(db, other, other_id)


def test_the_migration_backfills_the_counts_and_the_downgrade_drops_them(db: Database) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from breachdesk.db.engine import MIGRATIONS_DIR

    def migrate(revision: str, *, down: bool = False) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["engine"] = db.engine
        (command.downgrade if down else command.upgrade)(cfg, revision)

    slug, incident_id, _ = new_incident(db)
    writer = Writer(db, slug, incident_id, Path("."))
    writer.batch([(0, "phone", "answered", 1), (1, "web", "escalated", None)])
    migrate("0010", down=True)
    assert "inquiry_daily_counts" not in inspect(db.engine).get_table_names()
    # Written with no trigger in place: only the backfill can count these.
    writer.batch([(0, "phone", "answered", 1), (2, "mail", "busy", None)] * 3)
    with db.engine.begin() as conn:
        conn.execute(update(Inquiry).where(Inquiry.channel == "web").values(outcome="answered"))
    migrate("head")
    assert_exact(db, slug, incident_id)
    writer.desk(3, "phone", "busy", None)  # and the triggers are back
    assert_exact(db, slug, incident_id)


def test_concurrent_writers_keep_the_counts_exact(db: Database) -> None:
    """Desk writers on one hot key, batch writers taking the same keys in different orders and
    (PostgreSQL) folds, all at once: nobody fails or waits forever, and nothing is lost."""
    slug, incident_id, _ = new_incident(db)
    writer = Writer(db, slug, incident_id, Path("."))
    desk_threads, desk_calls, batch_threads, batches = 4, 15, 3, 5
    keys = [(d, "web", o, c) for d in (0, 1) for o in ("answered", "escalated") for c in (0, 1)]
    errors: list[BaseException] = []
    done = threading.Event()

    def desk() -> None:
        call = InquiryInput(channel="phone", outcome="answered", received_at=at(0))
        for _ in range(desk_calls):
            log_inquiry(db, slug, call)

    def batch(seed: int) -> None:
        shuffle = random.Random(seed)
        for _ in range(batches):
            rows = keys * 2
            shuffle.shuffle(rows)
            writer.batch(rows)

    def fold() -> None:
        while not done.is_set():
            counts.fold_count_changes(db)

    def guarded(work: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                work()
            except BaseException as exc:
                errors.append(exc)

        return run

    workers = [threading.Thread(target=guarded(desk)) for _ in range(desk_threads)]
    workers += [
        threading.Thread(target=guarded(lambda seed=seed: batch(seed)))
        for seed in range(batch_threads)
    ]
    folder = threading.Thread(target=guarded(fold))
    folder.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    done.set()
    folder.join(timeout=60)
    assert errors == []
    table = daily_table(db, slug, channels=None)
    first = table.rows[0]
    assert first.day == FIRST
    assert first.answered == desk_threads * desk_calls + batch_threads * batches * 4
    assert sum(r.offered or 0 for r in table.rows) == (
        desk_threads * desk_calls + batch_threads * batches * len(keys) * 2
    )
    assert_exact(db, slug, incident_id)


def test_truncating_the_inquiries_empties_the_counts(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE (a DELETE goes through the delete trigger)")
    slug, incident_id, _ = new_incident(db)
    Writer(db, slug, incident_id, Path(".")).batch([(0, "phone", "answered", None)] * 3)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE inquiries CASCADE")
    assert kept_and_raw(db, incident_id, None) == ([], [])
