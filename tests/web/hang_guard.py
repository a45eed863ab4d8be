"""A request that never comes back is a hang, not a slow answer: fail it instead of waiting.

This is not a timing assertion (tests never assert timings): the limit is minutes above any
normal answer, on the slowest machine, and only tells a runaway loop from a finished request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")

HANG_SECONDS = 60.0


def returns(call: Callable[[], T], what: object) -> T:
    """`call()`'s result; the test fails if it has not returned after HANG_SECONDS."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as error:  # handed back to the test's thread below
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    if thread.is_alive():
        pytest.fail(f"no answer after {HANG_SECONDS:.0f} s (a runaway loop?): {what}")
    if failure:
        raise failure[0]
    return result[0]
