"""The question log's one writer per process: questions logged in batches, off the request path.

A person asking on the help page or the API gets their answer with the id of its log row at
once; the row (and its `web` inquiry, `review.service.write_questions`) is written a moment later
by this process's one writer thread, together with every other question that arrived meanwhile:
one transaction and two multi-row INSERTs per batch instead of one transaction per question,
and no request ever waits for the database's writer (on SQLite an import holds it for seconds).

Ids come from blocks reserved in one atomic statement (`db.ids`), so they are unique across
workers and servers. What is submitted is written in order; a failed write is retried with a
growing pause (the database restarting, a long import) and a batch the database refuses is
written row by row so one bad row (its incident deleted meanwhile) loses only itself. A vote or
a choice sent to the same process first waits for its question to be written (`flush`); one
sent to another process arrives seconds after the answer was shown, long after the batch.

What a crash of the process (kill -9) loses: the questions of the batch being written and those
waiting behind it — at most the last moment's, never an answer shown twice or a row half-written.
Shutting down flushes (`close`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from breachdesk.answer.model import Answer
from breachdesk.db import Database
from breachdesk.db.ids import reserve_ids
from breachdesk.db.tables import PublicQuestion, utcnow
from breachdesk.errors import NotFoundError
from breachdesk.review.service import LoggedQuestion, question_row, write_questions

log = logging.getLogger(__name__)

BLOCK = 4096
"""Ids reserved at a time. A new block is reserved in the background when half is used, so a
request takes its id from memory even while an import holds SQLite's writer for seconds (at
500 questions a second a worker has four seconds in hand). Ids left when a process stops stay
unused: 4,096 of the 2.1 billion a question id may be, per restart."""
MAX_BATCH = 500
"""Questions written in one transaction at most."""
MAX_PAUSE = 5.0
"""The longest pause between retries of a failed write, in seconds."""


class QuestionLog:
    """Log public questions in batches through one writer thread (see the module)."""

    def __init__(
        self,
        db: Database,
        *,
        block: int = BLOCK,
        max_batch: int = MAX_BATCH,
        write: Callable[[Database, list[LoggedQuestion]], None] | None = None,
    ) -> None:
        self.db = db
        self._block = block
        self._max_batch = max_batch
        self._write_batch = write or _write
        self._ids: deque[int] = deque()
        self._ids_cond = threading.Condition()
        self._refilling = False
        self._pending: deque[LoggedQuestion] = deque()
        self._cond = threading.Condition()
        self._submitted = 0
        self._done = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0

    def submit(
        self, answer: Answer, *, channel: str = "web", feedback_token: str | None = None
    ) -> int:
        """Queue a question for the log and return the id its row will have."""
        question_id = self._next_id()
        logged = question_row(
            question_id, answer, channel=channel, feedback_token=feedback_token, asked_at=utcnow()
        )
        with self._cond:
            if self._closing:
                raise RuntimeError("the question log is closed")
            self._pending.append(logged)
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="question-log", daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return question_id

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything submitted so far is written (or dropped); False on timeout."""
        with self._cond:
            target = self._submitted
            return self._cond.wait_for(lambda: self._done >= target, timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Write what is queued, then stop the writer."""
        self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def prime(self) -> None:
        """Reserve the first block of ids now (the web app does at start-up), not in a request."""
        with self._ids_cond:
            if self._ids or self._refilling:
                return
            self._refilling = True
        self._refill()

    def _next_id(self) -> int:
        with self._ids_cond:
            if len(self._ids) <= self._block // 2 and not self._refilling:
                self._refilling = True
                threading.Thread(target=self._refill, name="question-ids", daemon=True).start()
            # Empty only when the process has just started or the store was away for long.
            if not self._ids_cond.wait_for(lambda: bool(self._ids), timeout=30):
                raise RuntimeError("no question ids could be reserved in 30 s")
            return self._ids.popleft()

    def _refill(self) -> None:
        ids: list[int] = []
        try:
            ids = self._reserve()
        finally:
            with self._ids_cond:
                self._ids.extend(ids)
                self._refilling = False
                self._ids_cond.notify_all()

    def _reserve(self) -> list[int]:
        pause = 0.05
        while True:
            try:
                return reserve_ids(self.db, PublicQuestion, self._block)
            except (OperationalError, InterfaceError) as e:
                log.warning(
                    "question log: reserving ids failed (%s); retrying in %.1f s",
                    type(e).__name__,
                    pause,
                )
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending) or self._closing)
                if not self._pending:
                    return
                batch = [
                    self._pending.popleft() for _ in range(min(self._max_batch, len(self._pending)))
                ]
            self._write(batch)
            with self._cond:
                self._done += len(batch)
                self._cond.notify_all()

    def _write(self, batch: list[LoggedQuestion]) -> None:
        pause = 0.05
        refused = 0
        while True:
            try:
                self._write_batch(self.db, batch)
                self.written += len(batch)
                return
            except (OperationalError, InterfaceError) as e:
                # The store is away (restarting, locked by a long import): try again.
                log.warning(
                    "question log: writing %d questions failed (%s); retrying in %.1f s",
                    len(batch),
                    type(e.orig).__name__ if e.orig is not None else type(e).__name__,
                    pause,
                )
                time.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE)
            except (DBAPIError, NotFoundError):
                # Refused once, the batch is tried again: another writer may have made the
                # incident's categories at the same moment. Refused twice, a row of it is bad.
                refused += 1
                if refused > 1:
                    break
        for one in batch:
            try:
                self._write_batch(self.db, [one])
                self.written += 1
            except (DBAPIError, NotFoundError) as e:
                self.dropped += 1
                # Counts and the error's kind only: the question may hold personal data.
                log.error("question log: question %d not logged (%s)", one.id, type(e).__name__)


def _write(db: Database, batch: list[LoggedQuestion]) -> None:
    with db.transaction() as s:
        write_questions(s, batch)
