"""The outbox: messages leave in a background thread, so that a self-check answers in the same
time whether or not it sends anything (sending takes tens of milliseconds; a person listed
would otherwise be told apart by the clock). Each message waits a random `delay` first, so the
sending thread's work does not fall on the request that queued it but on whatever request the
worker serves a moment later, listed or not.

Failures are logged by kind only (never the recipient or the text) and counted.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable

from breachdesk.register.messages import Outgoing

log = logging.getLogger("breachdesk.register")

Sender = Callable[[Outgoing], None]


class Outbox:
    """A queue drained by one daemon thread; `senders` maps a channel to its send function."""

    def __init__(
        self, senders: dict[str, Sender | None], *, delay: tuple[float, float] = (0.2, 1.0)
    ) -> None:
        self._senders = senders
        self.delay = delay
        self._queue: queue.Queue[Outgoing] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0

    def put(self, message: Outgoing) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._drain, name="register-outbox", daemon=True
                )
                self._thread.start()
        self._queue.put(message)

    def join(self) -> None:
        """Wait until every queued message was handled (tests, shutdown)."""
        self._queue.join()

    def _drain(self) -> None:
        while True:
            message = self._queue.get()
            time.sleep(random.uniform(*self.delay))  # a spread in time, not a secret
            try:
                send = self._senders.get(message.channel)
                if send is None:
                    log.warning(
                        "register: no %s sender configured; a message was dropped", message.channel
                    )
                    self.failed += 1
                else:
                    send(message)
                    self.sent += 1
            except Exception as exc:  # any transport failure; the thread must keep running
                self.failed += 1
                log.warning(
                    "register: a %s message failed: %s", message.channel, type(exc).__name__
                )
            finally:
                self._queue.task_done()
