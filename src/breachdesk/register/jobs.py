"""Imports that run while the console shows their progress.

A console upload starts the import in a thread and answers at once with a page that refreshes
itself with the rows read, the rate and the time left. Jobs live in the worker's memory: the
progress page must be served by the worker that runs the import (one worker, or sticky
sessions); the import itself is one database transaction whichever worker serves the page.

One import of a register runs at a time: a second upload while one runs is refused at once
(`ConflictError`, in Japanese); across processes the import's own claim on the register makes
the second wait or be refused (`register.importer`). A job never ends without a reason: an
error that is not a domain error is logged by its type only (a database error's message can
hold key values) and the job says, in Japanese, that nothing was changed.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from breachdesk.errors import BreachdeskError, ConflictError, NotFoundError
from breachdesk.register.importer import Progress, ProgressCallback, RegisterImportResult

KEEP_SECONDS = 3600
log = logging.getLogger("breachdesk.register")
RUNNING = (
    "この名簿は取り込みの途中です（{file}、{actor} さん）。終わってから、もう一度取り込んでください"
)
FAILED = (
    "取り込み中に予期しないエラー（{kind}）が起きました。何も変更されていません。"
    "時間をおいてもう一度取り込み、続く場合はサーバーのログを確認してください"
)


class ImportFailedError(BreachdeskError):
    """An import ended by an error that is not a domain error; the message names its type."""


@dataclass
class ImportJob:
    """One import's state, read by the progress page."""

    id: str
    slug: str
    file_name: str
    actor: str
    started: float = field(default_factory=time.monotonic)
    progress: Progress | None = None
    result: RegisterImportResult | None = None
    error: BreachdeskError | None = None
    finished: float | None = None

    @property
    def done(self) -> bool:
        return self.finished is not None


class ImportJobs:
    """The import jobs of this worker, by id (an unguessable token)."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()

    def start(
        self,
        slug: str,
        file_name: str,
        actor: str,
        run: Callable[[ProgressCallback], RegisterImportResult],
    ) -> ImportJob:
        """Run `run(progress)` in a thread; its result or typed error lands on the job."""
        job = ImportJob(secrets.token_urlsafe(12), slug, file_name, actor)
        with self._lock:
            now = time.monotonic()
            for old in [
                j for j in self._jobs.values() if j.finished and now - j.finished > KEEP_SECONDS
            ]:
                del self._jobs[old.id]
            running = next((j for j in self._jobs.values() if j.slug == slug and not j.done), None)
            if running is not None:
                raise ConflictError(RUNNING.format(file=running.file_name, actor=running.actor))
            self._jobs[job.id] = job

        def progress(p: Progress) -> None:
            job.progress = p

        def work() -> None:
            try:
                job.result = run(progress)
            except BreachdeskError as exc:
                job.error = exc
            except Exception as exc:  # any other failure: the job must still say why it ended
                log.error("register import %s failed: %s", job.id, type(exc).__name__)
                job.error = ImportFailedError(FAILED.format(kind=type(exc).__name__))
            finally:
                job.finished = time.monotonic()

        threading.Thread(target=work, name=f"register-import-{job.id}", daemon=True).start()
        return job

    def get(self, slug: str, job_id: str) -> ImportJob:
        job = self._jobs.get(job_id)
        if job is None or job.slug != slug:
            raise NotFoundError("import", job_id)
        return job

    def wait(self, job: ImportJob, timeout: float = 60.0) -> None:
        """Block until the job is finished (tests, and a caller that wants the result)."""
        deadline = time.monotonic() + timeout
        while not job.done and time.monotonic() < deadline:
            time.sleep(0.01)
