"""Long work gives way to the requests a web worker is serving.

A web worker answers questions on its event loop while imports, approvals and index rebuilds
run in threads of the same process. Under the GIL such a thread takes the interpreter from an
answer every few milliseconds, and the cyclic garbage collector, set off by its allocations,
walks every long-lived object with the GIL held (230 ms once a 5,000-entry FAQ is indexed):
while a changed 5,000-entry FAQ was re-imported, asks on other incidents had a p99 of 0.3–0.5 s
(bench/reimport.py). So, once the web app has called `enable()`:

- the requests being served are counted (`serving()`, around every request);
- long loops call `give_way()` between small steps: while a request other than the caller's
  own is being served, it sleeps, up to four times as long as it has just worked, so the
  request has the interpreter nearly to itself and a busy desk still finishes its import;
- the interpreter switches threads every millisecond instead of every five, so an answer
  that lets go of the GIL (numpy, SQLite) waits less for it back where long work cannot give
  way (one regular expression over a whole incident's text);
- `long_work()` marks such work: full collections wait until it ends, and what is alive then
  (the index it built) is frozen out of the collector's reach. An index lives long and forms
  no cycles; reference counting still frees it when a newer one replaces it.

Without `enable()` (the CLI, the tests) these do nothing.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

# Work at least this long between two waits, and wait at most this long at once.
STEP_SECONDS = 0.002
MAX_WAIT_SECONDS = 0.05
# Waiting at most this many times as long as it worked keeps long work at a fifth of the
# interpreter or more, however busy the desk.
WAIT_PER_WORK = 4.0
SWITCH_INTERVAL_SECONDS = 0.001
# Generation-1 collections before a full one while long work runs: practically never.
_DEFERRED_FULL = 1_000_000

_enabled = False
_DEFAULT_SWITCH_INTERVAL = sys.getswitchinterval()
_lock = threading.Lock()
_in_flight = 0  # requests being served, not counting those doing long work
_long_work = 0
_freeze_after = False
_thresholds: tuple[int, int, int] | None = None
_local = threading.local()


class _Request:
    """The request a context is serving, and whether it is counted as in flight."""

    counted = True


_request: ContextVar[_Request | None] = ContextVar("breachdesk_request", default=None)


def enable() -> None:
    """Turn pacing on for this process, and freeze what is alive now (models and indexes
    loaded at start-up) out of the garbage collector's reach."""
    global _enabled
    _enabled = True
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    gc.collect()
    gc.freeze()


def enabled() -> bool:
    return _enabled


def disable() -> None:
    """Turn pacing off again (for tests): the default switch interval, nothing frozen."""
    global _enabled
    _enabled = False
    sys.setswitchinterval(_DEFAULT_SWITCH_INTERVAL)
    gc.unfreeze()


@contextmanager
def serving() -> Iterator[None]:
    """Count a request as being served for as long as the block runs."""
    if not _enabled:
        yield
        return
    request = _Request()
    _count(1)
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)
        if request.counted:
            _count(-1)


def _count(change: int) -> None:
    global _in_flight
    with _lock:
        _in_flight += change


def others_served() -> int:
    """Requests being served now that long work should give way to (not the caller's own)."""
    request = _request.get()
    return _in_flight - (1 if request is not None and request.counted else 0)


def give_way() -> None:
    """Between two steps of long work: sleep while other requests are being served. Outside
    `long_work` (a request's own small piece of the same code, the question-log thread) it
    does nothing: only long work waits."""
    if not _enabled or not getattr(_local, "depth", 0):
        return
    now = time.monotonic()
    resumed = getattr(_local, "resumed", None)
    if resumed is None or others_served() <= 0:
        _local.resumed = now
        return
    worked = now - resumed
    if worked < STEP_SECONDS:
        return
    deadline = now + min(MAX_WAIT_SECONDS, WAIT_PER_WORK * worked)
    while others_served() > 0 and time.monotonic() < deadline:
        time.sleep(0.0005)
    _local.resumed = time.monotonic()


@contextmanager
def waiting() -> Iterator[None]:
    """While the block runs, the caller's request is not one that long work gives way to: it
    is itself waiting (for the database's writer, which an import may hold), and long work
    that slept for it would only make it wait longer."""
    request = _request.get()
    if not _enabled or request is None or not request.counted:
        yield
        return
    request.counted = False
    _count(-1)
    try:
        yield
    finally:
        request.counted = True
        _count(1)


def paced(items: Iterable[T]) -> Iterator[T]:
    """`items`, giving way before each one."""
    for item in items:
        give_way()
        yield item


@contextmanager
def long_work(*, freeze: bool = False) -> Iterator[None]:
    """Mark work that runs for seconds beside the requests. Full collections wait for its end;
    with `freeze` (work that builds something long-lived, like an index) what is alive then is
    frozen (see the module docstring). A request doing long work is no longer counted as one
    that other long work gives way to."""
    if not _enabled:
        yield
        return
    with waiting(), _long_work_counted(freeze):
        _local.resumed = time.monotonic()
        _local.depth = getattr(_local, "depth", 0) + 1
        try:
            yield
        finally:
            _local.depth -= 1


@contextmanager
def _long_work_counted(freeze: bool) -> Iterator[None]:
    """Full collections wait while any long work runs; the last to end freezes if asked."""
    global _long_work, _thresholds, _freeze_after
    with _lock:
        _long_work += 1
        _freeze_after = _freeze_after or freeze
        if _long_work == 1:
            _thresholds = gc.get_threshold()
            gc.set_threshold(_thresholds[0], _thresholds[1], _DEFERRED_FULL)
    try:
        yield
    finally:
        with _lock:
            _long_work -= 1
            if _long_work == 0 and _thresholds is not None:
                gc.set_threshold(*_thresholds)
                if _freeze_after:
                    # The young generations hold most of the garbage the work left: collect
                    # them (milliseconds) so that little garbage is frozen with the index.
                    gc.collect(1)
                    gc.freeze()
                _freeze_after = False
