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


def test_without_enable_nothing_waits_or_is_counted() -> None:
    assert not pacing.enabled()
    with pacing.serving():
        assert pacing.others_served() == 0
        with pacing.long_work(freeze=True):
            start = time.monotonic()
            for _ in pacing.paced(range(1000)):
                pass
    assert time.monotonic() - start < 0.5
    assert gc.get_freeze_count() == 0


def test_long_work_sleeps_while_another_request_is_served(paced: None) -> None:
    served = threading.Event()
    done = threading.Event()
    waited: list[float] = []

    def request() -> None:
        with pacing.serving():
            served.set()
            done.wait(5)

    def work() -> None:
        with pacing.long_work():
            _work_for(pacing.STEP_SECONDS * 2)
            start = time.monotonic()
            pacing.give_way()
            waited.append(time.monotonic() - start)

    threading.Thread(target=request).start()
    served.wait(5)
    worker = threading.Thread(target=work)
    worker.start()
    worker.join(5)
    done.set()
    # It waited, but no longer than four times what it had worked, so it is never starved.
    assert pacing.STEP_SECONDS <= waited[0] <= pacing.MAX_WAIT_SECONDS + 0.05


def test_long_work_goes_on_when_nothing_else_is_served(paced: None) -> None:
    with pacing.long_work():
        _work_for(pacing.STEP_SECONDS * 2)
        start = time.monotonic()
        for _ in pacing.paced(range(100)):
            pass
        assert time.monotonic() - start < 0.05


def test_a_request_doing_long_work_does_not_wait_for_itself(paced: None) -> None:
    waited: list[float] = []

    def request() -> None:
        with pacing.serving():
            assert pacing.others_served() == 0
            with pacing.long_work():
                _work_for(pacing.STEP_SECONDS * 2)
                start = time.monotonic()
                pacing.give_way()
                waited.append(time.monotonic() - start)
        # A request in the thread pool carries its context (Starlette copies it).

    thread = threading.Thread(target=contextvars.copy_context().run, args=(request,))
    thread.start()
    thread.join(5)
    assert waited and waited[0] < pacing.STEP_SECONDS


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


def test_only_long_work_gives_way(paced: None) -> None:
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
        start = time.monotonic()
        for _ in pacing.paced(range(100)):
            _work_for(0.0001)
        assert time.monotonic() - start < pacing.STEP_SECONDS * 10
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
