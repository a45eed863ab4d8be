"""A private schema on the PostgreSQL test server, for the fixtures that need one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL = os.environ.get(
    "BREACHDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def empty_schema(postgres_problem: str | None) -> Iterator[str]:
    """A new, empty schema on the test server, dropped afterwards; skips (fails where
    `BREACHDESK_REQUIRE_POSTGRES=1`) when the server is unreachable."""
    if postgres_problem:
        if os.environ.get("BREACHDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but unreachable: {postgres_problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {postgres_problem}")
    import psycopg

    schema = f"bd_test_{uuid.uuid4().hex[:12]}"
    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
