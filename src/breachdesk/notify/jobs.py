"""Campaign sends that run while the console (or an API client) watches their status.

Pressing 送信 starts `send_campaign` in a thread of the web worker and answers at once; the
campaign page reloads itself and reads the counts from the database (`notify.status`), so any
worker can show how far a send has gone. Only whether a send is running *here*, and how the last
one ended, lives in this worker's memory.

One send of a campaign runs at a time in a worker: a second press while one runs is refused at
once (`ConflictError`, in Japanese). Across workers nothing more is needed: the send queue's
claims are single statements, so two senders never send the same message. A send that stops
(the SMTP server down, a worker restart) is resumed by pressing 送信 again. A job never ends
without a reason: an error that is not a domain error is logged by its type only (a database
error's message can hold values) and the job says, in Japanese, what to do.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from breachdesk.auth.service import Actor
from breachdesk.errors import BreachdeskError, ConflictError, NotFoundError
from breachdesk.notify.desk import NotifyDesk
from breachdesk.notify.send import SendResult

KEEP_SECONDS = 3600
log = logging.getLogger("breachdesk.notify")
RUNNING = "このキャンペーンは送信中です（{actor} さんが開始）。終わるまでお待ちください"
FAILED = (
    "送信中に予期しないエラー（{kind}）が起きました。送信済みの分は記録されています。"
    "時間をおいてもう一度「送信」を押すと、続きから送ります。続く場合はサーバーのログを確認してください"
)


class SendFailedError(BreachdeskError):
    """A send ended by an error that is not a domain error; the message names its type."""


@dataclass
class SendJob:
    """One send's state, read by the campaign page and the API's status."""

    id: str
    campaign: int
    actor: str
    started: float = field(default_factory=time.monotonic)
    result: SendResult | None = None
    error: BreachdeskError | None = None
    finished: float | None = None

    @property
    def done(self) -> bool:
        return self.finished is not None


class SendJobs:
    """The send jobs of this worker, by campaign."""

    def __init__(self) -> None:
        self._jobs: dict[int, SendJob] = {}
        self._lock = threading.Lock()

    def start(self, campaign: int, actor: str, run: Callable[[], SendResult]) -> SendJob:
        """Run `run()` in a thread; its result or typed error lands on the job."""
        job = SendJob(secrets.token_urlsafe(12), campaign, actor)
        with self._lock:
            now = time.monotonic()
            for old in [
                j for j in self._jobs.values() if j.finished and now - j.finished > KEEP_SECONDS
            ]:
                del self._jobs[old.campaign]
            running = self._jobs.get(campaign)
            if running is not None and not running.done:
                raise ConflictError(RUNNING.format(actor=running.actor))
            self._jobs[campaign] = job

        def work() -> None:
            try:
                job.result = run()
            except BreachdeskError as exc:
                job.error = exc
            except Exception as exc:  # any other failure: the job must still say why it ended
                log.error("campaign %s send failed: %s", campaign, type(exc).__name__)
                job.error = SendFailedError(FAILED.format(kind=type(exc).__name__))
            finally:
                job.finished = time.monotonic()

        threading.Thread(target=work, name=f"campaign-send-{campaign}", daemon=True).start()
        return job

    def latest(self, campaign: int) -> SendJob | None:
        """The campaign's running or last send in this worker, if any."""
        return self._jobs.get(campaign)

    def get(self, campaign: int) -> SendJob:
        job = self._jobs.get(campaign)
        if job is None:
            raise NotFoundError("send", str(campaign))
        return job

    def wait(self, job: SendJob, timeout: float = 60.0) -> None:
        """Block until the job is finished (tests, and a caller that wants the result)."""
        deadline = time.monotonic() + timeout
        while not job.done and time.monotonic() < deadline:
            time.sleep(0.01)


def start_send(
    jobs: SendJobs, notify: NotifyDesk, slug: str, campaign: int, *, by: Actor | None
) -> SendJob:
    """Start sending an approved campaign of `slug` in the background: what is due today, at
    the configured pace, letters appended to the campaign's print file (`letters_path`).
    Refused at once (`ConflictError`) before approval or while a send of it runs here."""
    view = notify.plan_of(slug, campaign)
    if view.state == "planned":
        raise ConflictError(
            "このキャンペーンはまだ承認されていません（管理者が承認してから送信します）"
        )
    letters = notify.letters_path(campaign) if "letter" in view.chain else None

    def run() -> SendResult:
        if letters is not None:
            letters.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not letters.exists():
                # Names and addresses: readable by the server's user only.
                os.close(os.open(letters, os.O_WRONLY | os.O_CREAT, 0o600))
        return notify.send(campaign, letters_out=letters, by=by)

    return jobs.start(campaign, by.name if by else "cli", run)
