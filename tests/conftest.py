"""Shared fixtures: both databases, the seeds, small engines."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from breachdesk.db import Database, open_database
from pg_schema import POSTGRES_URL, empty_schema

ROOT = Path(__file__).resolve().parents[1]
# A served app paces long work and freezes the garbage collector's view of what is alive
# (breachdesk.pacing): right for one long-lived worker, a leak across thousands of test apps.
# tests/test_pacing.py turns it on where it is the subject.
os.environ.setdefault("BREACHDESK_WEB_PACING", "0")
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
    with empty_schema(postgres_problem) as schema:
        database = open_database(POSTGRES_URL, schema=schema)
        try:
            yield database
        finally:
            database.dispose()


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
