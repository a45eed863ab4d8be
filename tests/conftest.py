"""Shared fixtures: both databases, the seeds, small engines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from breachdesk.db import Database, open_database

ROOT = Path(__file__).resolve().parents[1]
# A served app paces long work and freezes the garbage collector's view of what is alive
# (breachdesk.pacing): right for one long-lived worker, a leak across thousands of test apps.
# tests/test_pacing.py turns it on where it is the subject.
os.environ.setdefault("BREACHDESK_WEB_PACING", "0")
POSTGRES_URL = os.environ.get(
    "BREACHDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED_SLUGS = {
    "000": "tottori",
    "001": "moneysquare",
    "002": "cellcellar",
    "003": "kokocoupon",
    "004": "jrc",
}


def _postgres_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server to test against
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(scope="session")
def postgres_problem() -> str | None:
    return _postgres_available()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_problem: str | None
) -> Iterator[Database]:
    """A fresh, migrated database: a SQLite file, or a private schema on the PostgreSQL server."""
    if request.param == "sqlite":
        database = open_database(str(tmp_path / "test.db"))
        yield database
        database.dispose()
        return
    if postgres_problem:
        if os.environ.get("BREACHDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but unreachable: {postgres_problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {postgres_problem}")
    schema = f"bd_test_{uuid.uuid4().hex[:12]}"
    import psycopg

    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    database = open_database(POSTGRES_URL, schema=schema)
    try:
        yield database
    finally:
        database.dispose()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def seeds_dir() -> Path | None:
    folder = Path(os.environ.get("BREACHDESK_SEEDS", ROOT.parent / "shared" / "seeds"))
    return folder if folder.is_dir() and any(folder.glob("0*.txt")) else None


@pytest.fixture(scope="session")
def seeds() -> dict[str, Path]:
    """The five seed documents by slug; skip (or fail under BREACHDESK_REQUIRE_SEEDS=1)."""
    folder = seeds_dir()
    if folder is None:
        reason = (
            "seed documents not found (set BREACHDESK_SEEDS or put ../shared/seeds beside the repo)"
        )
        if os.environ.get("BREACHDESK_REQUIRE_SEEDS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return {
        SEED_SLUGS[p.name[:3]]: p for p in sorted(folder.glob("0*.txt")) if p.name[:3] in SEED_SLUGS
    }
