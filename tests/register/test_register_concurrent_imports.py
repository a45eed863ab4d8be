"""Two imports of one register at once: the second waits for the first or is refused in
Japanese — never a job that says 「取り込みませんでした。… None」 — and no database error carries
its parameters (person keys, ciphertexts, blind indexes) into a message or a log."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from console_session import signed_in
from register_support import SLUG, DeskMaker
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from breachdesk.db import Database
from breachdesk.db.tables import RegisterPerson
from breachdesk.errors import ConflictError
from breachdesk.register.importer import RegisterImportResult, import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import people, write_csv


def people_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(RegisterPerson)) or 0)


def test_a_database_error_never_carries_its_parameters(db: Database) -> None:
    # A failing statement whose server message does not quote the row (PostgreSQL's DETAIL
    # does, for a constraint: the import turns those into a ConflictError without the cause).
    secret = "person-key-3f9a1c"
    statement = (
        "INSERT INTO incidents (slug, name) VALUES (:slug, NULL)"
        if db.is_sqlite
        else "SELECT CAST(:slug AS TEXT), 1 / 0"
    )
    with pytest.raises(DBAPIError) as caught, db.transaction() as s:
        s.execute(text(statement), {"slug": secret})
    assert secret not in str(caught.value) and "parameters hidden" in str(caught.value)


def test_two_imports_of_one_register_at_once_wait_or_are_refused_in_japanese(
    db: Database, shop: str, keyring: Keyring, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crowd = list(people(1500, seed=8))
    path = tmp_path / "list.csv"
    path.write_bytes(write_csv(crowd))
    gate = threading.Barrier(2)

    def run(_: int) -> RegisterImportResult | Exception:
        gate.wait()
        try:
            return import_register(db, keyring, shop, path)
        except Exception as exc:  # collected: the test checks what kind
            return exc

    with caplog.at_level(logging.DEBUG), ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    done = [r for r in results if isinstance(r, RegisterImportResult)]
    refused = [r for r in results if not isinstance(r, RegisterImportResult)]
    assert all(isinstance(r, ConflictError) and "取り込み" in str(r) for r in refused), refused
    assert sorted(r.added for r in done)[-1] == len(crowd)
    assert all(r.added + r.unchanged == len(crowd) for r in done)
    assert people_count(db) == len(crowd)
    assert "\\x" not in caplog.text and "[parameters" not in caplog.text


def test_a_second_upload_while_one_runs_is_refused_in_japanese(
    register_desk: object, tmp_path: Path
) -> None:
    from breachdesk.desk import Desk

    assert isinstance(register_desk, Desk)
    client, csrf = signed_in(register_desk, "ada")
    big = write_csv(list(people(3000, seed=9, start=20_000)))
    small = write_csv(list(people(10, seed=9, start=40_000)))
    started = client.post(
        f"/console/i/{SLUG}/register/upload",
        data={"csrf_token": csrf},
        files={"file": ("big.csv", big, "text/csv")},
        follow_redirects=False,
    )
    second = client.post(
        f"/console/i/{SLUG}/register/upload",
        data={"csrf_token": csrf},
        files={"file": ("small.csv", small, "text/csv")},
    )
    job = register_desk.register.jobs.get(SLUG, started.headers["location"].rsplit("/", 1)[1])
    refused_while_running = not job.done
    register_desk.register.jobs.wait(job)
    if refused_while_running:  # (the first could finish before the second was sent)
        assert "取り込みの途中です" in second.text and "None" not in second.text
    assert job.result is not None and job.result.added == 3000


def test_imports_from_two_workers_at_once_end_with_a_result_or_a_japanese_reason(
    make_desk: DeskMaker,
) -> None:
    # Two worker processes each keep their own jobs: the database's claim decides.
    first, second = make_desk(), make_desk()
    data = write_csv(list(people(2000, seed=10, start=60_000)))
    jobs = [
        desk.register.start_import(SLUG, "list.csv", data, actor="ada") for desk in (first, second)
    ]
    for desk, job in zip((first, second), jobs, strict=True):
        desk.register.jobs.wait(job, timeout=120)
    for job in jobs:
        assert job.done and (job.result is not None or job.error is not None)
        if job.error is not None:
            assert isinstance(job.error, ConflictError) and "取り込み" in str(job.error)
    assert first.register.stats(SLUG).people == 60 + 2000


def test_a_job_that_fails_unexpectedly_says_so_in_japanese_and_logs_no_values(
    register_desk: object, caplog: pytest.LogCaptureFixture
) -> None:
    from breachdesk.desk import Desk

    assert isinstance(register_desk, Desk)
    secret = "ciphertext-77aa"

    def failing(_progress: object) -> RegisterImportResult:
        raise RuntimeError(f"duplicate key value: {secret}")

    with caplog.at_level(logging.DEBUG):
        job = register_desk.register.jobs.start(SLUG, "list.csv", "ada", failing)
        register_desk.register.jobs.wait(job)
    assert job.error is not None and "予期しないエラー" in str(job.error)
    assert secret not in str(job.error) and secret not in caplog.text
    client, _ = signed_in(register_desk, "ada")
    page = client.get(f"/console/i/{SLUG}/register/imports/{job.id}")
    result = HTMLParser(page.text).css_first("#result")
    assert result is not None and "None" not in result.text()
    assert "予期しないエラー" in result.text()
