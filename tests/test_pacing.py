"""Long work gives way to the requests being served (breachdesk.pacing)."""

from __future__ import annotations

import contextvars
import gc
import threading
import time
from collections.abc import Iterator

import pytest

from breachdesk import pacing


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep pacing asks for, in seconds (each still sleeps, so deadlines hold)."""
    asked: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(pacing.time, "sleep", sleep)
    return asked


@pytest.fixture
def paced() -> Iterator[None]:
    pacing.enable()
    try:
        yield
    finally:
        pacing.disable()


def _work_for(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_without_enable_nothing_waits_or_is_counted(sleeps: list[float]) -> None:
    assert not pacing.enabled()
    with pacing.serving():
        assert pacing.others_served() == 0
        with pacing.long_work(freeze=True):
            for _ in pacing.paced(range(1000)):
                _work_for(0.00001)
    assert sleeps == []
    assert gc.get_freeze_count() == 0


def test_long_work_sleeps_while_another_request_is_served(paced: None, sleeps: list[float]) -> None:
    served = threading.Event()
    done = threading.Event()

    def request() -> None:
        with pacing.serving():
            served.set()
            done.wait(5)

    def work() -> None:
        with pacing.long_work():
            _work_for(pacing.STEP_SECONDS * 2)
            pacing.give_way()

    threading.Thread(target=request).start()
    served.wait(5)
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(5)
    done.set()
    # It slept, but never past its deadline (at most MAX_WAIT_SECONDS), so it is never starved:
    # each sleep is asked for while the deadline has not passed.
    assert sleeps
    assert sum(sleeps) <= pacing.MAX_WAIT_SECONDS + max(sleeps)


def test_long_work_goes_on_when_nothing_else_is_served(paced: None, sleeps: list[float]) -> None:
    with pacing.long_work():
        for _ in pacing.paced(range(100)):
            _work_for(pacing.STEP_SECONDS / 10)
    assert sleeps == []


def test_a_request_doing_long_work_does_not_wait_for_itself(
    paced: None, sleeps: list[float]
) -> None:
    done: list[bool] = []

    def request() -> None:
        with pacing.serving():
            assert pacing.others_served() == 0
            with pacing.long_work():
                _work_for(pacing.STEP_SECONDS * 2)
                pacing.give_way()
                done.append(True)
        # A request in the thread pool carries its context (Starlette copies it).

    thread = threading.Thread(target=contextvars.copy_context().run, args=(request,))
    thread.start()
    thread.join(5)
    assert done and sleeps == []


def test_other_long_work_does_not_wait_for_a_request_that_is_itself_long_work(
    paced: None,
) -> None:
    importing = threading.Event()
    finish = threading.Event()

    def importer() -> None:
        with pacing.serving(), pacing.long_work():
            importing.set()
            finish.wait(5)

    thread = threading.Thread(target=importer)
    thread.start()
    importing.wait(5)
    assert pacing.others_served() == 0  # a rebuild meanwhile runs at full speed
    finish.set()
    thread.join(5)


def test_long_work_defers_full_collections_and_freezes_what_it_built(paced: None) -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with pacing.long_work(freeze=True):
        assert gc.get_threshold()[2] > 1000 * before[2]
        with pacing.long_work():  # nested work keeps the deferral until the outer one ends
            built = [[i] for i in range(10_000)]
        assert gc.get_threshold()[2] > 1000 * before[2]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() >= frozen + len(built)


def test_only_long_work_gives_way(paced: None, sleeps: list[float]) -> None:
    # The question-log thread folds and redacts a question while the request that waits for it
    # is in flight: giving way there made every logged answer 50 ms slower.
    served = threading.Event()
    done = threading.Event()

    def request() -> None:
        with pacing.serving():
            served.set()
            done.wait(5)

    threading.Thread(target=request).start()
    served.wait(5)
    try:
        pacing.give_way()
        _work_for(pacing.STEP_SECONDS * 2)
        for _ in pacing.paced(range(100)):
            _work_for(0.0001)
        assert sleeps == []
    finally:
        done.set()


def test_a_request_waiting_for_the_writer_is_not_waited_for(paced: None) -> None:
    # A logged question waits for the database's writer, which an import may hold: the import
    # giving way to it meanwhile only made both wait (a 5 s re-import took 14 s).
    with pacing.serving():
        assert pacing.others_served() == 0
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(pacing.others_served()))
        thread.start()
        thread.join(5)
        assert seen == [1]
        with pacing.waiting():
            thread = threading.Thread(target=lambda: seen.append(pacing.others_served()))
            thread.start()
            thread.join(5)
        assert seen == [1, 0]
